"""The digest's figures and wording, built against a real database and the OpenAI stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest.build import build_digest
from bot.digest.text import digest_text
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.models import Deployment, QualityCheck, Triage
from tests.support.app_under_test import LIVE_MODEL
from tests.support.quality_services import open_services, script_all, seed_cases, services  # noqa: F401

NEW_LIVE = "ft:gpt-4o-mini-2024-07-18:acme:triage:new00003"
CANDIDATE = "ft:gpt-4o-mini-2024-07-18:acme:triage:cand0002"


async def switch_to(services: Services, model_id: str) -> None:  # noqa: F811
    async with services.db.transaction() as session:
        session.add(
            Deployment(
                endpoint="openai",
                model_id=model_id,
                previous_endpoint="openai",
                previous_model_id=LIVE_MODEL,
                kind="switch",
                requested_by="U0LEAD",
                approved_by="U0BOSS",
            )
        )


async def add_triages(services: Services, model_id: str, latencies: list[int | None], at: datetime) -> None:  # noqa: F811
    async with services.db.transaction() as session:
        for i, latency in enumerate(latencies):
            ok = latency is not None
            triage = Triage(
                created_at=at,
                source="command",
                input_text=f"message {i}",
                endpoint="openai",
                model_id=model_id,
                prompt_version="triage_v1",
                status="ok" if ok else "failed",
                urgency="high" if ok else None,
                category="bug" if ok else None,
                latency_ms=latency,
            )
            session.add(triage)
            await session.flush()
            if ok and i < 4:
                session.add(
                    QualityCheck(
                        created_at=at,
                        kind="review",
                        endpoint="openai",
                        model_id=model_id,
                        triage_id=triage.id,
                        reviewer="U0LEAD",
                        passed=i != 0,
                    )
                )


async def test_digest_compares_runs_finds_regressions_and_names_a_replacement(
    any_db_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    async with open_services(any_db_url, slack_standin, openai_standin) as built:
        await check_full_digest(built, openai_standin)


async def check_full_digest(services: Services, openai_standin: OpenAIStandIn) -> None:  # noqa: F811
    now = datetime.now(UTC)
    await seed_cases(services)
    for model in (NEW_LIVE, CANDIDATE):
        openai_standin.add_model(model)
    runner = services.eval_runner
    script_all(openai_standin, LIVE_MODEL, right=True)
    script_all(openai_standin, LIVE_MODEL, right=False, only=["Case B"])
    await runner.run("openai", LIVE_MODEL, trigger="cli")  # 3/4
    await switch_to(services, NEW_LIVE)
    script_all(openai_standin, NEW_LIVE, right=True)
    await runner.run("openai", NEW_LIVE, trigger="cli")  # 4/4
    script_all(openai_standin, NEW_LIVE, right=False, only=["Case D"])
    await runner.run("openai", NEW_LIVE, trigger="cli")  # 3/4, D regressed
    script_all(openai_standin, CANDIDATE, right=True)
    await runner.run("openai", CANDIDATE, trigger="cli")  # 4/4
    await add_triages(
        services, NEW_LIVE, [100, 200, 300, 400, None, 1000] + [50] * 14, now - timedelta(hours=1)
    )
    await add_triages(services, LIVE_MODEL, [10], now - timedelta(hours=2))
    await add_triages(services, NEW_LIVE, [99999], now - timedelta(days=30))  # outside the period

    digest = await build_digest(services.db, services.models, start=now - timedelta(days=1), end=now, now=now)

    assert digest.live is not None and digest.live.model_id == NEW_LIVE
    assert digest.latest is not None and digest.latest.score.pass_rate == 0.75
    assert digest.previous_run is not None and digest.previous_run.pass_rate == 1.0
    assert digest.previous_model_run is not None and digest.previous_model_run.model_id == LIVE_MODEL
    assert digest.latest.urgency_accuracy == 0.75 and digest.latest.category_accuracy == 1.0
    assert digest.regression_count == 1 and digest.regressions[0].input_text.startswith("Case D")
    assert digest.regressions[0].got == "medium / bug" and digest.regressions[0].expected == "high / bug"
    triages = digest.triages
    assert triages is not None
    assert (triages.live_volume, triages.live_failed, triages.other_volume) == (20, 1, 1)
    assert triages.latency_p50_ms == 50 and triages.latency_p95_ms == 1000
    by_model = {r.model_id: r for r in digest.reviews}
    assert (by_model[NEW_LIVE].reviews, by_model[NEW_LIVE].agreed) == (4, 3)
    assert digest.replacement is not None and digest.replacement.model_id == CANDIDATE
    assert digest.warnings == []

    text = digest_text(digest)
    assert f"Live model: {NEW_LIVE}" in text
    assert "pass rate 75.0% (3/4)" in text and "-25.0 pts vs 100.0%" in text
    assert "no change from 75.0%" in text  # against the previous model, same 3/4
    assert 'case #4 "Case D' in text
    assert "error rate 5.0%" in text and "p50 50 ms" in text and "p95 1,000 ms" in text
    assert "3/4 agreed" in text
    assert "No data in this period" not in text


async def test_empty_period_says_so_plainly(services: Services) -> None:  # noqa: F811
    now = datetime.now(UTC)
    digest = await build_digest(services.db, services.models, start=now - timedelta(days=1), end=now, now=now)
    assert digest.empty
    text = digest_text(digest)
    assert "No data in this period: no triages, no reviews and no eval runs." in text
    assert "no finished eval run of the live model yet" in text
    assert "Triage: no triages in this period." in text
    assert "Reviews: no reviewer verdicts in this period." in text
    assert "WARNING" not in text


async def test_unanswering_live_model_is_a_loud_warning_naming_the_best_candidate(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    now = datetime.now(UTC)
    await seed_cases(services)
    openai_standin.add_model(CANDIDATE)
    script_all(openai_standin, CANDIDATE, right=True)
    await services.eval_runner.run("openai", CANDIDATE, trigger="cli")
    openai_standin.remove_model(LIVE_MODEL)

    digest = await build_digest(services.db, services.models, start=now - timedelta(days=1), end=now, now=now)

    (problem, advice) = digest.warnings
    assert f"The live model {LIVE_MODEL} does not answer" in problem
    assert CANDIDATE in advice and "100.0% pass rate" in advice
    assert "!!! WARNING: The live model" in digest_text(digest)


async def test_live_model_near_shutdown_is_a_loud_warning(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    now = datetime.now(UTC)
    openai_standin.add_model(LIVE_MODEL, shutdown_date=(now + timedelta(days=12)).date())

    digest = await build_digest(services.db, services.models, start=now - timedelta(days=1), end=now, now=now)

    (problem, advice) = digest.warnings
    assert "shuts down on" in problem and "(12 days left)" in problem
    assert "No other model has a recent eval run" in advice

    openai_standin.add_model(LIVE_MODEL, shutdown_date=(now + timedelta(days=90)).date())
    later = await build_digest(services.db, services.models, start=now - timedelta(days=1), end=now, now=now)
    assert later.warnings == []
    assert "90 days left" in digest_text(later)
