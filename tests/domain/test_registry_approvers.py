"""Domain: who may approve, with the group lookup cached for a few minutes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from bot.registry import Approvers
from tests.support.registry_setup import NOW


class GroupLookup:
    def __init__(self, members: list[str]) -> None:
        self.members = members
        self.calls = 0
        self.fail = False

    async def __call__(self, group: str) -> Collection[str]:
        self.calls += 1
        if self.fail:
            raise RuntimeError("slack is down")
        assert group == "S0LEADS"
        return list(self.members)


async def test_configured_users_approve_without_any_lookup() -> None:
    lookup = GroupLookup([])
    approvers = Approvers(["U0LEAD"], None, lookup)
    assert await approvers.is_approver("U0LEAD", NOW)
    assert not await approvers.is_approver("U0AGENT", NOW)
    assert lookup.calls == 0


async def test_group_members_are_cached_for_a_few_minutes() -> None:
    lookup = GroupLookup(["U0GROUPLEAD"])
    approvers = Approvers([], "S0LEADS", lookup)
    assert await approvers.is_approver("U0GROUPLEAD", NOW)
    assert not await approvers.is_approver("U0AGENT", NOW + timedelta(minutes=1))
    assert lookup.calls == 1
    lookup.members = ["U0AGENT"]
    assert not await approvers.is_approver("U0AGENT", NOW + timedelta(minutes=4))
    assert await approvers.is_approver("U0AGENT", NOW + timedelta(minutes=5))
    assert lookup.calls == 2


async def test_failed_lookup_keeps_the_last_known_members() -> None:
    lookup = GroupLookup(["U0GROUPLEAD"])
    approvers = Approvers(["U0LEAD"], "S0LEADS", lookup)
    assert await approvers.is_approver("U0GROUPLEAD", NOW)
    lookup.fail = True
    assert await approvers.is_approver("U0GROUPLEAD", NOW + timedelta(hours=1))
    assert await approvers.is_approver("U0LEAD", NOW + timedelta(hours=1))


async def test_failed_first_lookup_leaves_only_configured_users() -> None:
    lookup = GroupLookup(["U0GROUPLEAD"])
    lookup.fail = True
    approvers = Approvers(["U0LEAD"], "S0LEADS", lookup)
    assert not await approvers.is_approver("U0GROUPLEAD", NOW)
    assert await approvers.is_approver("U0LEAD", NOW)
    lookup.fail = False
    assert await approvers.is_approver("U0GROUPLEAD", NOW)  # failures are not cached


def test_configured_and_described() -> None:
    assert not Approvers().configured
    assert Approvers([], "S0LEADS").configured
    assert Approvers(["U0B", "U0A"], "S0LEADS").describe() == "@U0A, @U0B, members of user group S0LEADS"
