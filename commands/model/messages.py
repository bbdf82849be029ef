"""Posting and updating the approval request messages (decisions tell Slack through the outbox: decision_effects)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import NotAllowed
from bot.registry import Registry
from bot.registry.views import RequestView
from commands import render
from commands.model import decision_effects, request_blocks
from commands.render import utcnow

log = logging.getLogger(__name__)

# Errors that mean "the bot can't post there" rather than "Slack is having a bad minute".
_MEMBERSHIP_ERRORS = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}


async def post_approval_request(
    client: AsyncWebClient,
    registry: Registry,
    request: RequestView,
    channel: str,
    extra_sections: Sequence[Block] = (),
) -> RequestView:
    """Post the request where approvers look; if Slack refuses, forget the request and say how to fix it."""
    now = utcnow()
    assert request.id is not None
    try:
        posted = await client.chat_postMessage(
            channel=channel,
            text=request_blocks.request_text(request),
            blocks=request_blocks.approval_request_blocks(request, now=now, extra_sections=extra_sections),
            unfurl_links=False,
        )
    except Exception as exc:
        await registry.discard_request(request.id)
        if isinstance(exc, SlackApiError):
            raise NotAllowed(posting_refused(channel, str(exc.response.get("error")))) from exc
        raise
    # The superseded requests' messages are updated through the outbox, queued with the supersede.
    published, _superseded = await registry.publish_request(
        request.id,
        channel_id=str(posted["channel"]),
        message_ts=str(posted["ts"]),
        now=now,
        effects=decision_effects.request_update,
    )
    return published


def posting_refused(channel: str, error: str) -> str:
    if error in _MEMBERSHIP_ERRORS:
        fix = (
            f"Invite me to {render.channel(channel)} (`/invite @triagebot`), or ask an operator to point "
            "TRIAGE_APPROVAL_CHANNEL at a channel I'm in, then ask again."
        )
    else:
        fix = "Try again in a minute; if it keeps failing, tell whoever runs triagebot."
    return f"I couldn't post the approval request in {render.channel(channel)} (Slack said `{error}`). {fix} No request was opened."


async def update_request_message(
    client: AsyncWebClient, request: RequestView, extra_sections: Sequence[Block] = ()
) -> None:
    """Re-render the request's message for its current state. Best effort: the database already decided."""
    if not request.channel_id or not request.message_ts:
        return
    try:
        await client.chat_update(
            channel=request.channel_id,
            ts=request.message_ts,
            text=request_blocks.request_text(request),
            blocks=request_blocks.approval_request_blocks(
                request, now=utcnow(), extra_sections=extra_sections
            ),
        )
    except SlackApiError as exc:
        log.warning("could not update request #%s's message: %s", request.id, exc.response.get("error"))
