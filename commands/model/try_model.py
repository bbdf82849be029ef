"""/model try <model-id> [on <endpoint>]: approvers' smoke test of a model, answered in one message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import InvalidInput, NotAllowed
from bot.quality.smoke import SMOKE_CASES, smoke_lines, smoke_test
from commands import text
from commands.context import services_of
from commands.respond import respond
from commands.subcommands import parse_model_ref

TRY_USAGE = "/model try <model-id> [on <endpoint>]"


async def try_subcommand(
    args: str, command: dict[str, Any], ack: AsyncAck, client: AsyncWebClient, context: dict
) -> None:
    services = services_of(context)
    model_id, endpoint = parse_model_ref(args) or (None, None)
    if model_id is None:
        raise InvalidInput(f"Name the model to try: `{TRY_USAGE}`.")
    if not await services.registry.approvers.is_approver(command.get("user_id", ""), datetime.now(UTC)):
        raise NotAllowed("Trying a model costs model calls, so it is for approvers. Ask a team lead.")
    endpoint = endpoint or "openai"
    services.models.endpoint(endpoint)
    await ack(
        response_type="ephemeral",
        text=f":hourglass_flowing_sand: Trying {text.inline_code(model_id)} on {text.inline_code(endpoint)} "
        f"with {SMOKE_CASES} golden cases…",
    )
    result = await smoke_test(
        services.db, services.models, endpoint, model_id, categories=services.settings.triage_categories
    )
    first, *rest = smoke_lines(result)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*{text.escape_mrkdwn(first)}*"))]
    if rest:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=text.escape_mrkdwn("\n".join(rest[:-1])) or " "))
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=text.escape_mrkdwn(rest[-1]))]))
    await respond(
        command["response_url"],
        response_type="ephemeral",
        replace_original=True,
        text=text.escape_mrkdwn(first),
        blocks=blocks,
    )
