"""Behaviour snapshots (issue 12): recorded, resumable without paying twice, and compared with a
replacement after the snapshot's own model has stopped answering."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.services import Services
from bot.snapshots.compare import compare_with_model
from bot.snapshots.record import record
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.models import Triage
from tests.support.app_under_test import LIVE_MODEL, OPENAI_KEY
from tests.support.cli_process import run
from tests.support.quality_services import CASES, open_services, script_all, seed_cases, services  # noqa: F401

CANDIDATE = "ft:gpt-4o-mini-2024-07-18:acme:triage:cand0002"
LIVE_INPUTS = ["The app crashes when I upload a photo", "Please cancel my plan", "Case A: the site is down for everyone"]


async def _seed(services: Services) -> None:  # noqa: F811
    await seed_cases(services)
    async with services.db.transaction() as session:
        for i, text in enumerate(LIVE_INPUTS * 2):  # each twice: distinct inputs only
            session.add(
                Triage(
                    created_at=datetime.now(UTC),
                    source="command",
                    input_text=text,
                    endpoint="openai",
                    model_id=LIVE_MODEL,
                    prompt_version="triage_v1",
                    status="ok",
                    urgency="low",
                    category="other",
                    latency_ms=10 + i,
                )
            )


def _settings(services: Services) -> dict:  # noqa: F811
    return {"categories": services.settings.triage_categories, "concurrency": 2}


async def test_a_snapshot_resumes_where_it_stopped_without_paying_again(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    await _seed(services)
    script_all(openai_standin, LIVE_MODEL, right=True)
    openai_standin.fail_next("server_error", times=2, model=LIVE_MODEL)  # retries are off here
    first = await record(services.db, services.models, "openai", LIVE_MODEL, by="U0LEAD", recent=10, **_settings(services))
    # 4 golden cases + 2 live inputs (the third live input is golden case A itself).
    assert first.snapshot.input_count == len(CASES) + 2
    assert (first.answered, first.failed, first.complete) == (4, 2, False)

    calls_before = len(openai_standin.chat_requests())
    again = await record(services.db, services.models, "openai", LIVE_MODEL, by="U0LEAD", recent=10, **_settings(services))
    assert again.resumed and again.snapshot.id == first.snapshot.id
    assert (again.answered, again.failed, again.complete) == (6, 0, True)
    assert len(openai_standin.chat_requests()) - calls_before == 2  # only the two that had failed


async def test_a_replacement_is_compared_after_the_snapshots_model_shut_down(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    await _seed(services)
    script_all(openai_standin, LIVE_MODEL, right=True)
    done = await record(services.db, services.models, "openai", LIVE_MODEL, by="U0LEAD", recent=10, **_settings(services))
    assert done.complete

    openai_standin.remove_model(LIVE_MODEL)  # 2027-01-14: the base and its fine-tunes stop answering
    openai_standin.add_model(CANDIDATE)
    script_all(openai_standin, CANDIDATE, right=True)
    script_all(openai_standin, CANDIDATE, right=False, only=["Case B"])  # high -> medium on one case
    result, other = await compare_with_model(
        services.db, services.models, done.snapshot, "openai", CANDIDATE, by="U0LEAD", **_settings(services)
    )
    assert other.complete and result.urgency.n == done.snapshot.input_count
    assert result.category.correct == result.category.n  # categories all agree
    assert result.urgency.correct == result.urgency.n - 1
    assert result.differing == 1 and result.differences[0].input_text.startswith("Case B")
    assert (result.golden.fixed, result.golden.broken) == (0, 1)

    calls = len(openai_standin.chat_requests())
    await compare_with_model(
        services.db, services.models, done.snapshot, "openai", CANDIDATE, by="U0LEAD", **_settings(services)
    )
    assert len(openai_standin.chat_requests()) == calls  # a finished comparison costs nothing again


async def test_snapshot_commands_end_to_end(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn, tmp_path: Path
) -> None:
    async with open_services(sqlite_url, slack_standin, openai_standin) as built:
        await _seed(built)
    script_all(openai_standin, LIVE_MODEL, right=True)
    env = {
        "DATABASE_URL": sqlite_url,
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": f"{openai_standin.base_url}/v1",
        "TRIAGE_DEFAULT_MODEL": LIVE_MODEL,
    }
    recorded = await asyncio.to_thread(run, tmp_path, "snapshot", "record", "--name", "before-shutdown", **env)
    assert recorded.returncode == 0, recorded.stderr
    assert "Recorded #1 'before-shutdown'" in recorded.stdout and "6/6 inputs" in recorded.stdout

    openai_standin.remove_model(LIVE_MODEL)
    openai_standin.add_model(CANDIDATE)
    script_all(openai_standin, CANDIDATE, right=True)
    compared = await asyncio.to_thread(run, tmp_path, "snapshot", "compare", "--model", CANDIDATE, **env)
    assert compared.returncode == 0, compared.stderr
    assert f"{CANDIDATE} on openai against snapshot #1" in compared.stdout
    assert "urgency agreement 100.0% (6/6), n too small for an interval" in compared.stdout
    assert "0 input(s) answered differently." in compared.stdout

    listed = await asyncio.to_thread(run, tmp_path, "snapshot", "list", **env)
    assert "#1 'before-shutdown'" in listed.stdout and f"#2 '{CANDIDATE} on openai vs #1'" in listed.stdout
    missing = await asyncio.to_thread(run, tmp_path, "snapshot", "compare", "--model", CANDIDATE, "--snapshot", "nope", **env)
    assert missing.returncode != 0 and "No such snapshot" in missing.stderr + missing.stdout
