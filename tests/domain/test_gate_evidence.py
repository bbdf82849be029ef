"""The eval gate's sharper rule (issue 11): a class whose recall drops too far needs an override,
whatever the overall pass rate; finished runs carry per-field evidence and the paired verdict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.quality.gate import CLASS_DROP, PASSED, gate_view
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from storage.models import SwitchRequest
from tests.support.app_under_test import LIVE_MODEL
from tests.support.quality_services import CASES, script_all, seed_cases, services  # noqa: F401

CANDIDATE = "ft:gpt-4o-mini-2024-07-18:acme:triage:cand0002"


async def _request_with_runs(services: Services, openai: OpenAIStandIn) -> SwitchRequest:  # noqa: F811
    await seed_cases(services)
    openai.add_model(CANDIDATE)
    runner = services.eval_runner
    # Live: right on everything but case C. Candidate: right on C, but calls the outage (case A)
    # "high": the same pass rate (3/4), and the critical class is lost entirely.
    script_all(openai, LIVE_MODEL, right=True)
    script_all(openai, LIVE_MODEL, right=False, only=["Case C"])
    live = await runner.run("openai", LIVE_MODEL, trigger="cli")
    script_all(openai, CANDIDATE, right=True)
    openai.script_for_model(
        CANDIDATE, "Case A:", {"urgency": "high", "category": "outage", "summary": "s", "next_step": "n"}
    )
    candidate = await runner.run("openai", CANDIDATE, trigger="cli")
    return SwitchRequest(
        id=1,
        kind="switch",
        requested_by="U0AGENT",
        endpoint="openai",
        model_id=CANDIDATE,
        from_endpoint="openai",
        from_model_id=LIVE_MODEL,
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        candidate_run_id=candidate.run_id,
        live_run_id=live.run_id,
    )


async def test_a_lost_class_needs_an_override_though_the_pass_rate_holds(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    request = await _request_with_runs(services, openai_standin)
    categories = services.settings.triage_categories

    plain = await gate_view(services.db, request, None)
    assert plain is not None and plain.state == PASSED  # 3/4 against 3/4: the old rule lets it through

    view = await gate_view(services.db, request, None, categories=categories, max_class_drop=0.10)
    assert view is not None and view.state == CLASS_DROP and view.needs_override
    assert view.comparison is not None
    assert [(d.field, d.label, d.before, d.after) for d in view.comparison.class_drops] == [
        ("urgency", "critical", 1.0, 0.0)
    ]
    assert (view.comparison.paired.fixed, view.comparison.paired.broken) == (1, 1)
    assert view.comparison.paired.verdict == f"no significant difference (n={len(CASES)})"
    assert view.candidate_evidence is not None and view.candidate_evidence.urgency.accuracy.correct == 3

    lenient = await gate_view(services.db, request, None, categories=categories, max_class_drop=1.0)
    assert lenient is not None and lenient.state == PASSED
