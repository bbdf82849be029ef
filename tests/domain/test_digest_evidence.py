"""The digest's classification-grade figures (issue 11): per-class table, kappa with the human
ceiling, the paired test against the previous model, incidents and spend of the period, and the
chart's second panel. Hand-counted on the four golden cases; the blocks pass the strict stand-in."""

from __future__ import annotations

import json
import struct
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from bot.digest.build import CHART_WINDOW, build_digest, chart_history
from bot.digest.chart import draw, pass_rate_chart, runs_by_model, shorten
from bot.digest.evidence import recall_history
from bot.digest.text import digest_text
from bot.quality.costs import parse_prices
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from bot.standins.slack_blockkit import blocks_problem
from commands.block_kit import as_dicts
from commands.digest.blocks import TABLE_MAX_ROWS, class_table, digest_blocks
from storage.models import Deployment, Incident
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.eval_set_setup import with_eval_set
from tests.support.quality_services import open_services, script_all, seed_cases

NEW = "ft:gpt-4o-mini-2024-07-18:acme:triage:new00042"
ANSWER = {"summary": "s", "next_step": "n"}


@pytest.fixture
async def services(
    any_db_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> AsyncIterator[Services]:
    """Both databases: the aggregates are SQL, and PostgreSQL is stricter about types than SQLite."""
    async with open_services(any_db_url, slack_standin, openai_standin, triage_model_max_retries=0) as built:
        yield built


def _rows(table: dict) -> dict[str, list[str]]:
    return {row[0]["text"]: [cell["text"] for cell in row[1:]] for row in table["rows"]}


@pytest.fixture
async def digest_world(services: Services, openai_standin: OpenAIStandIn) -> Services:
    await seed_cases(services)
    runner = services.eval_runner
    script_all(openai_standin, LIVE_MODEL, right=True)
    script_all(openai_standin, LIVE_MODEL, right=False, only=["Case C"])
    await runner.run("openai", LIVE_MODEL, trigger="cli")
    openai_standin.add_model(NEW)
    script_all(openai_standin, NEW, right=True)
    openai_standin.script_for_model(NEW, "Case D:", {"urgency": "high", "category": "billing", **ANSWER})
    async with services.db.transaction() as session:
        session.add(
            Deployment(
                endpoint="openai",
                model_id=NEW,
                previous_endpoint="openai",
                previous_model_id=LIVE_MODEL,
                kind="switch",
                requested_by="U0LEAD",
                approved_by="U0OTHER",
            )
        )
    await runner.run("openai", NEW, trigger="cli")
    now = datetime.now(UTC)
    async with services.db.transaction() as session:
        session.add(
            Incident(
                monitor="failure_rate",
                endpoint="openai",
                model_id=NEW,
                level="alert",
                worst_level="alert",
                value=0.25,
                detail="5 of 20 triages failed",
                opened_at=now - timedelta(hours=2),
                resolved_at=now - timedelta(hours=1),
            )
        )
        session.add(  # resolved before the period: not the digest's business
            Incident(
                monitor="latency_p95",
                endpoint="openai",
                model_id=LIVE_MODEL,
                level="warning",
                worst_level="warning",
                opened_at=now - timedelta(days=3),
                resolved_at=now - timedelta(days=2),
            )
        )
    return services


async def test_digest_figures_by_hand(digest_world: Services) -> None:
    world = digest_world
    now = datetime.now(UTC)
    prices = parse_prices([{"model": NEW, "input_per_million": 1.0, "output_per_million": 1.0}])
    digest = await build_digest(
        world.db,
        world.models,
        start=now - timedelta(days=1),
        end=now + timedelta(seconds=1),
        now=now,
        prices=prices,
        categories=world.settings.triage_categories,
    )
    assert digest.evidence is not None and digest.paired is not None
    category = {c.label: c for c in digest.evidence.category.classes}
    # Expected outage, billing, other, bug; answered outage, billing, other, billing.
    assert (category["billing"].support, category["billing"].predicted, category["billing"].precision) == (
        1,
        2,
        0.5,
    )
    assert (category["bug"].recall, category["outage"].recall, category["billing"].recall) == (0.0, 1.0, 1.0)
    assert (digest.paired.fixed, digest.paired.broken, digest.paired.n) == (1, 1, 4)
    said = digest_text(digest)
    assert f"Paired with the previous model {LIVE_MODEL}" in said
    assert "no significant difference (n=4): 1 fixed, 1 broken" in said
    assert "urgency n too small (n=4)" in said  # 4 cases: no kappa pretended
    assert "human ceiling: no triage has two reviewers yet" in said
    assert "category bug: recall 0.0% (0/1), precision n/a" in said
    # One incident of the period, the one resolved two days ago left out.
    assert [i.monitor for i in digest.incidents] == ["failure_rate"]
    assert "failure_rate on " + NEW in said and "latency_p95" not in said
    # Spend: the 8 eval calls of the period; the old model's 4 have no price, so a lower bound.
    assert digest.spend is not None and (digest.spend.calls, digest.spend.unpriced_calls) == (8, 4)
    assert digest.spend.total is not None and digest.spend.total > 0
    assert "at least: 4 call(s) have no price" in said

    blocks = as_dicts(digest_blocks(digest))
    assert blocks_problem(blocks) is None  # what Slack would accept
    (table,) = [b for b in blocks if b["type"] == "table"]  # Slack allows one table a message
    rows = _rows(table)
    assert rows["Class"] == ["Support", "Precision", "Recall", "F1"]
    assert rows["category: bug"] == ["1", "n/a", "0.0%", "n/a"]
    assert rows["category: billing"] == ["1", "50.0%", "100.0%", "0.67"]
    assert "category: account" not in rows  # no case, no answer: left out


def test_class_table_stays_within_slacks_row_limit() -> None:
    from bot.quality.evidence import FieldEvidence, RunEvidence
    from bot.quality.metrics import Accuracy, ClassFigures

    many = [ClassFigures(f"c{i:03d}", 1, 1, 1) for i in range(100)]
    urgency = [ClassFigures(u, 2, 2, 1) for u in ("low", "medium", "high", "critical")]
    evidence = RunEvidence(
        1,
        FieldEvidence("urgency", Accuracy(4, 8), None, urgency),
        FieldEvidence("category", Accuracy(100, 100), None, many),
        {},
    )
    table = as_dicts([class_table(evidence)])
    assert blocks_problem(table) is None
    rows = table[0]["rows"]
    assert len(rows) == TABLE_MAX_ROWS and all(len(r) == 5 for r in rows)
    assert rows[-1][0]["text"] == "…and 6 more classes (triagebot eval show)"


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


async def test_chart_second_panel_shows_category_recall_and_every_model_in_the_legend(
    digest_world: Services,
) -> None:
    now = datetime.now(UTC)
    history = await chart_history(digest_world.db, now + timedelta(seconds=1))
    live = ("openai", NEW)
    recalls = await recall_history(digest_world.db, live, now - CHART_WINDOW)
    assert {(r.label, r.support, r.hits) for r in recalls} == {
        ("outage", 1, 1),
        ("billing", 1, 1),
        ("other", 1, 1),
        ("bug", 1, 0),
    }
    figure = draw(runs_by_model(history), live, recalls)
    try:
        top, lower = figure.axes
        models = [t.get_text() for t in top.get_legend().get_texts()]
        assert models == [shorten(LIVE_MODEL), f"{shorten(NEW)} (live)"]  # every model of the period
        classes = [t.get_text() for t in lower.get_legend().get_texts()]
        assert classes == ["billing", "bug", "other", "outage"]
        bug = lower.get_lines()[classes.index("bug")]
        assert list(bug.get_ydata()) == [0.0]
        assert tuple(figure.get_size_inches()) == (9.0, 8.5)
    finally:
        plt.close(figure)
    width, height = _png_size(pass_rate_chart(history, live, recalls) or b"")
    assert 800 <= width <= 1600 and 700 <= height <= 1200  # two panels, readable, not a poster
    _, one_panel_height = _png_size(pass_rate_chart(history, live) or b"")
    assert one_panel_height < height


def test_digest_command_shows_the_class_table_and_kappa_over_http(
    bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_eval_set(bot, tmp_path, monkeypatch)
    script_all(bot.openai, LIVE_MODEL, right=True)
    bot.send.command("/model", "eval")
    bot.slack.wait_for(
        "response_url", lambda c: "Pass rate: 100.0%" in str(c.params.get("blocks")), timeout=10
    )

    bot.send.command("/digest", "", user_id="U0LEAD")
    (delivered,) = bot.slack.wait_for(
        "response_url", lambda c: "Triage model digest" in str(c.params.get("blocks"))
    )
    blocks = delivered.params["blocks"]  # accepted by the strict stand-in: valid Block Kit
    (table,) = [b for b in blocks if b["type"] == "table"]
    rows = _rows(table)
    assert rows["category: outage"] == ["1", "100.0%", "100.0%", "1.00"]
    assert rows["urgency: critical"][2] == "100.0%"
    shown = json.dumps(blocks)
    assert "Kappa (run #1)" in shown and "human ceiling" in shown
    assert "Paired test: no eval run of the previous model" in shown
    assert "Monitor incidents: none in this period." in shown
    assert "Spend (every model call: live, shadow, eval): unknown" in shown


def test_the_sandbox_shows_a_table_as_aligned_columns() -> None:
    from bot.quality.evidence import FieldEvidence, RunEvidence
    from bot.quality.metrics import Accuracy, ClassFigures
    from bot.sandbox.render import Directory, blocks_text

    evidence = RunEvidence(
        1,
        FieldEvidence("urgency", Accuracy(1, 1), None, [ClassFigures("high", 1, 1, 1)]),
        FieldEvidence("category", Accuracy(0, 1), None, [ClassFigures("bug", 1, 0, 0)]),
        {},
    )
    lines = blocks_text(as_dicts([class_table(evidence)]), "", lambda *_: 1, Directory({}, {}))
    assert lines[0].split() == ["Class", "Support", "Precision", "Recall", "F1"]
    assert set(lines[1].strip()) <= {"─", " "}
    assert lines[2].split() == ["urgency:", "high", "1", "100.0%", "100.0%", "1.00"]
    assert lines[3].split() == ["category:", "bug", "1", "n/a", "0.0%", "n/a"]
    assert lines[2].index("100.0%") == lines[3].index("n/a")  # columns line up


async def test_digest_pairs_the_models_on_judged_shadow_pairs(services: Services) -> None:
    """The live model was shadowed against the previous one: 3 pairs agreed, reviewers judged 6
    disagreements for it, 1 for neither, and 2 were never judged. McNemar on 6 fixed, 0 broken:
    p = 2 x 0.5^6 = 0.031, better."""
    from storage.models import ShadowPair, ShadowRoute, Triage

    async with services.db.transaction() as session:
        route = ShadowRoute(started_by="U0LEAD", endpoint="openai", model_id=NEW)
        session.add(route)
        await session.flush()
        verdicts = [None] * 3 + ["candidate"] * 6 + ["neither"] + [None] * 2
        for i, verdict in enumerate(verdicts):
            live = Triage(
                source="command",
                input_text=f"message {i}",
                endpoint="openai",
                model_id=LIVE_MODEL,
                prompt_version="triage_v1",
                status="ok",
                urgency="high",
                category="bug",
            )
            session.add(live)
            await session.flush()
            assert route.id is not None and live.id is not None
            session.add(
                ShadowPair(
                    route_id=route.id,
                    triage_id=live.id,
                    endpoint="openai",
                    model_id=NEW,
                    status="ok",
                    urgency="high",
                    category="bug" if i < 3 else "billing",
                    verdict=verdict,
                )
            )
        session.add(
            Deployment(
                endpoint="openai",
                model_id=NEW,
                previous_endpoint="openai",
                previous_model_id=LIVE_MODEL,
                kind="switch",
                requested_by="U0LEAD",
                approved_by="U0OTHER",
            )
        )
    now = datetime.now(UTC)
    digest = await build_digest(services.db, services.models, start=now - timedelta(days=1), end=now, now=now)
    assert digest.paired_reviews is not None
    paired = digest.paired_reviews
    assert (paired.both_right, paired.fixed, paired.broken, paired.both_wrong) == (3, 6, 0, 1)
    assert paired.p_value == pytest.approx(2 / 64) and paired.verdict == "better"
    said = digest_text(digest)
    assert f"Paired on live traffic (shadow pairs judged by reviewers, against {LIVE_MODEL}): better" in said
    assert blocks_problem(as_dicts(digest_blocks(digest))) is None
