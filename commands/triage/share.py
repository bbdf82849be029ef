from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.services import Services
from commands.block_kit import as_dicts
from commands.ids import row_id
from commands.respond import respond
from commands.triage import blocks


async def share_triage(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict) -> None:
    """ "Share in channel": post the recorded result visibly, credited to whoever shared it.

    Going through response_url (not chat.postMessage) works in channels the bot was never invited to.
    """
    await ack()
    services: Services = context["services"]
    triage_id = row_id(action.get("value"), hint="Run `/triage` again.")
    result = await services.triage.result(triage_id)
    await respond(
        body["response_url"],
        response_type="in_channel",
        replace_original=False,
        text=blocks.result_text(result),
        blocks=as_dicts(blocks.result_blocks(result, shared_by=body["user"]["id"], with_actions=False)),
    )
