"""Monitors as domain code (issue 11): readings, thresholds, and incidents that open once, change in
place and resolve; chi-square drift against published critical values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.monitors.incidents import Effect, OpenIncident, decide
from bot.monitors.service import evaluate, mute, states
from bot.monitors.specs import DEFAULT_SPECS, Level, NoData, configured_specs
from bot.monitors.stats import category_drift, chi_square_sf
from bot.services import Services
from storage.models import Incident, Triage
from tests.support.app_under_test import LIVE_MODEL
from tests.support.quality_services import services  # noqa: F401

FAILURE = next(spec for spec in DEFAULT_SPECS if spec.name == "failure_rate")


@pytest.mark.parametrize(
    ("statistic", "dof", "p"),
    [(3.841459, 1, 0.05), (5.991465, 2, 0.05), (11.070498, 5, 0.05), (6.634897, 1, 0.01), (1.0, 1, 0.317311)],
)
def test_chi_square_matches_published_critical_values(statistic: float, dof: int, p: float) -> None:
    assert chi_square_sf(statistic, dof) == pytest.approx(p, abs=1e-6)


def test_drift_is_found_when_the_mix_moves_and_not_on_noise() -> None:
    baseline = {"billing": 500, "bug": 500}
    assert category_drift({"billing": 52, "bug": 48}, baseline).p_value > 0.5  # type: ignore[union-attr]
    moved = category_drift({"billing": 80, "bug": 20}, baseline)
    assert moved is not None and moved.p_value < 0.001 and moved.biggest_change == "billing"
    new_label = category_drift({"billing": 40, "bug": 40, "outage": 20}, baseline)
    assert new_label is not None and new_label.p_value < 0.001  # a category never seen before
    assert category_drift({}, baseline) is None and category_drift({"bug": 3}, {}) is None


def test_levels_respect_thresholds_direction_and_minimum_sample() -> None:
    assert FAILURE.level(0.25, 20) is Level.ALERT
    assert FAILURE.level(0.12, 20) is Level.WARNING
    assert FAILURE.level(0.05, 20) is Level.OK
    assert FAILURE.level(0.90, 19) is Level.NO_DATA  # 19 triages: not enough to say anything
    drift = next(spec for spec in DEFAULT_SPECS if spec.name == "category_drift")
    assert drift.level(0.0001, 100) is Level.ALERT and drift.level(0.5, 100) is Level.OK  # low p is bad


def test_overrides_change_one_monitor_and_unknown_names_are_refused() -> None:
    specs = {s.name: s for s in configured_specs({"failure_rate": {"alert": 0.3, "window_minutes": 30}})}
    assert (specs["failure_rate"].alert, specs["failure_rate"].window_minutes) == (0.3, 30)
    assert specs["latency_p95"] == next(s for s in DEFAULT_SPECS if s.name == "latency_p95")
    with pytest.raises(ValueError, match="unknown monitor"):
        configured_specs({"failures": {}})
    with pytest.raises(ValueError, match="unknown field"):
        configured_specs({"failure_rate": {"threshold": 1}})


def test_an_incident_opens_once_changes_in_place_and_resolves() -> None:
    assert decide(FAILURE, Level.OK, 0.01, None) is Effect.NONE
    assert decide(FAILURE, Level.ALERT, 0.25, None) is Effect.OPEN
    open_alert = OpenIncident(Level.ALERT, 0.25)
    assert decide(FAILURE, Level.ALERT, 0.26, open_alert) is Effect.NONE  # jitter: no edit every minute
    assert decide(FAILURE, Level.ALERT, 0.40, open_alert) is Effect.UPDATE
    assert decide(FAILURE, Level.WARNING, 0.15, open_alert) is Effect.UPDATE
    assert decide(FAILURE, Level.OK, 0.02, open_alert) is Effect.RESOLVE
    # Too few samples: by default the incident stays as it is (a quiet night resolves nothing)...
    assert decide(FAILURE, Level.NO_DATA, None, open_alert) is Effect.NONE
    assert decide(FAILURE, Level.NO_DATA, None, None) is Effect.NONE
    # ...unless the monitor says no data is fine, or is itself the alarm.
    from dataclasses import replace

    assert decide(replace(FAILURE, no_data=NoData.OK), Level.NO_DATA, None, open_alert) is Effect.RESOLVE
    assert decide(replace(FAILURE, no_data=NoData.ALERT), Level.NO_DATA, None, None) is Effect.OPEN


async def _triages(services: Services, ok: int, failed: int, at: datetime) -> None:  # noqa: F811
    async with services.db.transaction() as session:
        for i in range(ok + failed):
            good = i < ok
            session.add(
                Triage(
                    created_at=at,
                    source="command",
                    input_text=f"message {i}",
                    endpoint="openai",
                    model_id=LIVE_MODEL,
                    prompt_version="triage_v1",
                    status="ok" if good else "failed",
                    urgency="high" if good else None,
                    category="bug" if good else None,
                    latency_ms=100 if good else None,
                )
            )


async def test_failure_rate_monitor_opens_an_incident_once_and_resolves_it(services: Services) -> None:  # noqa: F811
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    specs = [FAILURE]
    await _triages(services, ok=15, failed=5, at=now - timedelta(minutes=5))  # 25% of 20

    (opened,) = await evaluate(services.db, specs, now)
    assert opened.effect is Effect.OPEN and opened.incident.level == Level.ALERT
    assert opened.reading.detail == "5 of 20 triages failed"
    assert await evaluate(services.db, specs, now + timedelta(minutes=1)) == []  # still 25%: silent

    (state,) = await states(services.db, specs, now)
    assert state.level is Level.ALERT and state.incident is not None and state.incident.id == opened.incident.id

    muted = await mute(services.db, opened.incident.id or 0, by="U0LEAD", now=now)
    assert muted.muted_until == now + timedelta(hours=24)

    await _triages(services, ok=80, failed=0, at=now - timedelta(minutes=2))  # 5 of 100
    (resolved,) = await evaluate(services.db, specs, now + timedelta(minutes=2))
    assert resolved.effect is Effect.RESOLVE and resolved.incident.resolved_at is not None
    assert resolved.incident.worst_level == Level.ALERT
    # Later, the window has moved past every triage: no data keeps things as they are (resolved).
    assert await evaluate(services.db, specs, now + timedelta(hours=2)) == []
    async with services.db.session() as session:
        from sqlmodel import select

        assert len((await session.exec(select(Incident))).all()) == 1
