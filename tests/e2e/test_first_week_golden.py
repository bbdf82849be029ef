"""Issue 15 item 6: a correction after *Add to eval set* can update the golden case from Slack."""

from __future__ import annotations

from typing import Any

from commands.ids import Action, Block
from storage.models import EvalCase, EvalCaseChange, QualityCheck
from tests.support.app_under_test import Bot
from tests.support.review_requests import select, submit_view, triage_and_get_buttons


def button(call: Any, action: str) -> str:
    return next(
        e["value"]
        for b in call.params["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == action
    )


def test_a_later_wrong_offers_to_update_the_golden_case_and_the_update_is_recorded(bot: Bot) -> None:
    triage_id = triage_and_get_buttons(bot)[Action.REVIEW_CORRECT]
    bot.send.block_action(Action.REVIEW_CORRECT, triage_id, user_id="U0LEAD")
    (confirmed,) = bot.slack.wait_for(
        "response_url", lambda c: "was *correct*" in str(c.params.get("blocks"))
    )
    bot.send.block_action(Action.ADD_TO_EVAL_SET, button(confirmed, Action.ADD_TO_EVAL_SET), user_id="U0LEAD")
    bot.slack.wait_for("response_url", lambda c: "Added to the eval set" in str(c.params.get("text")))
    (case,) = bot.rows(EvalCase)
    before = (case.expected_urgency, case.expected_category)
    assert before != ("low", "billing")

    # Later, another reviewer says it was wrong.
    bot.send.block_action(Action.REVIEW_WRONG, triage_id, user_id="U0OTHER")
    (opened,) = bot.slack.wait_for("views.open")
    values = {
        Block.REVIEW_URGENCY: {Action.REVIEW_URGENCY: select("low")},
        Block.REVIEW_CATEGORY: {Action.REVIEW_CATEGORY: select("billing")},
        Block.REVIEW_NOTE: {Action.REVIEW_NOTE: {"type": "plain_text_input", "value": "only one customer"}},
    }
    assert submit_view(bot, opened.params["view"], values, user_id="U0OTHER").status_code == 200
    (wrong,) = bot.slack.wait_for("response_url", lambda c: "should have been" in str(c.params.get("blocks")))
    bot.send.block_action(Action.ADD_TO_EVAL_SET, button(wrong, Action.ADD_TO_EVAL_SET), user_id="U0OTHER")
    (offer,) = bot.slack.wait_for(
        "response_url", lambda c: Action.UPDATE_EVAL_CASE in str(c.params.get("blocks"))
    )
    assert f"case #{case.id}, which expects *{before[0]}*, `{before[1]}`" in offer.params["text"]
    assert "this review says *low*, `billing`" in offer.params["text"]
    assert len(bot.rows(EvalCase)) == 1

    bot.send.block_action(Action.UPDATE_EVAL_CASE, button(offer, Action.UPDATE_EVAL_CASE), user_id="U0OTHER")
    (done,) = bot.slack.wait_for("response_url", lambda c: "Updated golden case" in str(c.params.get("text")))
    assert "now *low*, `billing`" in done.params["text"]
    (case,) = bot.rows(EvalCase)
    assert (case.expected_urgency, case.expected_category, case.note) == (
        "low",
        "billing",
        "only one customer",
    )
    (change,) = bot.rows(EvalCaseChange)
    assert (change.changed_by, change.action) == ("U0OTHER", "edit")
    assert (change.before["urgency"], change.after["urgency"]) == (before[0], "low")  # type: ignore[index]
    assert f"triage #{triage_id}" in (change.reason or "")
    assert {c.reviewer for c in bot.rows(QualityCheck)} == {"U0LEAD", "U0OTHER"}


def test_no_offer_when_the_case_already_agrees(bot: Bot) -> None:
    triage_id = triage_and_get_buttons(bot)[Action.REVIEW_CORRECT]
    for _ in range(2):
        bot.send.block_action(Action.REVIEW_CORRECT, triage_id, user_id="U0LEAD")
    confirmed = bot.slack.wait_for(
        "response_url", lambda c: "was *correct*" in str(c.params.get("blocks")), count=2
    )
    bot.send.block_action(
        Action.ADD_TO_EVAL_SET, button(confirmed[0], Action.ADD_TO_EVAL_SET), user_id="U0LEAD"
    )
    bot.slack.wait_for("response_url", lambda c: "Added to the eval set" in str(c.params.get("text")))
    bot.send.block_action(
        Action.ADD_TO_EVAL_SET, button(confirmed[1], Action.ADD_TO_EVAL_SET), user_id="U0LEAD"
    )
    (again,) = bot.slack.wait_for(
        "response_url", lambda c: "Already in the eval set" in str(c.params.get("text"))
    )
    assert Action.UPDATE_EVAL_CASE not in str(again.params.get("blocks"))
