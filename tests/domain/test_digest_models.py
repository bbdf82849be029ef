"""A model is an endpoint plus an ID in the gate, the digest and its chart (issue 15, items 1 and 8)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from bot.digest.build import build_digest
from bot.digest.chart import draw, labels, pass_rate_chart, runs_by_model, shorten
from bot.digest.figures import RunScore
from bot.digest.text import digest_text
from bot.quality.gate import _latest_finished
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from tests.support.app_under_test import LIVE_MODEL, OPENAI_KEY
from tests.support.cli_process import run
from tests.support.quality_services import open_services, script_all, seed_cases

OTHER = "ft:gpt-4o-mini-2024-07-18:acme:triage:other0009"


async def test_a_run_of_the_live_id_on_another_endpoint_is_not_the_live_models_run(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    endpoints = {"local-vllm": {"base_url": f"{openai_standin.base_url}/v1", "api_key": OPENAI_KEY}}
    async with open_services(
        sqlite_url, slack_standin, openai_standin, triage_endpoints=endpoints
    ) as services:
        await seed_cases(services)
        runner = services.eval_runner
        script_all(openai_standin, LIVE_MODEL, right=True)
        script_all(openai_standin, LIVE_MODEL, right=False, only=["Case B"])
        live_run = await runner.run("openai", LIVE_MODEL, trigger="cli")  # 3/4 on the live endpoint
        script_all(openai_standin, LIVE_MODEL, right=True)
        other_run = await runner.run("local-vllm", LIVE_MODEL, trigger="cli")  # 4/4, later, elsewhere

        gate_run = await _latest_finished(services.db, "openai", LIVE_MODEL)
        assert gate_run is not None and gate_run.id == live_run.run_id != other_run.run_id

        now = datetime.now(UTC)
        digest = await build_digest(
            services.db, services.models, start=now - timedelta(days=1), end=now, now=now
        )
        assert digest.latest is not None
        assert (digest.latest.score.endpoint, digest.latest.score.pass_rate) == ("openai", 0.75)
        # The same ID on the other endpoint is another model: a candidate, named with its endpoint.
        assert digest.replacement is not None and digest.replacement.endpoint == "local-vllm"
        said = digest_text(digest)
        assert f"latest run #{live_run.run_id} on openai" in said


def _run(run_id: int, endpoint: str, model_id: str, at: datetime, passed: int, errors: int = 0) -> RunScore:
    return RunScore(run_id, endpoint, model_id, at, 10, passed, errors)


def test_labels_name_the_endpoint_only_where_one_id_runs_on_two() -> None:
    live = ("openai", LIVE_MODEL)
    found = labels([live, ("local-vllm", LIVE_MODEL), ("openai", OTHER)], live)
    assert found[live] == f"{shorten(LIVE_MODEL)} on openai (live)"
    assert found[("local-vllm", LIVE_MODEL)] == f"{shorten(LIVE_MODEL)} on local-vllm"
    assert found[("openai", OTHER)] == shorten(OTHER)


def test_long_ids_keep_their_distinguishing_end() -> None:
    a = "ft:gpt-4o-mini-2024-07-18:acme-support-team:triage-model:abc123"
    b = "ft:gpt-4o-mini-2024-07-18:acme-support-team:triage-model:def456"
    assert len(shorten(a)) == 40 and shorten(a) != shorten(b)
    assert shorten(a).startswith("ft:gpt-4o") and shorten(a).endswith("abc123")


def test_chart_fits_its_span_keeps_100_percent_inside_and_drops_outage_runs() -> None:
    start = datetime(2026, 11, 20, 8, tzinfo=UTC)
    runs = [
        _run(1, "openai", LIVE_MODEL, start, 10),  # 100%
        _run(2, "openai", LIVE_MODEL, start + timedelta(hours=3), 7),
        _run(3, "openai", LIVE_MODEL, start + timedelta(hours=6), 0, errors=10),  # nothing answered
        _run(4, "openai", OTHER, start + timedelta(hours=9), 8),
    ]
    by_model = runs_by_model(runs)
    assert [r.run_id for r in by_model[("openai", LIVE_MODEL)]] == [1, 2]
    figure = draw(by_model, ("openai", LIVE_MODEL))
    try:
        axes = figure.axes[0]
        assert axes.get_ylim()[1] > 100
        ticks = [t.get_text() for t in axes.get_xticklabels() if t.get_text()]
        assert len(ticks) >= 3 and len(set(ticks)) == len(ticks), ticks  # hours apart read as hours
        legend = [t.get_text() for t in axes.get_legend().get_texts()]
        assert legend == [f"{shorten(LIVE_MODEL)} (live)", shorten(OTHER)]
    finally:
        plt.close(figure)
    assert pass_rate_chart([runs[2]]) is None  # only an outage run: nothing to draw


async def test_digest_chart_can_be_written_to_a_file_from_the_command_line(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn, tmp_path: Path
) -> None:
    async with open_services(sqlite_url, slack_standin, openai_standin) as services:
        await seed_cases(services)
        script_all(openai_standin, LIVE_MODEL, right=True)
        await services.eval_runner.run("openai", LIVE_MODEL, trigger="cli")
    chart = tmp_path / "chart.png"
    env = {
        "DATABASE_URL": sqlite_url,
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": f"{openai_standin.base_url}/v1",
        "TRIAGE_DEFAULT_MODEL": LIVE_MODEL,
    }
    result = await asyncio.to_thread(run, tmp_path, "digest", "--days", "1", "--chart", str(chart), **env)
    assert result.returncode == 0, result.stderr
    assert f"Chart written to {chart}" in result.stdout
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_the_live_models_triage_figures_are_answered_from_covering_indexes(sqlite_url: str) -> None:
    # With the endpoint in the filter, an index without it would read every row of the period.
    from sqlalchemy import event

    from bot.digest.queries import triage_figures
    from storage.db import Database

    db = Database(sqlite_url)
    statements: list[tuple[str, tuple]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    now = datetime.now(UTC)
    try:
        async with db.session() as session:
            await triage_figures(session, ("openai", LIVE_MODEL), now - timedelta(days=1), now)
            event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
            plans = []
            for statement, parameters in statements:
                if "triages" not in statement:
                    continue
                rows = (await session.connection()).exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters
                )
                plans.append(" ".join(str(r[-1]) for r in (await rows).all()))
    finally:
        await db.dispose()
    live_plans = [p for p in plans if "ix_triages_model_endpoint" in p]
    assert live_plans and all("COVERING INDEX" in p for p in live_plans), plans


async def test_the_digest_says_what_the_live_model_cost_and_unknown_stays_unknown(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    from bot.quality.costs import parse_prices
    from storage.models import QualityCheck, Triage

    now = datetime.now(UTC)
    async with open_services(sqlite_url, slack_standin, openai_standin) as services:
        async with services.db.transaction() as session:
            for i in range(4):
                triage = Triage(
                    created_at=now - timedelta(hours=1),
                    source="command",
                    input_text=f"m{i}",
                    endpoint="openai",
                    model_id=LIVE_MODEL,
                    prompt_version="triage_v1",
                    status="ok",
                    urgency="low",
                    category="other",
                    latency_ms=500,
                    prompt_tokens=1000,
                    completion_tokens=100,
                )
                session.add(triage)
                await session.flush()
                session.add(
                    QualityCheck(
                        created_at=now - timedelta(minutes=30),
                        kind="review",
                        endpoint="openai",
                        model_id=LIVE_MODEL,
                        triage_id=triage.id,
                        passed=i < 2,
                    )
                )
        window = {"start": now - timedelta(days=1), "end": now, "now": now}
        unpriced = await build_digest(services.db, services.models, **window)
        assert "cost unknown (no price set for this model: TRIAGE_PRICES)" in digest_text(unpriced)
        prices = parse_prices(
            [{"model": "ft:gpt-4o-mini-2024-07-18:*", "input_per_million": 0.3, "output_per_million": 1.2}]
        )
        priced = await build_digest(services.db, services.models, prices=prices, **window)
    assert priced.cost is not None
    assert priced.cost.total == pytest.approx(4 * (1000 * 0.3 + 100 * 1.2) / 1_000_000)
    assert priced.cost.correct == 2 and priced.cost.per_correct == pytest.approx(priced.cost.total / 2)
    assert (
        "Cost of the live model: $0.00 for 4 call(s): $0.00042 a triage, $0.00084 per correct answer"
        in digest_text(priced)
    )
