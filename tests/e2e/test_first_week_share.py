"""Issue 15 item 11: *Share in channel* posts a triage once, and the shared copy can be reviewed."""

from __future__ import annotations

import json

from bot.standins.slack_api import SlackCall
from commands.ids import Action
from storage.models import QualityCheck, Triage, TriageShare
from tests.support.app_under_test import Bot
from tests.support.waiting import wait_until


def triaged(bot: Bot) -> Triage:
    bot.send.command("/triage", "Site down for all customers")
    bot.slack.wait_for("response_url")
    (row,) = bot.rows(Triage)
    return row


def said_through(bot: Bot, url: str) -> SlackCall:
    (call,) = bot.slack.wait_for("response_url", lambda c: url.endswith(c.params["_token"]))
    return call


def in_channel(bot: Bot) -> list[SlackCall]:
    return [c for c in bot.slack.calls_to("response_url") if c.params.get("response_type") == "in_channel"]


def test_a_second_share_says_where_it_was_shared_instead_of_posting_again(bot: Bot) -> None:
    row = triaged(bot)
    _, first = bot.send.block_action(
        Action.SHARE_TRIAGE, str(row.id), user_id="U0AGENT", channel_id="C0SUPPORT"
    )
    said_through(bot, first)
    for user in ("U0AGENT", "U0OTHER"):
        _, again = bot.send.block_action(
            Action.SHARE_TRIAGE, str(row.id), user_id=user, channel_id="C0SUPPORT"
        )
        note = said_through(bot, again).params
        assert note["response_type"] == "ephemeral"
        assert f"Triage #{row.id} was already shared in <#C0SUPPORT> by <@U0AGENT>" in note["text"]
    assert len(in_channel(bot)) == 1
    (share,) = bot.rows(TriageShare)
    assert (share.triage_id, share.shared_by, share.channel_id) == (row.id, "U0AGENT", "C0SUPPORT")


def test_the_shared_copy_has_correct_and_wrong_and_they_work(bot: Bot) -> None:
    row = triaged(bot)
    _, url = bot.send.block_action(Action.SHARE_TRIAGE, str(row.id), user_id="U0AGENT")
    shared = said_through(bot, url).params
    actions = [e["action_id"] for b in shared["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == [Action.REVIEW_CORRECT, Action.REVIEW_WRONG]
    bot.send.block_action(Action.REVIEW_CORRECT, str(row.id), user_id="U0LEAD")
    wait_until(lambda: bot.rows(QualityCheck))
    assert bot.rows(QualityCheck)[0].reviewer == "U0LEAD" and "Share" not in json.dumps(actions)


def test_a_failed_share_can_be_tried_again(bot: Bot) -> None:
    row = triaged(bot)
    bot.slack.fail_next("response_url", status=404)  # the response_url had expired, say
    _, url = bot.send.block_action(Action.SHARE_TRIAGE, str(row.id))
    wait_until(lambda: any(url.endswith(c.params["_token"]) for c in bot.slack.calls_to("response_url")))
    bot.wait_until_idle()  # the listener releases the claim after the refusal
    assert bot.rows(TriageShare) == [] and in_channel(bot) == []
    _, again = bot.send.block_action(Action.SHARE_TRIAGE, str(row.id))
    assert said_through(bot, again).params["response_type"] == "in_channel"


async def test_two_claims_make_one_share_on_either_database(any_db_url: str) -> None:
    from datetime import UTC, datetime

    from bot import triage_shares
    from storage.db import Database

    db = Database(any_db_url)
    try:
        async with db.transaction() as session:
            row = Triage(
                source="command",
                input_text="x",
                endpoint="openai",
                model_id="m",
                prompt_version="1",
                status="ok",
            )
            session.add(row)
            await session.flush()
        assert row.id is not None
        now = datetime(2026, 11, 26, tzinfo=UTC)
        first = await triage_shares.claim(db, row.id, "U0A", "C0A", now=now)
        second = await triage_shares.claim(db, row.id, "U0B", "C0B", now=now)
        assert (first.first, second.first) == (True, False)
        assert (second.share.shared_by, second.share.channel_id) == ("U0A", "C0A")
        await triage_shares.release(db, first.share)
        assert (await triage_shares.claim(db, row.id, "U0B", "C0B", now=now)).first
    finally:
        await db.dispose()
