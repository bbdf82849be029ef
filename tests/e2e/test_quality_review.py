"""Reviewer buttons on triage results, end to end: Correct, Wrong (modal) and Add to eval set."""

from __future__ import annotations

from commands.ids import Action, Block, View
from storage.models import EvalCase, QualityCheck, Triage
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.review_requests import SITE_DOWN, select, submit_view, triage_and_get_buttons


def test_correct_records_a_review_and_adds_to_eval_set_once(bot: Bot) -> None:
    buttons = triage_and_get_buttons(bot)
    triage_id = buttons[Action.REVIEW_CORRECT]
    assert buttons[Action.REVIEW_WRONG] == triage_id

    response, _ = bot.send.block_action(Action.REVIEW_CORRECT, triage_id, user_id="U0LEAD")
    assert response.status_code == 200
    (confirmation,) = bot.slack.wait_for("response_url", lambda c: "Recorded" in str(c.params.get("text")))
    assert confirmation.params["response_type"] == "ephemeral"
    assert confirmation.params["replace_original"] is False
    (check,) = bot.rows(QualityCheck)
    assert (check.kind, check.passed, check.triage_id, check.model_id, check.reviewer) == (
        "review",
        True,
        int(triage_id),
        LIVE_MODEL,
        "U0LEAD",
    )
    add_value = next(
        e["value"]
        for b in confirmation.params["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == Action.ADD_TO_EVAL_SET
    )

    bot.send.block_action(Action.ADD_TO_EVAL_SET, add_value, user_id="U0LEAD")
    bot.slack.wait_for("response_url", lambda c: "Added to the eval set" in str(c.params.get("text")))
    bot.send.block_action(Action.ADD_TO_EVAL_SET, add_value, user_id="U0LEAD")
    bot.slack.wait_for("response_url", lambda c: "Already in the eval set" in str(c.params.get("text")))
    (case,) = bot.rows(EvalCase)
    (triage,) = bot.rows(Triage)
    assert (case.input_text, case.expected_urgency, case.expected_category) == (
        SITE_DOWN,
        triage.urgency,
        triage.category,
    )
    assert case.source_triage_id == triage.id


def test_wrong_opens_a_modal_and_records_the_correction(bot: Bot) -> None:
    buttons = triage_and_get_buttons(bot)
    triage_id = buttons[Action.REVIEW_WRONG]

    bot.send.block_action(Action.REVIEW_WRONG, triage_id, user_id="U0LEAD")
    (opened,) = bot.slack.wait_for("views.open")
    view = opened.params["view"]
    assert opened.params["trigger_id"]
    assert view["callback_id"] == View.REVIEW_WRONG
    assert "critical" in str(view["blocks"])  # the model's answer is shown and preselected

    # Unchanged labels and no note: the modal stays open with an error next to the field.
    (triage,) = bot.rows(Triage)
    same = {
        Block.REVIEW_URGENCY: {Action.REVIEW_URGENCY: select(triage.urgency)},
        Block.REVIEW_CATEGORY: {Action.REVIEW_CATEGORY: select(triage.category)},
        Block.REVIEW_NOTE: {Action.REVIEW_NOTE: {"type": "plain_text_input", "value": None}},
    }
    refused = submit_view(bot, view, same)
    assert refused.status_code == 200 and refused.json()["response_action"] == "errors"
    assert bot.rows(QualityCheck) == []

    values = {
        Block.REVIEW_URGENCY: {Action.REVIEW_URGENCY: select("high")},
        Block.REVIEW_CATEGORY: {Action.REVIEW_CATEGORY: select("outage")},
        Block.REVIEW_NOTE: {
            Action.REVIEW_NOTE: {"type": "plain_text_input", "value": "Everyone is down: outage"}
        },
    }
    accepted = submit_view(bot, view, values)
    assert accepted.status_code == 200 and not accepted.content.strip()
    (confirmation,) = bot.slack.wait_for(
        "response_url", lambda c: "should have been" in str(c.params.get("blocks"))
    )
    assert confirmation.params["response_type"] == "ephemeral"
    (check,) = bot.rows(QualityCheck)
    assert (check.passed, check.expected_urgency, check.expected_category, check.note) == (
        False,
        "high",
        "outage",
        "Everyone is down: outage",
    )
    assert check.model_id == LIVE_MODEL and check.reviewer == "U0LEAD" and check.urgency_match is False

    add_value = next(
        e["value"]
        for b in confirmation.params["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == Action.ADD_TO_EVAL_SET
    )
    bot.send.block_action(Action.ADD_TO_EVAL_SET, add_value, user_id="U0LEAD")
    bot.slack.wait_for("response_url", lambda c: "Added to the eval set" in str(c.params.get("text")))
    (case,) = bot.rows(EvalCase)
    assert (case.expected_urgency, case.expected_category, case.note) == (
        "high",
        "outage",
        "Everyone is down: outage",
    )


def test_changing_your_mind_replaces_your_verdict(bot: Bot) -> None:
    triage_id = triage_and_get_buttons(bot)[Action.REVIEW_CORRECT]
    bot.send.block_action(Action.REVIEW_CORRECT, triage_id, user_id="U0LEAD")
    bot.slack.wait_for("response_url", lambda c: "Recorded" in str(c.params.get("text")))
    bot.send.block_action(Action.REVIEW_CORRECT, triage_id, user_id="U0OTHER")
    bot.slack.wait_for("response_url", lambda c: "Recorded" in str(c.params.get("text")), count=2)
    bot.send.block_action(Action.REVIEW_CORRECT, triage_id, user_id="U0LEAD")
    bot.slack.wait_for("response_url", lambda c: "Recorded" in str(c.params.get("text")), count=3)
    assert sorted(c.reviewer for c in bot.rows(QualityCheck)) == ["U0LEAD", "U0OTHER"]


def test_stale_button_says_so(bot: Bot) -> None:
    bot.send.block_action(Action.REVIEW_CORRECT, "999999", user_id="U0LEAD")
    bot.slack.wait_for("response_url", lambda c: "no longer exists" in str(c.params.get("text")))
    assert bot.rows(QualityCheck) == []
