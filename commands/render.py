"""Small mrkdwn pieces every area's views share: people, dates, models, shutdown notes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.registry.model_ids import SHUTDOWN_WARNING_DAYS, days_left
from commands import text

_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_SLACK_CHANNEL = re.compile(r"[CGD][A-Z0-9]{2,}")


def utcnow() -> datetime:
    """The listeners' clock; domain code always receives it as `now`."""
    return datetime.now(UTC)


def person(user_id: str | None) -> str:
    if not user_id:
        return "nobody"
    if _SLACK_USER.fullmatch(user_id):
        return f"<@{user_id}>"
    if user_id == "config":
        return "configuration (TRIAGE_DEFAULT_MODEL)"
    return text.escape_mrkdwn(user_id)


def break_glass(user_id: str | None, why: str | None, limit: int = 300) -> str:
    """A lead's immediate rollback: nobody approved it, and it must not read as a self-approval."""
    return f"break-glass by {person(user_id)}: {reason(why, limit)}"


def channel(channel_id: str) -> str:
    """A channel link; TRIAGE_APPROVAL_CHANNEL may also hold a name such as #model-approvals."""
    if _SLACK_CHANNEL.fullmatch(channel_id):
        return f"<#{channel_id}>"
    return text.escape_mrkdwn(channel_id if channel_id.startswith("#") else f"#{channel_id}")


def moment(when: datetime) -> str:
    """A date Slack shows in the reader's own time zone, with a UTC fallback."""
    fallback = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def model(model_id: str, endpoint: str) -> str:
    return f"{text.inline_code(model_id)} on {text.inline_code(endpoint)}"


def shutdown_note(shutdown: date | None, now: datetime) -> str:
    if shutdown is None:
        return "no shutdown date announced"
    left = days_left(shutdown, now)
    if left <= 0:
        return f":red_circle: shut down on {shutdown.isoformat()}: it no longer answers"
    cue = ":rotating_light: " if left <= SHUTDOWN_WARNING_DAYS else ""
    return f"{cue}shuts down on {shutdown.isoformat()} ({left} day{'s' if left != 1 else ''} left)"


def reason(value: str | None, limit: int = 500) -> str:
    return text.safe_mrkdwn(value, limit) if value else "_no reason given_"


def sections(lines: list[str], separator: str = "\n") -> list[Block]:
    """As few section blocks as Slack's 3,000-character limit allows, never splitting a line."""
    blocks: list[Block] = []
    chunk = ""
    for line in lines:
        line = text.truncate(line, text.SECTION_TEXT_MAX)
        if chunk and len(chunk) + len(separator) + len(line) > text.SECTION_TEXT_MAX:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
            chunk = ""
        chunk = f"{chunk}{separator}{line}" if chunk else line
    if chunk:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
    return blocks
