"""Two `triagebot serve` processes on one PostgreSQL database route a canary identically, and both
see its stop at once (issue 10)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from commands.ids import Action
from storage.models import CanaryRoute, Triage
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.bot_processes import start_bots, wait_until
from tests.support.model_requests import CANDIDATE, LEADS, click, newest_request, responses
from tests.support.routing_requests import TICKETS
from tests.support.serve_process import rows

__all__ = ["start_bots"]  # the fixture, used by name


def triaged_by(bot: Bot, db_url: str, text: str) -> Triage:
    before = len(rows(db_url, Triage))
    response, _ = bot.send.command("/triage", text, user_id="U0AGENT")
    assert response.status_code == 200
    wait_until(lambda: len(rows(db_url, Triage)) > before)
    return max(rows(db_url, Triage), key=lambda t: t.id or 0)


@pytest.mark.postgres
def test_two_processes_route_a_canary_identically(
    start_bots: Callable[..., list[Bot]], postgres_url: str
) -> None:
    a, b = start_bots(postgres_url, 2, TRIAGE_RATE_LIMIT_PER_USER="0")
    # Asked through one process, approved through the other.
    response, url = a.send.command("/model", f"canary {CANDIDATE} 50%", user_id="U0AGENT")
    assert response.status_code == 200
    (said,) = responses(a, url)
    assert "waiting for a lead" in said["text"], said
    request = newest_request(a)
    response, _ = click(b, Action.APPROVE_SWITCH, request, LEADS[0])
    assert response.status_code == 200
    wait_until(lambda: bool(rows(postgres_url, CanaryRoute)))

    arms = set()
    for ticket in TICKETS[:8]:
        via_a = triaged_by(a, postgres_url, ticket)
        via_b = triaged_by(b, postgres_url, ticket)
        assert (via_a.arm, via_a.model_id, via_a.canary_id) == (via_b.arm, via_b.model_id, via_b.canary_id)
        arms.add(via_a.arm)
    assert arms == {"live", "candidate"}

    # Stopped through one process: the other's very next triage is on the live model.
    response, _ = a.send.command("/model", "canary stop", user_id=LEADS[1])
    assert "Stopped the canary" in response.json()["text"]
    for ticket in TICKETS[:8]:
        row = triaged_by(b, postgres_url, ticket)
        assert (row.arm, row.canary_id, row.model_id) == ("live", None, LIVE_MODEL)
