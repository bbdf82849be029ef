"""Posting and updating the approval request messages, announcements, and notes to the requester."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import NotAllowed
from bot.registry import Approval, Registry
from commands.model import decision_effects, render, request_blocks
from commands.model.render import utcnow
from storage.models import SwitchRequest

log = logging.getLogger(__name__)

# Errors that mean "the bot can't post there" rather than "Slack is having a bad minute".
_MEMBERSHIP_ERRORS = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}


async def post_approval_request(
    client: AsyncWebClient,
    registry: Registry,
    request: SwitchRequest,
    channel: str,
    extra_sections: Sequence[Block] = (),
) -> SwitchRequest:
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
    client: AsyncWebClient, request: SwitchRequest, extra_sections: Sequence[Block] = ()
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


async def announce(client: AsyncWebClient, approval: Approval, channel: str) -> bool:
    """Tell the channel the live model changed; False if Slack refused (the change stands regardless)."""
    try:
        await client.chat_postMessage(
            channel=channel, text=request_blocks.announcement_text(approval), unfurl_links=False
        )
    except SlackApiError as exc:
        log.warning(
            "could not announce deployment #%s: %s", approval.deployment.id, exc.response.get("error")
        )
        return False
    return True


async def tell_requester(client: AsyncWebClient, request: SwitchRequest, message: str) -> None:
    """Privately in the channel they asked from, or by DM when the bot can't post there."""
    if request.requester_channel_id:
        try:
            await client.chat_postEphemeral(
                channel=request.requester_channel_id, user=request.requested_by, text=message
            )
            return
        except SlackApiError as exc:
            log.info("ephemeral to requester failed (%s); sending a DM", exc.response.get("error"))
    try:
        await client.chat_postMessage(channel=request.requested_by, text=message)
    except SlackApiError as exc:
        log.warning(
            "could not tell %s about request #%s: %s",
            request.requested_by,
            request.id,
            exc.response.get("error"),
        )
