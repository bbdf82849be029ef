"""The one place a failure becomes a message to the user. Domain code raises typed errors;
anything else is logged with its traceback and the user gets a generic apology, never the trace."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import TriagebotError
from commands.respond import is_slack_url, response_url_of
from commands.respond import respond as respond_with_retries
from commands.text import BROADCASTS, escape_mrkdwn, truncate

log = logging.getLogger("triagebot.errors")

UNEXPECTED = (
    ":warning: Something went wrong on our side and nothing was changed. Try again; if it keeps "
    "happening, tell whoever runs triagebot (the error is in its log)."
)


def user_message(error: Exception, body: dict[str, Any] | None = None) -> str:
    if isinstance(error, TriagebotError):
        said = escape_echoes(error.user_message, typed_text(body or {}))
        return f":warning: {mention_people(said, error.people)}"
    return UNEXPECTED


def mention_people(message: str, people: tuple[str, ...]) -> str:
    """The members a domain error names (`@U123`, see bot.errors.person) as Slack mentions; only
    those: an `@` word the member typed stays as typed."""
    for user_id in people:
        if _USER_ID.fullmatch(user_id):
            message = re.sub(rf"@{re.escape(user_id)}\b", f"<@{user_id}>", message)
    return message


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


# Mentions, channel links, broadcasts and links are all `<...>` entities in mrkdwn.
_ENTITY = re.compile(r"<[^<>]*>")


def typed_text(body: dict[str, Any]) -> str:
    """Everything the member typed in this request, joined: command text, view inputs, messages."""
    parts = [str(body.get("text") or "")]
    parts.append(json.dumps((body.get("view") or {}).get("state"), ensure_ascii=False))
    parts.append(json.dumps(body.get("message"), ensure_ascii=False))
    parts.append(json.dumps(body.get("event"), ensure_ascii=False))
    return "\n".join(parts)


def escape_echoes(message: str, typed: str) -> str:
    """Domain errors quote what the member typed (a model ID, an endpoint, a reason) without knowing
    about Slack; their own mentions (who approved, which group) are meant. An entity the member typed
    is echoed, so it is escaped here, once for every error path; a broadcast is never meant."""

    def entity(match: re.Match[str]) -> str:
        found = match.group(0)
        return (
            escape_mrkdwn(found)
            if found in typed or found.startswith(("<!channel", "<!here", "<!everyone"))
            else found
        )

    return BROADCASTS.sub(lambda m: "@\u2060" + m.group(1), _ENTITY.sub(entity, message))


async def handle_listener_error(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    client: AsyncWebClient,
) -> BoltResponse | None:
    if isinstance(error, TriagebotError):
        log.info("refused: %s (%s)", type(error).__name__, error.user_message)
    else:
        log.error("listener failed", exc_info=(type(error), error, error.__traceback__))
    message = user_message(error, body)
    if response is not None:
        # Not acknowledged yet: the acknowledgement itself carries the answer, in the shape this
        # kind of request expects (a modal ignores a slash command's body and shows "trouble connecting").
        return await _acknowledgement(message, body, client)
    try:
        await _tell_user(message, body, client)
    except Exception:
        log.exception("could not tell the user about an error")
    return None


def _json_response(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(payload), headers={"content-type": "application/json;charset=utf-8"}
    )


async def _acknowledgement(message: str, body: dict[str, Any], client: AsyncWebClient) -> BoltResponse:
    if body.get("type") == "view_submission":
        view = body.get("view") or {}
        block = next(
            (
                b.get("block_id")
                for b in view.get("blocks") or []
                if b.get("type") == "input" and b.get("block_id")
            ),
            None,
        )
        if block:
            # Shown under the field; the modal stays open with what the user typed.
            return _json_response({"response_action": "errors", "errors": {block: truncate(message, 150)}})
        try:
            await _tell_user(message, body, client)
        except Exception:
            log.exception("could not tell the user about an error")
        return _json_response({"response_action": "clear"})
    return _json_response({"response_type": "ephemeral", "text": message})


async def _tell_user(message: str, body: dict[str, Any], client: AsyncWebClient) -> None:
    response_url = response_url_of(body)
    if response_url and is_slack_url(response_url):
        # Bolt's `respond` has no rate-limit retries; an error the user never sees is the worst kind.
        await respond_with_retries(
            response_url, text=message, response_type="ephemeral", replace_original=False
        )
        return
    event = body.get("event") or {}
    if event.get("channel"):
        # Mentions have no response URL: answer in the thread the mention started.
        await client.chat_postMessage(
            channel=event["channel"], thread_ts=event.get("thread_ts") or event.get("ts"), text=message
        )
        return
    user = (body.get("user") or {}).get("id")
    channel = (body.get("channel") or {}).get("id")
    if user and channel:
        await client.chat_postEphemeral(channel=channel, user=user, text=message)
    elif user:
        # A modal has no channel: the bot's direct messages (its App Home's Messages tab) do.
        await client.chat_postMessage(channel=user, text=message)
