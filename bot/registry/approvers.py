"""Who may approve a switch: configured user IDs plus the members of one Slack user group.

The group lookup is injected (the Slack implementation lives with the listeners) and cached for a
few minutes, so a burst of clicks costs one API call and a membership change shows up soon after.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from datetime import datetime, timedelta

from bot.errors import person

log = logging.getLogger(__name__)

GroupLookup = Callable[[str], Awaitable[Collection[str]]]
DEFAULT_CACHE_TTL = timedelta(minutes=5)


class Approvers:
    def __init__(
        self,
        users: Iterable[str] = (),
        group: str | None = None,
        lookup: GroupLookup | None = None,
        *,
        cache_ttl: timedelta = DEFAULT_CACHE_TTL,
    ) -> None:
        self.users = frozenset(u for u in users if u)
        self.group = group or None
        self.lookup = lookup
        self.cache_ttl = cache_ttl
        self._cached: frozenset[str] | None = None
        self._cached_at: datetime | None = None

    @property
    def configured(self) -> bool:
        return bool(self.users or self.group)

    def describe(self) -> str:
        """Who approves, in words a requester can act on."""
        parts = [person(user) for user in sorted(self.users)]
        if self.group:
            # Not <!subteam^…>: this text may reach a message everyone sees, and that would ping the group.
            parts.append(f"members of user group {self.group}")
        return ", ".join(parts) if parts else "nobody (no approvers are configured)"

    def named(self) -> tuple[str, ...]:
        """The approvers `describe` names (TriagebotError.people)."""
        return tuple(sorted(self.users))

    async def is_approver(self, user_id: str, now: datetime) -> bool:
        if user_id in self.users:
            return True
        return user_id in await self.group_members(now)

    async def group_members(self, now: datetime) -> frozenset[str]:
        if not self.group or self.lookup is None:
            return frozenset()
        fresh = self._cached_at is not None and now - self._cached_at < self.cache_ttl
        if self._cached is not None and fresh:
            return self._cached
        try:
            members = frozenset(await self.lookup(self.group))
        except Exception as exc:
            # Keep working on what we knew: a Slack hiccup must not lock every lead out.
            log.warning("could not read approver group %s: %s", self.group, exc)
            return self._cached or frozenset()
        self._cached, self._cached_at = members, now
        return members
