"""Helpers shared by the quality, digest and scheduler tests (no tests of its own)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.deployments import ensure_initial_deployment
from bot.quality.eval_set import import_cases, parse_jsonl
from bot.services import Services, build_services
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from tests.support.app_under_test import LIVE_MODEL, make_settings

CASES: list[dict[str, Any]] = [
    {
        "input": "Case A: the site is down for everyone",
        "expected": {"urgency": "critical", "category": "outage"},
    },
    {"input": "Case B: I was charged twice", "expected": {"urgency": "high", "category": "billing"}},
    {"input": "Case C: how do I export a report", "expected": {"urgency": "low", "category": "other"}},
    {"input": "Case D: the app crashes on save", "expected": {"urgency": "high", "category": "bug"}},
]


def jsonl(objs: Iterable[Any]) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objs)


def script_all(openai: OpenAIStandIn, model: str, right: bool = True, only: Iterable[str] = ()) -> None:
    """Make `model` answer every case right (or wrong); `only` limits it to cases by their prefix."""
    for case in CASES:
        prefix = case["input"].split(":")[0]
        if only and prefix not in only:
            continue
        expected = case["expected"]
        answer = {
            "urgency": expected["urgency"] if right else "medium",
            "category": expected["category"],
            "summary": "A summary.",
            "next_step": "A next step.",
        }
        openai.script_for_model(model, prefix + ":", answer)


async def seed_cases(services: Services) -> None:
    cases = parse_jsonl(jsonl(CASES).splitlines(), services.settings.triage_categories, 8000)
    await import_cases(services.db, cases)


@pytest.fixture
async def services(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> AsyncIterator[Services]:
    settings = make_settings(sqlite_url, slack_standin, openai_standin, triage_model_max_retries=0)
    built = build_services(settings)
    await ensure_initial_deployment(built.db, LIVE_MODEL)
    try:
        yield built
    finally:
        await built.close()


@asynccontextmanager
async def open_services(
    db_url: str, slack: SlackStandIn, openai: OpenAIStandIn, **overrides: Any
) -> AsyncIterator[Services]:
    """Services as one bot process builds them (its own engine), with the live model deployed."""
    settings = make_settings(db_url, slack, openai, **overrides)
    built = build_services(settings)
    await ensure_initial_deployment(built.db, LIVE_MODEL)
    try:
        yield built
    finally:
        await built.close()
