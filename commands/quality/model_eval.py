"""/model eval [model-id] [on endpoint]: run the eval set now, summary via the response URL."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import InvalidInput, NotFound
from bot.quality.eval_runs import RunSummary, check_eval_target, target_deployment
from bot.quality.eval_set import count_cases
from bot.quality.golden_cases import FailedCase, failed_cases
from bot.quality.text import failed_case_lines, summary_lines
from commands import text
from commands.context import services_of
from commands.respond import respond as respond_to

EVAL_USAGE = "/model eval [model-id] [on <endpoint>]"
_ARGS = re.compile(r"(?:(?P<model>[^\s`]+|`[^`]+`)(?:\s+on\s+(?P<endpoint>\S+))?)?", re.IGNORECASE)


def parse_eval_args(args: str) -> tuple[str | None, str | None]:
    match = _ARGS.fullmatch(args.strip())
    if match is None:
        raise InvalidInput(f"Usage: `{EVAL_USAGE}` (no model ID: the live model).")
    model = match["model"].strip("`") if match["model"] else None
    return model, match["endpoint"]


def summary_blocks(
    summary: RunSummary, failed: tuple[int, list[FailedCase]] = (0, [])
) -> list[dict[str, Any]]:
    first, *rest = summary_lines(summary)
    if summary.status == "failed":
        first = f"{first}: no case got an answer, so this says nothing about the model's quality"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*{text.escape_mrkdwn(first)}*")),
        SectionBlock(text=MarkdownTextObject(text=text.escape_mrkdwn("\n".join(rest)))),
    ]
    total, shown = failed
    if total:
        # Customers' messages and the model's answers: plain text, so nothing in them formats or pings.
        lines = failed_case_lines(summary.run_id, total, shown)
        lines = [line for line in lines if "triagebot eval show" not in line]
        blocks.append(
            SectionBlock(
                text=PlainTextObject(text=text.truncate("\n".join(lines), text.SECTION_TEXT_MAX), emoji=False)
            )
        )
    where = f"All of this run's cases: `triagebot eval show {summary.run_id}`."
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(text=f"Every case is stored as a quality check of this run. {where}")
            ]
        )
    )
    return [block.to_dict() for block in blocks]


async def eval_subcommand(
    args: str,
    command: dict[str, Any],
    ack: AsyncAck,
    client: AsyncWebClient,
    context: dict,
) -> None:
    """Acks at once; the run continues in this listener's own task (Bolt runs listeners as asyncio
    tasks, which the server drains on shutdown) and reports through the response URL."""
    services = services_of(context)
    model, endpoint = parse_eval_args(args)
    cases = await count_cases(services.db)
    if not cases:
        raise NotFound(
            "The eval set is empty. Import cases with `triagebot eval import FILE.jsonl`, or use "
            '"Add to eval set" after reviewing a triage.'
        )
    endpoint, model_id = await target_deployment(services.db, model, endpoint)
    await check_eval_target(
        services.db,
        services.models,
        services.registry.approvers,
        user_id=command.get("user_id"),
        endpoint=endpoint,
        model_id=model_id,
        now=datetime.now(UTC),
    )
    await ack(
        response_type="ephemeral",
        text=f":hourglass_flowing_sand: Running {cases} eval case(s) against {text.inline_code(model_id)} "
        f"on {text.inline_code(endpoint)}; the summary will appear here.",
    )
    summary = await services.eval_runner.run(
        endpoint, model_id, trigger="command", requested_by=command.get("user_id")
    )
    await respond_to(
        command["response_url"],
        response_type="ephemeral",
        replace_original=True,
        text=text.escape_mrkdwn(summary_lines(summary)[1]),
        blocks=summary_blocks(summary, await failed_cases(services.db, summary.run_id)),
    )
