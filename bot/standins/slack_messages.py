"""Messages as Slack delivers them in payloads and conversations.history/replies.

A message is not always a ``user`` plus ``text``: apps send blocks with an empty ``text``,
integrations send legacy attachments or post as ``bot_message`` with a ``username``, people
share snippets (the content is only in ``files[].preview``), and thread replies carry
``thread_ts`` and ``parent_user_id``. Shapes follow Slack's message reference and the payloads
bolt-python's tests use; ``ts`` values default to fixed, readable ones.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "attachments_only",
    "blocks_only",
    "bot_message",
    "file_snippet",
    "rich_text",
    "thread_reply",
    "user_message",
]

CUSTOMER = "U0CUSTOMER"
TEAM = "T0STANDIN"
Message = dict[str, Any]


def user_message(text: str, *, user: str = CUSTOMER, ts: str = "1700000000.000200") -> Message:
    """A person's plain message: Slack also sends its rich_text form in ``blocks``."""
    return {
        "type": "message",
        "user": user,
        "ts": ts,
        "text": text,
        "team": TEAM,
        "blocks": [rich_text(text)],
    }


def rich_text(text: str, block_id: str = "rt0") -> dict[str, Any]:
    """The rich_text block Slack's composer produces for ``text``, one section per paragraph."""
    sections = [
        {"type": "rich_text_section", "elements": [{"type": "text", "text": line}]}
        for line in text.split("\n\n")
    ]
    return {"type": "rich_text", "block_id": block_id, "elements": sections}


def blocks_only(text: str, *, user: str = CUSTOMER, ts: str = "1700000000.000210") -> Message:
    """Content only in blocks (``text`` empty), as some apps and Workflow Builder post it."""
    return {"type": "message", "user": user, "ts": ts, "text": "", "team": TEAM, "blocks": [rich_text(text)]}


def attachments_only(
    text: str, *, title: str = "New ticket", bot_id: str = "B0HELPDESK", ts: str = "1700000000.000220"
) -> Message:
    """A legacy-attachment message from an integration: no ``text``, no ``blocks``."""
    return {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": bot_id,
        "username": "Helpdesk",
        "ts": ts,
        "text": "",
        "attachments": [
            {
                "id": 1,
                "color": "d00000",
                "fallback": f"{title}: {text}",
                "title": title,
                "text": text,
                "footer": "Helpdesk",
            }
        ],
    }


def file_snippet(
    preview: str, *, user: str = CUSTOMER, name: str = "error.txt", ts: str = "1700000000.000230"
) -> Message:
    """A shared plain-text snippet: the words are only in ``files[0].preview``."""
    return {
        "type": "message",
        "user": user,
        "ts": ts,
        "text": "",
        "team": TEAM,
        "upload": True,
        "display_as_bot": False,
        "files": [
            {
                "id": "F0SNIPPET1",
                "created": 1_700_000_000,
                "name": name,
                "title": name,
                "mimetype": "text/plain",
                "filetype": "text",
                "pretty_type": "Plain Text",
                "user": user,
                "mode": "snippet",
                "editable": True,
                "is_external": False,
                "size": len(preview.encode()),
                "preview": preview,
                "preview_is_truncated": False,
                "lines": preview.count("\n") + 1,
                "lines_more": 0,
            }
        ],
    }


def bot_message(
    text: str,
    *,
    bot_id: str = "B0MONITOR",
    username: str = "Status monitor",
    ts: str = "1700000000.000240",
) -> Message:
    """A message an integration posted (incoming webhook or legacy bot): no ``user``."""
    return {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": bot_id,
        "username": username,
        "icons": {"emoji": ":robot_face:"},
        "ts": ts,
        "text": text,
    }


def thread_reply(
    text: str,
    *,
    thread_ts: str,
    user: str = CUSTOMER,
    parent_user_id: str = CUSTOMER,
    ts: str = "1700000000.000250",
) -> Message:
    """A reply inside a thread: ``thread_ts`` is the parent's ts, ``parent_user_id`` its author."""
    return {**user_message(text, user=user, ts=ts), "thread_ts": thread_ts, "parent_user_id": parent_user_id}
