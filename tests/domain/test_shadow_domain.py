"""Shadow routing's rules, tested on the domain functions directly (bot.routing)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.deployments import live_deployment
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.inflight import InflightWork, start_background
from bot.routing import (
    Mirrored,
    ShadowMirror,
    ShadowReviews,
    parse_request,
    shadow_report,
)
from bot.routing.agreement import agreement
from bot.routing.mirror import day_start
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.models import Deployment, ShadowPair, ShadowVerdict
from tests.support.app_under_test import LIVE_MODEL
from tests.support.model_requests import CANDIDATE
from tests.support.quality_services import open_services

LEAD = "U0LEAD"


def test_the_command_words_parse() -> None:
    request = parse_request(f"`{CANDIDATE}` on vllm 25% newer data, same prompt")
    assert (request.model_id, request.endpoint, request.percent) == (CANDIDATE, "vllm", 25)
    assert request.reason == "newer data, same prompt"
    plain = parse_request(CANDIDATE)
    assert (plain.endpoint, plain.percent, plain.reason) == ("openai", 100, None)
    assert parse_request(f"{CANDIDATE} 40").percent == 40
    for bad in ("", f"{CANDIDATE} 0", f"{CANDIDATE} 101%", f"{CANDIDATE} " + "x" * 600):
        with pytest.raises(InvalidInput):
            parse_request(bad)


def test_agreement_per_field_with_kappa() -> None:
    urgencies = [("high", "high")] * 8 + [("low", "medium"), ("critical", "high")]
    categories = [("billing", "billing")] * 9 + [("bug", "outage")]
    figures = agreement(urgencies, categories, ["billing", "bug", "outage"])
    assert (figures.urgency.agreed.correct, figures.urgency.agreed.n) == (8, 10)
    assert (figures.category.agreed.correct, figures.both.correct) == (9, 8)
    assert figures.urgency.kappa is not None and figures.category.kappa is not None
    assert "80.0% (8/10)" in figures.urgency.describe()
    empty = agreement([], [], ["billing"])
    assert empty.both.n == 0 and empty.urgency.kappa is None


async def _live_triage(services: Services, text: str = "I was charged twice this month") -> int:
    deployment = await live_deployment(services.db)
    outcome = await services.triage.run(text, deployment, source="command", user_id="U0AGENT")
    return outcome.triage_id


async def _start(services: Services, args: str = CANDIDATE) -> None:
    await services.shadow_routes.start(LEAD, parse_request(args))


async def test_sampling_follows_the_percentage(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.add_model(CANDIDATE)
    async with open_services(sqlite_url, slack_standin, openai_standin, triage_approvers=[LEAD]) as services:
        assert await services.shadow_mirror.mirror(await _live_triage(services)) is Mirrored.NO_SHADOW
        await _start(services, f"{CANDIDATE} 30")
        base = services.shadow_mirror
        draws = iter([0.5, 0.1])
        mirror = ShadowMirror(
            services.db,
            services.models,
            categories=list(base.categories),
            daily_cap=10,
            sample=lambda: next(draws),
        )
        assert await mirror.mirror(await _live_triage(services)) is Mirrored.NOT_SAMPLED
        triage_id = await _live_triage(services)
        assert await mirror.mirror(triage_id) is Mirrored.RECORDED
        # A retried mirror of the same triage never makes a second pair (or a second call counted twice).
        assert (
            await ShadowMirror(
                services.db,
                services.models,
                categories=list(base.categories),
                daily_cap=10,
                sample=lambda: 0.0,
            ).mirror(triage_id)
            is Mirrored.ALREADY
        )


async def test_the_cap_is_shared_by_every_process(
    any_db_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.add_model(CANDIDATE)
    settings = {"triage_approvers": [LEAD], "triage_shadow_daily_calls": 3}
    async with (
        open_services(any_db_url, slack_standin, openai_standin, **settings) as one,
        open_services(any_db_url, slack_standin, openai_standin, **settings) as two,
    ):
        await _start(one)
        triages = [await _live_triage(one, f"Customer {n}: the app crashes") for n in range(6)]
        outcomes = await asyncio.gather(
            *((one if n % 2 else two).shadow_mirror.mirror(t) for n, t in enumerate(triages))
        )
        assert sorted(outcomes).count(Mirrored.RECORDED) == 3
        assert outcomes.count(Mirrored.CAPPED) == 3
        report = await shadow_report(one.db, daily_cap=3, categories=["bug"], now=datetime.now(UTC))
        assert (report.pairs, report.skipped_by_cap, report.calls_today) == (3, 3, 3)
        assert report.candidate_cost.median_latency_ms is not None and report.candidate_cost.mean_tokens
        assert report.live_cost.mean_tokens and report.agreement.both.n == 3
        # A new UTC day has a fresh budget.
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        later = ShadowMirror(
            one.db, one.models, categories=one.settings.triage_categories, daily_cap=3, clock=lambda: tomorrow
        )
        assert await later.mirror(await _live_triage(one, "Another crash")) is Mirrored.RECORDED
    assert day_start(datetime(2026, 1, 2, 23, 59, tzinfo=UTC)) == datetime(2026, 1, 2, tzinfo=UTC)


async def test_start_stop_rules(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.add_model(CANDIDATE)
    async with open_services(sqlite_url, slack_standin, openai_standin, triage_approvers=[LEAD]) as services:
        routes = services.shadow_routes
        with pytest.raises(NotAllowed):
            await routes.start("U0AGENT", parse_request(CANDIDATE))
        with pytest.raises(NotFound):
            await routes.start(LEAD, parse_request(f"{CANDIDATE} on nowhere"))
        with pytest.raises(InvalidInput):
            await routes.start(LEAD, parse_request(LIVE_MODEL))
        with pytest.raises(NotFound):
            await routes.stop(LEAD)
        await _start(services)
        assert (await routes.active()) is not None
        # The candidate going live makes shadowing it pointless: the mirror leaves such triages alone.
        async with services.db.transaction() as session:
            session.add(Deployment(endpoint="openai", model_id=CANDIDATE, kind="switch", requested_by=LEAD))
        assert await services.shadow_mirror.mirror(await _live_triage(services)) is Mirrored.NO_SHADOW
        stopped = await routes.stop(LEAD, "enough data")
        assert (stopped.state, stopped.end_reason) == ("stopped", "enough data")
        assert await routes.active() is None


async def test_a_verdict_is_stored_once(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.add_model(CANDIDATE)
    openai_standin.script_for_model(
        CANDIDATE, "charged", {"urgency": "critical", "category": "outage", "summary": "s", "next_step": "n"}
    )
    async with open_services(sqlite_url, slack_standin, openai_standin, triage_approvers=[LEAD]) as services:
        await _start(services)
        await services.shadow_mirror.mirror(await _live_triage(services))
        reviews = ShadowReviews(services.db)
        item = await reviews.next_disagreement()
        assert item is not None and (item.candidate_urgency, item.candidate_category) == (
            "critical",
            "outage",
        )
        first, second = await asyncio.gather(
            reviews.judge(item.pair_id, "neither", "U0A"), reviews.judge(item.pair_id, "live", "U0B")
        )
        assert [first.recorded, second.recorded].count(True) == 1
        assert first.disagreement.verdict == second.disagreement.verdict
        assert await reviews.next_disagreement() is None
        with pytest.raises(InvalidInput):
            await reviews.judge(item.pair_id, "both", "U0A")
        async with services.db.session() as session:
            pair = await session.get(ShadowPair, item.pair_id)
        assert pair is not None and pair.verdict in (ShadowVerdict.NEITHER, ShadowVerdict.LIVE)


async def test_shutdown_drains_a_shadow_call_started_by_tracked_work() -> None:
    inflight = InflightWork()
    finished: list[str] = []

    async def shadow_call() -> None:
        await asyncio.sleep(0.2)
        finished.append("shadow")

    async def listener() -> None:
        inflight.track_current_task()
        start_background(shadow_call())

    await asyncio.create_task(listener())
    await asyncio.sleep(0)  # done-callbacks run on the next loop turn
    assert len(inflight) == 1  # the listener is done; its shadow call is still tracked
    assert await inflight.drain(5.0) == 0 and finished == ["shadow"]


def _mirror_everything(services: Services, **options: Any) -> ShadowMirror:
    """A mirror of the services' shadow that samples every triage, with `options` of its own."""
    return ShadowMirror(
        services.db,
        services.models,
        categories=list(services.shadow_mirror.categories),
        daily_cap=100,
        sample=lambda: 0.0,
        **options,
    )


