"""Eval set import/export and eval runs, as an operator uses them from the CLI and as the bot runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import cli
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.models import EvalCase, EvalRun, QualityCheck
from tests.support.app_under_test import LIVE_MODEL, Bot, make_settings
from tests.support.quality_services import CASES, jsonl, script_all, seed_cases, services  # noqa: F401

CANDIDATE = "ft:gpt-4o-mini-2024-07-18:acme:triage:cand0002"


def rows(db_url: str, model: type, *where: object) -> list:
    return Bot("", db_url, None, None, None, None).rows(model, *where)  # type: ignore[arg-type]


def test_import_reports_every_bad_line_and_imports_nothing(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        CASES[0],
        "{not json",
        {"input": "x", "expected": {"urgency": "urgent", "category": "bug"}},
        {"input": "y", "expected": {"urgency": "low", "category": "sales"}},
        {"input": "   ", "expected": {"urgency": "low", "category": "bug"}},
        {"input": "z" * 9000, "expected": {"urgency": "low", "category": "bug"}},
        {"input": "no labels"},
        CASES[1],
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text(jsonl(lines))

    assert cli.main(["eval", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Nothing was imported" in err
    for number, words in [(2, "not valid JSON"), (3, "urgent"), (4, "sales"), (5, "empty"), (6, "8,000")]:
        assert f"line {number}: " in err and words in err
    assert "line 7: " in err and "expected" in err
    assert "line 1:" not in err and "line 8:" not in err
    assert "Traceback" not in err
    assert rows(cli_env, EvalCase) == []


def test_import_then_export_round_trips_and_reimport_adds_nothing(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_text(jsonl([*CASES[:3], {**CASES[3], "note": "crash on save is a bug"}]))
    assert cli.main(["eval", "import", str(source)]) == 0
    assert "Imported 4 case(s)" in capsys.readouterr().out

    exported = tmp_path / "out.jsonl"
    assert cli.main(["eval", "export", "--output", str(exported)]) == 0
    got = [json.loads(line) for line in exported.read_text().splitlines()]
    assert [(g["input"], g["expected"]) for g in got] == [(c["input"], c["expected"]) for c in CASES]
    assert got[3]["note"] == "crash on save is a bug"

    capsys.readouterr()
    assert cli.main(["eval", "import", str(exported)]) == 0
    assert "Imported 0 case(s)" in capsys.readouterr().out
    assert len(rows(cli_env, EvalCase)) == 4


def test_relabelled_case_already_in_the_set_is_refused(cli_env: str, tmp_path: Path, capsys) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_text(jsonl(CASES))
    assert cli.main(["eval", "import", str(source)]) == 0
    changed = {**CASES[1], "expected": {"urgency": "low", "category": "billing"}}
    source.write_text(
        jsonl([{"input": "new one", "expected": {"urgency": "low", "category": "bug"}}, changed])
    )
    assert cli.main(["eval", "import", str(source)]) == 1
    assert "line 2: already in the eval set" in capsys.readouterr().err
    assert len(rows(cli_env, EvalCase)) == 4


async def test_eval_run_stores_one_check_per_case_and_summarises(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    await seed_cases(services)
    script_all(openai_standin, CANDIDATE, right=True)
    script_all(openai_standin, CANDIDATE, right=False, only=["Case B"])
    openai_standin.add_model(CANDIDATE)
    seen: list[tuple[int, int]] = []

    summary = await services.eval_runner.run(
        "openai", CANDIDATE, trigger="cli", progress=lambda d, t: seen.append((d, t))
    )

    assert (summary.cases, summary.passed, summary.errors) == (4, 3, 0)
    assert summary.pass_rate == 0.75
    assert summary.urgency_accuracy == 0.75 and summary.category_accuracy == 1.0
    assert summary.latency_p50_ms is not None and summary.latency_p95_ms is not None
    assert seen[-1] == (4, 4)
    async with services.db.session() as session:
        from sqlmodel import select

        checks = (await session.exec(select(QualityCheck))).all()
        run = (await session.exec(select(EvalRun))).one()
    assert run.status == "finished" and run.passed_count == 3 and run.model_id == CANDIDATE
    assert len(checks) == 4 and all(c.kind == "eval" and c.run_id == run.id for c in checks)
    wrong = [c for c in checks if not c.passed]
    assert len(wrong) == 1 and wrong[0].urgency_match is False and wrong[0].category_match is True
    assert wrong[0].output["urgency"] == "medium"
    # Same prompt as live triage.
    request = openai_standin.chat_requests()[0]
    assert (
        request["messages"][0]["role"] == "system" and "Category labels" in request["messages"][0]["content"]
    )


async def test_rate_limited_case_is_stored_as_an_error_and_the_rest_still_run(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    await seed_cases(services)
    script_all(openai_standin, LIVE_MODEL, right=True)
    openai_standin.fail_next("rate_limit", times=1, retry_after=0.01)

    summary = await services.eval_runner.run("openai", LIVE_MODEL, trigger="cli")

    assert (summary.cases, summary.passed, summary.errors) == (4, 3, 1)
    async with services.db.session() as session:
        from sqlmodel import select

        (errored,) = (await session.exec(select(QualityCheck).where(QualityCheck.error.is_not(None)))).all()  # type: ignore[union-attr]
    assert "rate" in errored.error and errored.passed is False


def test_cli_eval_run_prints_the_summary(
    cli_env: str, tmp_path: Path, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_text(jsonl(CASES))
    assert cli.main(["eval", "import", str(source)]) == 0
    script_all(openai_standin, LIVE_MODEL, right=True)
    capsys.readouterr()

    assert cli.main(["eval", "run"]) == 0
    out = capsys.readouterr().out
    assert LIVE_MODEL in out and "Pass rate: 100.0% (4/4 cases)" in out
    assert "p50" in out and "Errors: none" in out


def test_cli_eval_run_on_empty_set_says_what_to_do(cli_env: str, capsys) -> None:
    assert cli.main(["eval", "run", "--model", CANDIDATE]) == 1
    assert "eval set is empty" in capsys.readouterr().err


def test_make_settings_helper_is_usable(sqlite_url: str, slack_standin: SlackStandIn, openai_standin) -> None:
    assert make_settings(sqlite_url, slack_standin, openai_standin).triage_eval_concurrency == 8
