"""The shadow-disagreement and spend-per-day monitors (issue 11), on stored rows with hand-counted
values; an unknown price is no data, never $0."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.monitors.examples import examples
from bot.monitors.service import evaluate, states
from bot.monitors.specs import DEFAULT_SPECS, Level, configured_specs
from bot.quality.costs import parse_prices
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.models import ShadowPair, ShadowRoute, Triage
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import responses
from tests.support.quality_services import open_services
from tests.support.review_requests import triage_and_get_buttons

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CANDIDATE = "ft:gpt-4o-mini-2024-07-18:acme:triage:cand9"
SHADOW = next(spec for spec in DEFAULT_SPECS if spec.name == "shadow_disagreement")
SPEND = next(spec for spec in DEFAULT_SPECS if spec.name == "spend_per_day")


@pytest.fixture
async def services(
    any_db_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> AsyncIterator[Services]:
    """Both databases: the aggregates are SQL, and PostgreSQL is stricter about types than SQLite."""
    async with open_services(any_db_url, slack_standin, openai_standin, triage_model_max_retries=0) as built:
        yield built


def triage(i: int, at: datetime, *, model: str = LIVE_MODEL, tokens: tuple[int, int] | None = None) -> Triage:
    return Triage(
        created_at=at,
        source="command",
        input_text=f"message {i}",
        endpoint="openai",
        model_id=model,
        prompt_version="triage_v1",
        status="ok",
        urgency="high",
        category="bug",
        latency_ms=100,
        prompt_tokens=tokens[0] if tokens else None,
        completion_tokens=tokens[1] if tokens else None,
    )


async def shadow_pairs(services: Services, agree: int, differ: int, failed: int = 0) -> None:
    at = NOW - timedelta(hours=1)
    async with services.db.transaction() as session:
        route = ShadowRoute(started_by="U0LEAD", endpoint="openai", model_id=CANDIDATE)
        session.add(route)
        await session.flush()
        for i in range(agree + differ + failed):
            live = triage(i, at)
            session.add(live)
            await session.flush()
            assert route.id is not None and live.id is not None
            session.add(
                ShadowPair(
                    created_at=at,
                    route_id=route.id,
                    triage_id=live.id,
                    endpoint="openai",
                    model_id=CANDIDATE,
                    status="failed" if i >= agree + differ else "ok",
                    urgency="high",
                    category="bug" if i < agree else "billing",
                    prompt_tokens=1000,
                    completion_tokens=100,
                )
            )


async def test_shadow_disagreement_counts_answered_pairs_only_and_alerts(services: Services) -> None:
    # 24 agree, 16 disagree (category), 5 candidate errors left out: 16 / 40 = 40% > 35% alert.
    await shadow_pairs(services, agree=24, differ=16, failed=5)
    (state,) = await states(services.db, [SHADOW], NOW)
    assert state.reading is not None and state.reading.value == 0.4 and state.reading.sample == 40
    assert state.level is Level.ALERT and state.reading.detail == "16 of 40 shadow pairs disagree"
    (opened,) = await evaluate(services.db, [SHADOW], NOW)
    found = await examples(services.db, opened.incident, SHADOW, NOW)
    assert len(found) == 5 and all("candidate" in e.note and "billing" in e.note for e in found)
    # Below the minimum sample: no data, whatever the rate.
    assert replace(SHADOW, min_sample=41).level(0.4, 40) is Level.NO_DATA


async def test_shadow_disagreement_without_pairs_is_no_data(services: Services) -> None:
    (state,) = await states(services.db, [SHADOW], NOW)
    assert state.level is Level.NO_DATA and state.reading is not None and state.reading.value is None


async def test_spend_per_day_prices_live_shadow_calls_and_unknown_is_no_data_never_zero(
    services: Services,
) -> None:
    await shadow_pairs(services, agree=10, differ=0)  # 10 live triages without tokens, 10 candidate calls
    async with services.db.transaction() as session:
        for i in range(20):
            session.add(triage(100 + i, NOW - timedelta(hours=2), tokens=(2000, 500)))
        session.add(triage(200, NOW - timedelta(days=2), tokens=(10**9, 10**9)))  # outside the window
    spend = replace(SPEND, warning=0.5, alert=1.0)

    # No price for anything: calls were made, so the cost is unknown: no data, not $0.
    (unknown,) = await states(services.db, [spend], NOW)
    assert unknown.level is Level.NO_DATA and unknown.reading is not None and unknown.reading.value is None
    assert "no price known" in unknown.reading.detail

    # Live: 20 priced triages x (2000 x $10 + 500 x $40) / 1M = 20 x $0.04 = $0.80 (the 10 without
    # token counts cannot be priced). Candidate: 10 x (1000 x $1 + 100 x $2) / 1M = $0.012.
    prices = parse_prices(
        [
            {"model": LIVE_MODEL, "input_per_million": 10, "output_per_million": 40},
            {"model": CANDIDATE, "input_per_million": 1, "output_per_million": 2},
        ]
    )
    (priced,) = await states(services.db, [spend], NOW, prices)
    assert priced.reading is not None and round(priced.reading.value or 0, 6) == 0.812
    assert priced.level is Level.WARNING and priced.reading.sample == 40
    assert "at least" in priced.reading.detail and "10 call(s)" in priced.reading.detail
    assert spend.shown(priced.reading.value) == "$0.81"


async def test_spend_with_no_calls_is_a_known_zero(services: Services) -> None:
    (state,) = await states(services.db, [SPEND], NOW)
    assert state.reading is not None and state.reading.value == 0.0 and state.level is Level.OK


def test_both_monitors_are_configurable_like_the_others() -> None:
    specs = {
        s.name: s
        for s in configured_specs(
            {"spend_per_day": {"alert": 500}, "shadow_disagreement": {"enabled": False}}
        )
    }
    assert specs["spend_per_day"].alert == 500 and specs["spend_per_day"].warning == SPEND.warning
    assert specs["shadow_disagreement"].enabled is False


def test_model_monitors_lists_shadow_disagreement_and_spend_over_http(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    prices = [{"model": "ft:gpt-4o-mini-2024-07-18:*", "input_per_million": 0.3, "output_per_million": 1.2}]
    bot = bot_factory(sqlite_url, triage_prices=prices)
    triage_and_get_buttons(bot)  # one priced call: a few millionths of a dollar
    _, url = bot.send.command("/model", "monitors", user_id="U0AGENT")
    (answer,) = responses(bot, url)
    shown = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "*shadow_disagreement*" in shown and "*spend_per_day*" in shown
    assert (
        "Value *no data* (0 samples, needs 30) over the last 24 h; warning ≥ 20.0% · alert ≥ 35.0%" in shown
    )
    # A spend under a cent is shown to the hundred-thousandth: "$0.00" would read as nothing spent.
    spent = re.search(r"Value \*\$(0\.\d{5})\* \(1 samples, needs 0\) over the last 24 h", shown)
    assert spent is not None and float(spent.group(1)) > 0
    assert "warning ≥ $50.00 · alert ≥ $100.00" in shown
