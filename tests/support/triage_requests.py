"""/triage sent over HTTP, and what reached the agent through its response URL."""

from __future__ import annotations

from bot.standins.slack_api import SlackCall
from tests.support.app_under_test import Bot

MESSAGE = "I was charged twice for my subscription this month"


def triage(bot: Bot, text: str = MESSAGE) -> SlackCall:
    """Send /triage and return what reached its response_url (the result or the error)."""
    response, response_url = bot.send.command("/triage", text)
    assert response.status_code == 200
    token = response_url.rsplit("/", 1)[1]
    (delivered,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token, timeout=10)
    return delivered


def is_result(call: SlackCall) -> bool:
    return "blocks" in call.params and "urgency" in str(call.params["blocks"])
