"""Shutdown dates of every model that matters (issue 12): read from endpoints or set by approvers,
counted down in /model status and the App Home, flagged on a candidate's request."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from bot import shutdowns
from bot.errors import NotAllowed
from bot.registry.approvals import rollback_now
from bot.registry.approvers import Approvers
from bot.registry.requests import plan_rollback
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from commands.ids import Action
from storage.models import Deployment, ModelShutdown
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.deployments import NOW, OTHER, switch_to
from tests.support.model_requests import (
    APPROVALS,
    CANDIDATE,
    approval_posts,
    approvals_bot,
    ask,
    click,
    request_switch,
)
from tests.support.quality_services import open_services, services  # noqa: F401
from tests.support.waiting import wait_until

BASE = "gpt-4o-mini-2024-07-18"
OPENAI_SHUTDOWN = date(2027, 1, 14)


async def test_every_model_that_matters_is_read_and_counted_down(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    openai_standin.add_model(LIVE_MODEL, shutdown_date=OPENAI_SHUTDOWN)
    openai_standin.add_model(OTHER)  # its host publishes no date
    await switch_to(services, OTHER)

    found = await shutdowns.refresh(services.db, services.models, NOW)
    by_model = {c.model_id: c for c in found}
    assert by_model[LIVE_MODEL].roles == (shutdowns.PREVIOUS,)
    assert by_model[LIVE_MODEL].shutdown_date == OPENAI_SHUTDOWN and by_model[LIVE_MODEL].source == "endpoint"
    assert by_model[LIVE_MODEL].days_left(NOW) == 50 and by_model[LIVE_MODEL].warning(NOW) == 90
    # The absence is stored too, with when it was read.
    assert by_model[OTHER].shutdown_date is None and by_model[OTHER].read_at == NOW
    assert [c.model_id for c in found] == [LIVE_MODEL, OTHER]  # soonest first, undated last
    rows = await _rows(services)
    assert (OTHER, None, "endpoint") in rows and (LIVE_MODEL, OPENAI_SHUTDOWN, "endpoint") in rows

    # An endpoint that stops answering keeps the previous reading rather than forgetting it.
    openai_standin.remove_model(LIVE_MODEL)
    again = {
        c.model_id: c for c in await shutdowns.refresh(services.db, services.models, NOW + timedelta(days=1))
    }
    assert again[LIVE_MODEL].shutdown_date == OPENAI_SHUTDOWN and again[LIVE_MODEL].read_at == NOW


async def test_an_operator_date_and_a_base_date_count_the_earliest_wins(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    openai_standin.add_model(LIVE_MODEL)  # the fine-tune itself publishes nothing
    openai_standin.add_model(BASE, owned_by="system", shutdown_date=OPENAI_SHUTDOWN)
    (live,) = await shutdowns.refresh(services.db, services.models, NOW)
    assert live.shutdown_date == OPENAI_SHUTDOWN and live.source == "base"  # stops with its base

    approvers = Approvers(["U0LEAD"], None)
    earlier = date(2026, 12, 1)
    await shutdowns.set_operator_date(
        services.db, services.models, approvers, "U0LEAD", "openai", LIVE_MODEL, earlier, now=NOW
    )
    (live,) = await shutdowns.countdowns(services.db, NOW)
    assert (live.shutdown_date, live.source, live.set_by, live.warning(NOW)) == (
        earlier,
        "operator",
        "U0LEAD",
        7,
    )
    assert "set by U0LEAD" in shutdowns.describe(live, NOW) and "6 days left" in shutdowns.describe(live, NOW)

    try:
        await shutdowns.set_operator_date(
            services.db, services.models, approvers, "U0AGENT", "openai", LIVE_MODEL, None, now=NOW
        )
        raise AssertionError("a non-approver cleared a date")
    except NotAllowed:
        pass
    await shutdowns.set_operator_date(
        services.db, services.models, approvers, "U0LEAD", "openai", LIVE_MODEL, None, now=NOW
    )
    (live,) = await shutdowns.countdowns(services.db, NOW)
    assert live.shutdown_date == OPENAI_SHUTDOWN  # back to the base's date


async def test_warnings_at_90_30_and_7_days(services: Services) -> None:  # noqa: F811
    def countdown(days: int) -> shutdowns.Countdown:
        return shutdowns.Countdown(
            "openai", "m", ("live",), NOW.date() + timedelta(days=days), "endpoint", NOW
        )

    assert [countdown(d).warning(NOW) for d in (91, 90, 31, 30, 8, 7, 1, 0, -3)] == [
        None,
        90,
        90,
        30,
        30,
        7,
        7,
        0,
        0,
    ]
    due = shutdowns.warnings_due([countdown(120), countdown(45)], NOW)
    assert [(c.days_left(NOW), threshold) for c, threshold in due] == [(45, 90)]


async def test_a_rollback_target_and_recent_requests_matter(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    openai_standin.add_model(LIVE_MODEL, shutdown_date=OPENAI_SHUTDOWN)
    openai_standin.add_model(OTHER)
    await switch_to(services, OTHER)
    plan = await plan_rollback(services.db, services.models, requested_by="U0LEAD", reason=None, now=NOW)
    await rollback_now(services.db, plan, now=NOW)
    found = {c.model_id: c.roles for c in await shutdowns.refresh(services.db, services.models, NOW)}
    assert found == {LIVE_MODEL: (shutdowns.LIVE,), OTHER: (shutdowns.PREVIOUS,)}


async def _rows(services: Services) -> set[tuple[str, date | None, str]]:  # noqa: F811
    async with services.db.session() as session:
        from sqlmodel import select

        return {
            (r.model_id, r.shutdown_date, r.source) for r in (await session.exec(select(ModelShutdown))).all()
        }


# ---- Slack, end to end -------------------------------------------------------------------------


def test_retire_on_sets_and_clears_a_date_for_approvers_only(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    soon = datetime.now(UTC).date() + timedelta(days=25)
    refused = ask(bot, f"retire-on {LIVE_MODEL} {soon.isoformat()}", user="U0AGENT")
    assert "Only approvers" in refused and not bot.rows(ModelShutdown)

    done = ask(bot, f"retire-on {LIVE_MODEL} on openai {soon.isoformat()}", user="U0LEAD")
    assert f"shuts down on {soon.isoformat()} (25 days left)" in done and "<@U0LEAD>" in done
    (row,) = bot.rows(ModelShutdown)
    assert (row.model_id, row.shutdown_date, row.source, row.set_by) == (
        LIVE_MODEL,
        soon,
        "operator",
        "U0LEAD",
    )

    status = ask(bot, "status")
    assert "*Shutdown dates*" in status
    assert f"*Shutdown*\\n:rotating_light: shuts down on {soon.isoformat()} (25 days left)" in status  # the field agrees
    assert (
        f":warning: {LIVE_MODEL} on openai (live, date set by an operator): shuts down on {soon.isoformat()}, 25 days left (set by U0LEAD)"
        in status
    )

    assert "not a date" in ask(bot, f"retire-on {LIVE_MODEL} 14/01/2027", user="U0LEAD")
    assert "Cleared" in ask(bot, f"retire-on {LIVE_MODEL} none", user="U0LEAD")
    assert [r.source for r in bot.rows(ModelShutdown)] == ["endpoint"]  # status read the endpoint meanwhile


def test_status_and_home_count_down_for_each_model(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    in_five = datetime.now(UTC).date() + timedelta(days=5)
    bot.openai.add_model(LIVE_MODEL, shutdown_date=in_five)
    bot.openai.add_model(CANDIDATE)
    request_switch(bot)
    status = ask(bot, "status")
    assert (
        f":rotating_light: {LIVE_MODEL} on openai (live): shuts down on {in_five.isoformat()}, 5 days left"
        in status
    )
    assert (
        f"{CANDIDATE} on openai (pending candidate, recently requested): no shutdown date published" in status
    )

    bot.send.event({"type": "app_home_opened", "user": "U0LEAD", "channel": "D0HOME", "tab": "home"})
    (published,) = bot.slack.wait_for("views.publish")
    shown = json.dumps(published.params["view"])
    assert (
        "Shutdown dates" in shown
        and f"{LIVE_MODEL} on openai (live): shuts down on {in_five.isoformat()}" in shown
    )


def test_a_candidate_whose_base_has_a_date_is_flagged_when_proposed(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    bot.openai.add_model(CANDIDATE)  # the fine-tune publishes no date of its own
    base_date = datetime.now(UTC).date() + timedelta(days=49)
    ask(bot, f"retire-on {BASE} {base_date.isoformat()}", user="U0LEAD")
    request = request_switch(bot)
    post = approval_posts(bot)[-1]
    assert f"shuts down on {base_date.isoformat()} (49 days left)" in json.dumps(post.params)
    assert request.shutdown_date == base_date.isoformat()
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD2")
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
    assert request.channel_id == APPROVALS


async def test_readings_replace_each_other_on_every_backend(
    any_db_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.add_model(LIVE_MODEL, shutdown_date=OPENAI_SHUTDOWN)
    async with open_services(any_db_url, slack_standin, openai_standin) as built:
        # Two readers at once (a status and the daily job): one row per model and source.
        await asyncio.gather(*(shutdowns.refresh(built.db, built.models, NOW) for _ in range(3)))
        openai_standin.add_model(LIVE_MODEL)  # the host withdrew the date
        (live,) = await shutdowns.refresh(built.db, built.models, NOW + timedelta(hours=1))
        assert live.shutdown_date is None and live.read_at == NOW + timedelta(hours=1)
        rows = await _rows(built)
        assert (LIVE_MODEL, None, "endpoint") in rows and len([r for r in rows if r[0] == LIVE_MODEL]) == 1
