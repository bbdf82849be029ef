"""Human agreement (issue 11): second opinions end to end, and reviewer-reviewer kappa by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.quality.agreement import agreement_of, human_agreement
from bot.quality.reviews import ReviewService
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from commands.ids import Action, Block, View
from storage.models import QualityCheck, Triage
from storage.reviews import ReviewerLabels
from tests.support.app_under_test import Bot
from tests.support.quality_services import open_services
from tests.support.review_requests import select, submit_view, triage_and_get_buttons

CATEGORIES = ["billing", "bug", "account", "feature_request", "outage", "other"]


@pytest.fixture
async def services(
    any_db_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> AsyncIterator[Services]:
    """Both databases: the aggregates are SQL, and PostgreSQL is stricter about types than SQLite."""
    async with open_services(any_db_url, slack_standin, openai_standin, triage_model_max_retries=0) as built:
        yield built


def buttons_of(call: Any) -> dict[str, str]:
    return {
        e["action_id"]: e["value"]
        for b in call.params.get("blocks") or []
        for e in b.get("elements", [])
        if e.get("type") == "button"
    }


def test_second_opinion_is_asked_in_channel_and_stored_beside_the_first(bot: Bot) -> None:
    triage_id = triage_and_get_buttons(bot)[Action.REVIEW_CORRECT]
    bot.send.block_action(Action.REVIEW_CORRECT, triage_id, user_id="U0LEAD")
    (confirmation,) = bot.slack.wait_for("response_url", lambda c: "Recorded" in str(c.params.get("text")))
    ask = buttons_of(confirmation)[Action.ASK_SECOND_OPINION]

    bot.send.block_action(Action.ASK_SECOND_OPINION, ask, user_id="U0LEAD")
    (request,) = bot.slack.wait_for("response_url", lambda c: "Second opinion" in str(c.params.get("text")))
    assert request.params["response_type"] == "in_channel"  # the channel sees it, not only the asker
    assert request.params["replace_original"] is False
    shown = str(request.params["blocks"])
    assert "Our whole site is down" in shown and "was *correct*" not in shown  # blind: no first verdict
    answer = buttons_of(request)
    assert answer[Action.SECOND_OPINION_CORRECT] == answer[Action.SECOND_OPINION_WRONG] == triage_id

    # The first reviewer cannot be their own second opinion, by either button.
    bot.send.block_action(Action.SECOND_OPINION_CORRECT, triage_id, user_id="U0LEAD")
    bot.slack.wait_for("response_url", lambda c: "already reviewed" in str(c.params.get("text")))
    bot.send.block_action(Action.SECOND_OPINION_WRONG, triage_id, user_id="U0LEAD")
    bot.slack.wait_for("response_url", lambda c: "already reviewed" in str(c.params.get("text")), count=2)
    assert bot.slack.calls_to("views.open") == []
    assert [c.reviewer for c in bot.rows(QualityCheck)] == ["U0LEAD"]

    # Another reviewer disagrees through the modal: both verdicts are kept, each under its reviewer.
    bot.send.block_action(Action.SECOND_OPINION_WRONG, triage_id, user_id="U0SECOND")
    (opened,) = bot.slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == View.REVIEW_WRONG
    values = {
        Block.REVIEW_URGENCY: {Action.REVIEW_URGENCY: select("high")},
        Block.REVIEW_CATEGORY: {Action.REVIEW_CATEGORY: select("outage")},
        Block.REVIEW_NOTE: {Action.REVIEW_NOTE: {"type": "plain_text_input", "value": None}},
    }
    # The form is checked again on submit: the first reviewer cannot use a copy of it either.
    refused = submit_view(bot, view, values, user_id="U0LEAD")
    assert refused.json()["response_action"] == "errors" and "already reviewed" in str(refused.json())
    accepted = submit_view(bot, view, values, user_id="U0SECOND")
    assert accepted.status_code == 200 and not accepted.content.strip()
    bot.slack.wait_for("response_url", lambda c: "should have been" in str(c.params.get("blocks")))
    # The second reviewer may change their mind on the same request; it replaces their own verdict.
    bot.send.block_action(Action.SECOND_OPINION_CORRECT, triage_id, user_id="U0SECOND")
    bot.slack.wait_for("response_url", lambda c: "was correct" in str(c.params.get("text")))
    bot.send.block_action(Action.SECOND_OPINION_WRONG, triage_id, user_id="U0SECOND")
    bot.slack.wait_for("views.open", count=2)
    assert submit_view(bot, view, values, user_id="U0SECOND").status_code == 200
    bot.slack.wait_for("response_url", lambda c: "should have been" in str(c.params.get("blocks")), count=2)
    checks = {c.reviewer: c for c in bot.rows(QualityCheck)}
    assert set(checks) == {"U0LEAD", "U0SECOND"}
    assert checks["U0LEAD"].passed is True
    assert (checks["U0SECOND"].passed, checks["U0SECOND"].expected_urgency) == (False, "high")
    assert {c.triage_id for c in checks.values()} == {int(triage_id)}
    (triage,) = bot.rows(Triage)
    assert triage.id == int(triage_id)


def verdicts(pairs: list[tuple[tuple[str, str], tuple[str, str]]]) -> list[ReviewerLabels]:
    found = []
    for triage_id, (first, second) in enumerate(pairs, start=1):
        found.append(ReviewerLabels(triage_id, "U1", 2 * triage_id, *first))
        found.append(ReviewerLabels(triage_id, "U2", 2 * triage_id + 1, *second))
    return found


def test_reviewer_kappa_by_hand() -> None:
    # Category, 10 triages: 4 billing/billing, 1 billing/bug, 2 bug/billing, 3 bug/bug.
    # p_o = 0.7; first reviewer 5/5, second 6/4: p_e = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.4.
    categories = (
        [("billing", "billing")] * 4 + [("billing", "bug")] + [("bug", "billing")] * 2 + [("bug", "bug")] * 3
    )
    # Urgency, the metrics test's 5 pairs twice: on the 4-step scale off-by-one weighs 1/3; observed
    # 2/15, chance 22/75, kappa_w = 1 - 10/22 = 6/11.
    urgencies = [
        ("low", "low"),
        ("low", "medium"),
        ("medium", "medium"),
        ("high", "medium"),
        ("high", "high"),
    ] * 2
    pairs = [((u1, c1), (u2, c2)) for (u1, u2), (c1, c2) in zip(urgencies, categories, strict=True)]
    found = agreement_of(verdicts(pairs), CATEGORIES)
    assert found.n == 10
    assert found.category_kappa == pytest.approx(0.4)
    assert found.urgency_kappa == pytest.approx(6 / 11)
    assert found.category() == "0.40" and found.urgency() == "0.55"


def test_reviewer_kappa_says_n_too_small_and_nothing_without_pairs() -> None:
    few = agreement_of(
        verdicts([(("low", "bug"), ("low", "billing"))] * 3 + [(("high", "bug"), ("high", "bug"))]),
        CATEGORIES,
    )
    assert few.n == 4 and few.category() == "n too small (n=4)"
    none = agreement_of([ReviewerLabels(1, "U1", 1, "low", "bug")], CATEGORIES)
    assert none.n == 0 and none.urgency_kappa is None
    assert "no triage has two reviewers yet" in none.describe()


async def test_latest_verdict_per_reviewer_counts_and_first_two_reviewers_pair(services: Services) -> None:
    async with services.db.transaction() as session:
        triage = Triage(
            source="command",
            input_text="charged twice",
            endpoint="openai",
            model_id="ft:live",
            prompt_version="v1",
            status="ok",
            urgency="high",
            category="billing",
        )
        session.add(triage)
        await session.flush()
        assert triage.id is not None
        triage_id = triage.id
    reviews = ReviewService(services.db, categories=CATEGORIES)
    await reviews.confirm(triage_id, "U1")
    await reviews.correct(triage_id, "U2", "low", "bug", None, second_opinion=True)
    await reviews.correct(triage_id, "U1", "low", "bug", "changed my mind")  # U1's latest: low/bug
    await reviews.confirm(triage_id, "U3", second_opinion=True)  # a third reviewer: not in the pair
    verdicts_stored = await human_agreement(services.db, CATEGORIES)
    assert verdicts_stored.n == 1
    # One pair, both low/bug: every label the same, so chance agreement is total and kappa undefined.
    assert verdicts_stored.category_kappa is None
    assert verdicts_stored.category() == "undefined"
