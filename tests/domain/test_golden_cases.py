"""Golden cases can be corrected and retired, every change recorded; runs list what they failed
(issue 15, items 6 and 12)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import select

from bot.errors import InvalidInput
from bot.quality.eval_set import count_cases, export_lines
from bot.quality.gate import _newest_case_at
from bot.quality.golden_cases import CaseEdit, edit_case, failed_cases, retire_case
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.models import EvalCaseChange, QualityCheck
from tests.support.app_under_test import LIVE_MODEL, OPENAI_KEY
from tests.support.cli_process import run
from tests.support.quality_services import open_services, script_all, seed_cases, services  # noqa: F401

CATEGORIES = ["billing", "bug", "account", "feature_request", "outage", "other"]


async def test_a_correction_changes_what_runs_expect_and_is_recorded(services: Services) -> None:  # noqa: F811
    await seed_cases(services)
    before = await _newest_case_at(services.db)
    case = await edit_case(
        services.db, 2, CaseEdit(urgency="critical"), by="U0LEAD", categories=CATEGORIES, reason="double charge"
    )
    assert (case.expected_urgency, case.expected_category) == ("critical", "billing")
    assert await _newest_case_at(services.db) > before  # type: ignore[operator]  # older runs now stale
    async with services.db.session() as session:
        (change,) = (await session.exec(select(EvalCaseChange))).all()
    assert (change.case_id, change.changed_by, change.action, change.reason) == (2, "U0LEAD", "edit", "double charge")
    assert change.before["urgency"] == "high" and change.after is not None and change.after["urgency"] == "critical"

    with pytest.raises(InvalidInput, match="nothing changed"):
        await edit_case(services.db, 2, CaseEdit(urgency="critical"), by="U0LEAD", categories=CATEGORIES)
    with pytest.raises(InvalidInput, match="Category must be one of"):
        await edit_case(services.db, 2, CaseEdit(category="refunds"), by="U0LEAD", categories=CATEGORIES)


async def test_a_retired_case_is_no_longer_run_and_old_verdicts_keep_their_labels(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    await seed_cases(services)
    script_all(openai_standin, LIVE_MODEL, right=True)
    first = await services.eval_runner.run("openai", LIVE_MODEL, trigger="cli")
    assert first.cases == 4

    await edit_case(services.db, 1, CaseEdit(urgency="low"), by="U0LEAD", categories=CATEGORIES)
    await retire_case(services.db, 3, by="U0LEAD", reason="ambiguous")
    assert await count_cases(services.db) == 3
    assert all('"id": 3' not in line for line in await export_lines(services.db))
    with pytest.raises(InvalidInput, match="retired"):
        await edit_case(services.db, 3, CaseEdit(urgency="low"), by="U0LEAD", categories=CATEGORIES)

    second = await services.eval_runner.run("openai", LIVE_MODEL, trigger="cli")
    assert (second.cases, second.passed) == (3, 2)  # case 1 now expects low: the model says critical
    total, shown = await failed_cases(services.db, second.run_id)
    assert total == 1 and shown[0].case_id == 1
    assert (shown[0].expected, shown[0].got) == ("low / outage", "critical / outage")
    async with services.db.session() as session:
        old = (await session.exec(select(QualityCheck).where(QualityCheck.run_id == first.run_id))).all()
    assert {c.case_id: c.expected_urgency for c in old}[1] == "critical"  # as it was when run


async def test_operators_edit_retire_and_inspect_runs_from_the_command_line(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn, tmp_path: Path
) -> None:
    async with open_services(sqlite_url, slack_standin, openai_standin) as built:
        await seed_cases(built)
        script_all(openai_standin, LIVE_MODEL, right=True)
        script_all(openai_standin, LIVE_MODEL, right=False, only=["Case B"])
        summary = await built.eval_runner.run("openai", LIVE_MODEL, trigger="cli")
    env = {
        "DATABASE_URL": sqlite_url,
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": f"{openai_standin.base_url}/v1",
        "TRIAGE_DEFAULT_MODEL": LIVE_MODEL,
    }

    shown = await asyncio.to_thread(run, tmp_path, "eval", "show", str(summary.run_id), **env)
    assert shown.returncode == 0, shown.stderr
    assert "Failed cases: 1:" in shown.stdout
    assert 'case #2 "Case B: I was charged twice": expected high / billing, got medium / billing' in shown.stdout

    edited = await asyncio.to_thread(run, tmp_path, "eval", "edit", "2", "--urgency", "medium", **env)
    assert edited.returncode == 0, edited.stderr
    assert "Golden case #2 now expects medium / billing" in edited.stdout
    wrong = await asyncio.to_thread(run, tmp_path, "eval", "edit", "2", "--urgency", "urgent", **env)
    assert wrong.returncode != 0 and "Urgency must be one of" in wrong.stderr + wrong.stdout
    retired = await asyncio.to_thread(run, tmp_path, "eval", "delete", "4", "--reason", "duplicate", **env)
    assert retired.returncode == 0 and "retired" in retired.stdout
    missing = await asyncio.to_thread(run, tmp_path, "eval", "show", "999", **env)
    assert missing.returncode != 0 and "no eval run #999" in missing.stderr + missing.stdout
    assert "Traceback" not in missing.stderr
