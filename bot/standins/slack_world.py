"""The conversations the stand-in's workspace holds, who is in them, and their messages.

Defaults keep tests short: an ID nobody declared is a conversation of the type its prefix says
(``C`` public channel, ``G`` private channel, ``D`` IM, a user ID is the bot's IM with that user)
with the bot in it and every user in it. Declare the rest: private channels the bot was never
invited to, public channels it left, channels with a known member list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.standins.slack_scopes import ChannelKind

__all__ = ["Channel", "World"]

# Methods that act on a conversation's content: refused in a public channel the bot is not in.
_MEMBERS_ONLY = frozenset({"conversations.history", "conversations.replies", "files.completeUploadExternal"})
_POSTING = frozenset({"chat.postMessage", "chat.postEphemeral"})


@dataclass
class Channel:
    id: str
    kind: ChannelKind = "public"
    bot_member: bool = True
    members: set[str] | None = None  # None: every user is a member
    is_archived: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or f"channel-{self.id.lower()}"

    def info(self) -> dict[str, Any]:
        """The ``channel`` object of conversations.info."""
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": self.kind == "public",
            "is_group": self.kind == "private",
            "is_im": self.kind == "im",
            "is_mpim": self.kind == "mpim",
            "is_private": self.kind != "public",
            "is_archived": self.is_archived,
            "is_member": self.bot_member,
            "created": 1_600_000_000,
        }


def default_kind(channel_id: str) -> ChannelKind:
    if channel_id.startswith("G"):
        return "private"
    if channel_id.startswith(("D", "U", "W")):
        return "im"
    return "public"


@dataclass
class World:
    next_ts: Callable[[], str]
    channels: dict[str, Channel] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)  # IDs that do not exist at all
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> in ts order

    def declare(self, channels: Mapping[str, Channel | Mapping[str, Any]] | Iterable[Channel]) -> None:
        items = channels.items() if isinstance(channels, Mapping) else ((c.id, c) for c in channels)
        for channel_id, spec in items:
            channel = spec if isinstance(spec, Channel) else Channel(id=channel_id, **dict(spec))
            self.channels[channel_id] = channel
            self.missing.discard(channel_id)

    def channel(self, channel_id: str) -> Channel | None:
        if not channel_id or channel_id in self.missing:
            return None
        if channel_id not in self.channels:
            self.channels[channel_id] = Channel(id=channel_id, kind=default_kind(channel_id))
        return self.channels[channel_id]

    def kind(self, channel_id: str) -> ChannelKind:
        known = self.channels.get(channel_id)
        return known.kind if known else default_kind(channel_id)

    def refusal(self, method: str, channel_id: str, *, scopes: Iterable[str], user: str | None) -> str | None:
        """The error Slack gives ``method`` on this conversation, or None when it may go ahead."""
        channel = self.channel(channel_id)
        # Slack hides private conversations from non-members: they do not exist for the bot.
        if channel is None or (channel.kind != "public" and not channel.bot_member):
            return "channel_not_found"
        if method in _POSTING and channel.is_archived:
            return "is_archived"
        if not channel.bot_member:
            if method in _MEMBERS_ONLY:
                return "not_in_channel"
            if method in _POSTING and "chat:write.public" not in set(scopes):
                return "not_in_channel"
        if method == "chat.postEphemeral" and channel.members is not None and user not in channel.members:
            return "user_not_in_channel"
        return None

    # ---- messages ------------------------------------------------------------------------------

    def store(self, channel_id: str, message: dict[str, Any]) -> str:
        """Remember a message (allocating its ts if it has none); threads it under its parent."""
        message = dict(message)
        message.setdefault("type", "message")
        ts = str(message.get("ts") or self.next_ts())
        message["ts"] = ts
        stored = self.messages.setdefault(channel_id, [])
        parent_ts = message.get("thread_ts")
        if parent_ts and parent_ts != ts:
            parent = self.find(channel_id, str(parent_ts))
            if parent is not None:
                parent["thread_ts"] = parent_ts
                parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
                parent.setdefault("reply_users", [])
                if message.get("user") and message["user"] not in parent["reply_users"]:
                    parent["reply_users"].append(message["user"])
                parent["latest_reply"] = ts
                message.setdefault("parent_user_id", parent.get("user"))
        stored.append(message)
        stored.sort(key=lambda m: float(m["ts"]))
        return ts

    def find(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel_id, []) if m["ts"] == ts), None)

    def update(self, channel_id: str, ts: str, changes: Mapping[str, Any]) -> None:
        message = self.find(channel_id, ts)
        if message is not None:
            message.update({k: v for k, v in changes.items() if k in ("text", "blocks", "attachments")})
            message["edited"] = {"user": message.get("user", ""), "ts": self.next_ts()}

    def delete(self, channel_id: str, ts: str) -> None:
        self.messages[channel_id] = [m for m in self.messages.get(channel_id, []) if m["ts"] != ts]

    def thread(self, channel_id: str, ts: str) -> list[dict[str, Any]] | None:
        """A thread's parent then its replies, oldest first; None when there is no such message."""
        message = self.find(channel_id, ts)
        if message is None:
            return None
        root = str(message.get("thread_ts") or ts)
        parent = self.find(channel_id, root) or message
        replies = [
            m for m in self.messages.get(channel_id, []) if m.get("thread_ts") == root and m is not parent
        ]
        return [parent, *replies]

    def history(self, channel_id: str) -> list[dict[str, Any]]:
        """Channel-level messages (thread replies excluded unless broadcast), newest first."""
        top = [
            m
            for m in self.messages.get(channel_id, [])
            if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
        ]
        return list(reversed(top))