async def test_a_burst_is_mirrored_a_few_calls_at_a_time_and_none_is_dropped(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    openai_standin.add_model(CANDIDATE)
    openai_standin.model_latency[CANDIDATE] = 0.1
    async with open_services(sqlite_url, slack_standin, openai_standin, triage_approvers=[LEAD]) as services:
        await _start(services)
        deployment = await live_deployment(services.db)
        triage_ids = [
            (await services.triage.run(f"Ticket {n}: charged twice", deployment, source="command", user_id=f"U{n}"))
            .triage_id
            for n in range(8)
        ]
        calling = peak = 0
        ask = services.models.complete_structured

        async def counted(*args: object, **kwargs: object) -> object:
            nonlocal calling, peak
            calling += 1
            peak = max(peak, calling)
            try:
                return await ask(*args, **kwargs)  # type: ignore[arg-type]
            finally:
                calling -= 1

        monkeypatch.setattr(services.models, "complete_structured", counted)
        mirror = _mirror_everything(services, concurrency=2)
        outcomes = await asyncio.gather(*(mirror.mirror(triage_id) for triage_id in triage_ids))
        assert outcomes == [Mirrored.RECORDED] * 8  # every live triage got its pair
        assert peak == 2  # never more candidate calls at once than the mirror allows


async def test_a_mirror_waits_for_a_lull_in_live_triages_and_never_longer_than_its_bound(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.add_model(CANDIDATE)
    async with open_services(sqlite_url, slack_standin, openai_standin, triage_approvers=[LEAD]) as services:
        await _start(services)
        first, second = await _live_triage(services, "Ticket 1: charged twice"), await _live_triage(
            services, "Ticket 2: refund please"
        )
        assert services.shadow_mirror.live_load is services.triage.load  # the one the service counts

        def candidate_calls() -> int:
            return len([body for body in openai_standin.chat_requests() if body.get("model") == CANDIDATE])

        mirror = _mirror_everything(services, live_load=services.triage.load, max_wait=30.0)
        with services.triage.load.serving():  # an agent's triage in progress
            waiting = asyncio.create_task(mirror.mirror(first))
            await asyncio.sleep(0.3)
            assert not waiting.done() and candidate_calls() == 0  # the candidate is not asked meanwhile
        assert await asyncio.wait_for(waiting, 10) is Mirrored.RECORDED  # asked once the triage is done

        mirror.max_wait = 0.2
        with services.triage.load.serving():  # traffic that never stops only delays a mirror
            assert await asyncio.wait_for(mirror.mirror(second), 10) is Mirrored.RECORDED
        assert candidate_calls() == 2
