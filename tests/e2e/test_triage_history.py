"""`/triage history` and App Home's "Your recent triages": the agent's own, with results, never sent to the model."""

from __future__ import annotations

from storage.models import Triage
from tests.support.app_under_test import Bot


def _triage(bot: Bot, text: str, user_id: str) -> None:
    bot.send.command("/triage", text, user_id=user_id)
    bot.slack.wait_for(
        "response_url", lambda c: "blocks" in c.params and "urgency" in str(c.params["blocks"])
    )
    bot.slack.reset()


def test_triage_history_lists_the_agents_own_recent_triages_with_results(bot_factory, any_db_url) -> None:
    bot = bot_factory(any_db_url)
    _triage(bot, "I was charged twice <@U0BOSS> for my subscription", "U0AGENT")
    _triage(bot, "Our whole site is down since 9am", "U0AGENT")
    _triage(bot, "Colleague's customer: refund please", "U0OTHER")
    requests_before = len(bot.openai.chat_requests())

    response, _ = bot.send.command("/triage", "history", user_id="U0AGENT")

    body = response.json()
    assert body["response_type"] == "ephemeral"
    rendered = str(body["blocks"])
    assert "Our whole site is down since 9am" in rendered
    assert "I was charged twice" in rendered
    assert "refund please" not in rendered
    assert rendered.index("site is down") < rendered.index("charged twice")  # newest first
    own = sorted(row.id for row in bot.rows(Triage) if row.user_id == "U0AGENT")
    assert all(f"#{triage_id}" in rendered for triage_id in own)
    # Customer text and model output are plain_text: a <@U…> in them can never ping anyone.
    bodies = [block for block in body["blocks"] if block["type"] == "section"]
    assert bodies and all(block["text"]["type"] == "plain_text" for block in bodies)
    assert len(bot.openai.chat_requests()) == requests_before
    assert len(bot.rows(Triage)) == 3


def test_triage_history_keeps_only_the_last_ten(bot: Bot) -> None:
    for n in range(11):
        _triage(bot, f"Customer message number {n:02d}: my invoice is wrong", "U0AGENT")
    response, _ = bot.send.command("/triage", "  History ", user_id="U0AGENT")
    rendered = str(response.json()["blocks"])
    assert "number 10" in rendered and "number 01" in rendered
    assert "number 00" not in rendered


def test_triage_history_when_there_is_none(bot: Bot) -> None:
    response, _ = bot.send.command("/triage", "history", user_id="U0NEW")
    assert "no triages yet" in str(response.json())
    assert bot.openai.chat_requests() == []


def test_app_home_shows_your_recent_triages(bot: Bot) -> None:
    _triage(bot, "Our whole site is down since 9am", "U0AGENT")
    _triage(bot, "Someone else's customer", "U0OTHER")
    bot.send.event({"type": "app_home_opened", "user": "U0AGENT", "channel": "D0HOME", "tab": "home"})
    (published,) = bot.slack.wait_for("views.publish")
    view = str(published.params["view"])
    assert "Your recent triages" in view
    assert "site is down" in view
    assert "Someone else" not in view
