"""Shadow and canary requests sent as Slack sends them, shared by the routing tests."""

from __future__ import annotations

import json
from typing import Any

from commands.ids import Action
from storage.models import CanaryRoute, SwitchRequest, Triage
from tests.support.app_under_test import Bot
from tests.support.model_requests import CANDIDATE, approval_posts, click, newest_request, responses
from tests.support.waiting import wait_until

AGENT, LEAD = "U0AGENT", "U0LEAD"
MESSAGE = "Hi, I was charged twice for my subscription this month"
# Distinct tickets: sticky assignment spreads them over both arms.
TICKETS = [f"Ticket {n}: my invoice number {n} shows the wrong amount" for n in range(12)]


def shadow(bot: Bot, rest: str = "", *, user: str = LEAD) -> dict[str, Any]:
    """/model shadow <candidate> [rest] as `user`; returns what the app finally said."""
    response, url = bot.send.command("/model", f"shadow {CANDIDATE} {rest}".strip(), user_id=user)
    assert response.status_code == 200
    assert "Checking" in response.json()["text"], response.json()
    (said,) = responses(bot, url)
    return said


def triage(bot: Bot, text: str = MESSAGE, user: str = AGENT) -> dict[str, Any]:
    """/triage as `user`; returns what reached its response_url."""
    response, url = bot.send.command("/triage", text, user_id=user)
    assert response.status_code == 200
    (said,) = responses(bot, url)
    return said


def ask_for_canary(bot: Bot, rest: str, user: str = AGENT) -> SwitchRequest:
    before = len(approval_posts(bot))
    response, url = bot.send.command("/model", f"canary {CANDIDATE} {rest}", user_id=user)
    assert response.status_code == 200 and "Checking" in response.json()["text"], response.json()
    (said,) = responses(bot, url)
    assert "Canary request" in said["text"] and "waiting for a lead" in said["text"], said
    wait_until(lambda: len(approval_posts(bot)) > before)
    return newest_request(bot)


def start_canary(bot: Bot, percent: int, **kwargs: Any) -> CanaryRoute:
    request = ask_for_canary(bot, f"{percent}% first real traffic", **kwargs)
    response, _ = click(bot, Action.APPROVE_SWITCH, request, LEAD)
    assert response.status_code == 200
    return wait_until(
        lambda: [c for c in bot.rows(CanaryRoute) if c.percent == percent and c.state == "active"]
    )[0]


def canary_says(bot: Bot, args: str = "", user: str = LEAD) -> str:
    response, _ = bot.send.command("/model", f"canary {args}".strip(), user_id=user)
    assert response.status_code == 200
    return json.dumps(response.json())


def newest_triage(bot: Bot) -> Triage:
    return max(bot.rows(Triage), key=lambda t: t.id)
