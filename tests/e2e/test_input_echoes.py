"""Whatever a member types that comes back to Slack in mrkdwn or top-level text is escaped: a model
ID, an endpoint name, a reason, a note or a subcommand can never ping a channel or a person."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from storage.models import QualityCheck, SwitchRequest
from tests.support.app_under_test import Bot
from tests.support.model_requests import LEADS, approvals_bot, request_switch, submit_reject
from tests.support.review_requests import add_eval_case

PINGS = ["<!channel>", "<!here>", "<@U123>"]


def mrkdwn_texts(value: Any, *, top: bool = True) -> Iterator[str]:
    """Every string Slack would parse as mrkdwn: top-level text, and mrkdwn text objects."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        if top and isinstance(value.get("text"), str):
            yield value["text"]
        for key, item in value.items():
            if key != "text" or not top:
                yield from mrkdwn_texts(item, top=False)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_texts(item, top=False)


def assert_no_raw_pings(bot: Bot, acks: list[httpx.Response]) -> None:
    bot.wait_until_idle()  # answers after the ack (response URLs, chat.postMessage) have landed
    texts = [t for ack in acks if ack.content.strip() for t in mrkdwn_texts(ack.json())]
    texts += [t for call in bot.slack.calls for t in mrkdwn_texts(call.params)]
    assert texts, "nothing was answered at all"
    for text in texts:
        for ping in PINGS:
            assert ping not in text, text


@pytest.fixture
def leads_bot(bot_factory: Callable[..., Bot], sqlite_url: str) -> Bot:
    bot = approvals_bot(bot_factory, sqlite_url)
    add_eval_case(bot)
    return bot


@pytest.mark.parametrize("ping", PINGS)
def test_model_commands_escape_every_echo(leads_bot: Bot, ping: str) -> None:
    bot = leads_bot
    acks = [
        bot.send.command("/model", f"switch {ping}")[0],
        bot.send.command("/model", f"switch ft:x on {ping}")[0],
        bot.send.command("/model", f"switch ft:gpt-4o-mini:acme::nope on openai {ping} because")[0],
        bot.send.command("/model", f"eval {ping}")[0],
        bot.send.command("/model", f"eval ft:x on {ping}")[0],
        bot.send.command("/model", f"{ping} please")[0],
        bot.send.command("/model", f"rollback {ping}")[0],
        bot.send.command("/digest", ping)[0],
        bot.send.command("/model", f"eval ft:x on {ping}", user_id=LEADS[0])[0],
        bot.send.command("/model", f"eval ft:{ping}", user_id=LEADS[0])[0],
        bot.send.command("/model", f"list {ping}")[0],
        bot.send.command("/model", f"history {ping}")[0],
    ]
    assert all(ack.status_code == 200 for ack in acks)
    assert_no_raw_pings(bot, acks)


@pytest.mark.parametrize("ping", PINGS)
def test_triage_paths_escape_every_echo(bot: Bot, ping: str) -> None:
    acks = [bot.send.command("/triage", f"{ping} " * 3000)[0], bot.send.command("/triage", ping)[0]]
    bot.send.mention(f"{ping} " * 3000)
    bot.send.message_shortcut("triage_message", f"{ping} " * 3000)
    assert_no_raw_pings(bot, acks)


@pytest.mark.parametrize("ping", PINGS)
def test_reasons_and_notes_are_escaped_where_they_are_shown(leads_bot: Bot, ping: str) -> None:
    bot = leads_bot
    request = request_switch(bot, rest=f"on openai {ping} {ping}")
    submit_reject(bot, request, LEADS[0], f"{ping} no")

    from commands.quality.blocks import review_modal
    from tests.support.raw_requests import review_values, view_submission
    from tests.support.review_requests import triage_and_get_buttons

    triage_id = int(triage_and_get_buttons(bot, f"{ping} the site is down {ping}")["review_wrong"])
    values = review_values()
    values["review_note_block"]["review_note"]["value"] = f"{ping} wrong {ping}"
    view = review_modal(triage_id, "low", "bug", list(bot.settings.triage_categories), None).to_dict()
    acks = [bot.send.interaction(view_submission(view, state={"values": values}))]
    bot.slack.wait_for("chat.postMessage", lambda c: c.params.get("channel") == "U0LEAD")
    assert_no_raw_pings(bot, acks)


def test_control_characters_never_reach_storage(any_db_url: str, bot_factory: Callable[..., Bot]) -> None:
    """NUL is refused by PostgreSQL only: a switch reason, a reject reason and a review note with one
    are stored without it (the request boundary strips control characters from every string)."""
    bot = approvals_bot(bot_factory, any_db_url)
    request = request_switch(bot, rest="on openai needs\x00 a\x07 fix")
    assert request.reason == "needs a fix"
    assert submit_reject(bot, request, LEADS[0], "not\x00 now").status_code == 200
    (rejected,) = bot.rows(SwitchRequest)
    assert rejected.status == "rejected" and rejected.decision_reason == "not now"

    from commands.quality.blocks import review_modal
    from tests.support.raw_requests import review_values, view_submission
    from tests.support.review_requests import triage_and_get_buttons

    triage_id = int(triage_and_get_buttons(bot)["review_wrong"])
    values = review_values()
    values["review_note_block"]["review_note"]["value"] = "wrong\x00 category\x1b"
    view = review_modal(triage_id, "low", "bug", list(bot.settings.triage_categories), None).to_dict()
    response = bot.send.interaction(view_submission(view, state={"values": values}))
    assert response.status_code == 200 and not response.content.strip()
    (check,) = bot.rows(QualityCheck)
    assert check.note == "wrong category"


def test_error_echoes_are_escaped_but_the_bots_own_mentions_stay() -> None:
    from commands.errors import escape_echoes

    message = (
        "Request #3 was already approved by <@U0LEAD>. No endpoint `<@U123>` or `<!here>`, see @channel."
    )
    escaped = escape_echoes(message, typed="/model switch x on <@U123> <!here>")
    assert "<@U0LEAD>" in escaped
    assert "&lt;@U123&gt;" in escaped and "&lt;!here&gt;" in escaped
    assert "@channel" not in escaped
