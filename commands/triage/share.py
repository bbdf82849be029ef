"""*Share in channel*: post a triage result visibly, once per triage."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot import triage_shares
from bot.triage_views import TriageShareView
from commands import render
from commands.context import services_of
from commands.ids import row_id
from commands.render import utcnow
from commands.respond import respond
from commands.triage import blocks


async def share_triage(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict) -> None:
    """Post the recorded result visibly, credited to whoever shared it; a second click (by anyone)
    is told where it already is instead of posting it again.

    Going through response_url (not chat.postMessage) works in channels the bot was never invited to.
    """
    await ack()
    services = services_of(context)
    triage_id = row_id(action.get("value"), hint="Run `/triage` again.")
    result = await services.triage.result(triage_id)
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    claim = await triage_shares.claim(services.db, triage_id, user, channel, now=utcnow())
    if not claim.first:
        note = already_shared(claim.share)
        await respond(body["response_url"], response_type="ephemeral", replace_original=False, text=note)
        return
    try:
        await respond(
            body["response_url"],
            response_type="in_channel",
            replace_original=False,
            text=blocks.result_text(result),
            blocks=blocks.result_blocks(result, shared_by=user, shared_copy=True),
        )
    except Exception:
        await triage_shares.release(services.db, claim.share)  # not posted: the next click may try again
        raise


def already_shared(share: TriageShareView) -> str:
    where = f" in {render.channel(share.channel_id)}" if share.channel_id else ""
    return (
        f"Triage #{share.triage_id} was already shared{where} by {render.person(share.shared_by)} "
        f"{render.moment(share.shared_at)}: each result is posted once, so the channel sees one copy."
    )
