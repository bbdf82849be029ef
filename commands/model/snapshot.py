"""/model snapshot [model-id] [on <endpoint>]: approvers freeze a model's behaviour now (default: the
live model); progress and the result come through the response URL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import InvalidInput, NotAllowed
from bot.quality.eval_runs import target_deployment
from bot.registry.views import RequestView
from bot.services import Services
from bot.snapshots.gate import live_snapshot_note
from bot.snapshots.record import record
from bot.snapshots.text import recording_lines
from commands import text
from commands.context import services_of
from commands.respond import respond
from commands.subcommands import parse_model_ref

SNAPSHOT_USAGE = "/model snapshot [model-id] [on <endpoint>]"
# Response URLs take five posts: the ack, one halfway note, the result, and room for a retry.
PROGRESS_AT = 0.5


def parse_snapshot_args(args: str) -> tuple[str | None, str | None]:
    parsed = parse_model_ref(args)
    if parsed is None:
        raise InvalidInput(f"Usage: `{SNAPSHOT_USAGE}` (no model ID: the live model).")
    return parsed


async def snapshot_subcommand(
    args: str, command: dict[str, Any], ack: AsyncAck, client: AsyncWebClient, context: dict
) -> None:
    services = services_of(context)
    model, endpoint = parse_snapshot_args(args)
    if not await services.registry.approvers.is_approver(command.get("user_id", ""), datetime.now(UTC)):
        raise NotAllowed("A snapshot costs a model call per input, so it is for approvers. Ask a team lead.")
    endpoint, model_id = await target_deployment(services.db, model, endpoint)
    services.models.endpoint(endpoint)
    what = f"{text.inline_code(model_id)} on {text.inline_code(endpoint)}"
    await ack(
        response_type="ephemeral", text=f":camera: Recording a snapshot of {what}; progress will appear here."
    )
    url = command["response_url"]
    posted: list[asyncio.Task[Any]] = []

    def progress(done: int, total: int) -> None:
        if not posted and total and done >= total * PROGRESS_AT:
            note = f":camera: Snapshot of {what}: {done}/{total} inputs answered…"
            posted.append(asyncio.create_task(respond(url, text=note, replace_original=True)))

    settings = services.settings
    done = await record(
        services.db,
        services.models,
        endpoint,
        model_id,
        by=command.get("user_id", "slack"),
        categories=settings.triage_categories,
        concurrency=settings.triage_eval_concurrency,
        progress=progress,
    )
    await asyncio.gather(*posted, return_exceptions=True)  # the result must come after the progress note
    lines = recording_lines(done)
    mark = ":white_check_mark:" if done.complete else ":warning:"
    await respond(url, text=f"{mark} " + text.escape_mrkdwn("\n".join(lines)), replace_original=True)


async def snapshot_gate_blocks(services: Services, request: RequestView) -> list[Block]:
    """For the eval gate's approval message (W1's rendering appends these to its sections): the live
    model's newest snapshot and how to compare the candidate with it; nothing when there is none."""
    note = await live_snapshot_note(services.db, request)
    if note is None:
        return []
    return [ContextBlock(elements=[MarkdownTextObject(text=":camera: " + text.escape_mrkdwn(note))])]
