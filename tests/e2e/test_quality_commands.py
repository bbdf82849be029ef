"""/model eval and `triagebot export-training`, end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import cli
from bot.triage import system_prompt
from commands.ids import Action
from storage.models import EvalRun, QualityCheck
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.eval_set_setup import import_cases, use_bot_database
from tests.support.model_requests import CANDIDATE
from tests.support.quality_services import script_all
from tests.support.review_requests import select, submit_view, triage_and_get_buttons


def test_model_eval_acks_then_posts_the_summary(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = bot_factory(sqlite_url, triage_approvers=["U0LEAD"])  # a candidate's eval is an approver's call
    import_cases(bot, tmp_path, monkeypatch)
    bot.openai.add_model(CANDIDATE)
    script_all(bot.openai, CANDIDATE, right=True)
    script_all(bot.openai, CANDIDATE, right=False, only=["Case C"])

    response, _ = bot.send.command("/model", f"eval {CANDIDATE}", user_id="U0LEAD")

    assert response.status_code == 200
    assert "Running 4 eval case(s)" in response.json()["text"] and CANDIDATE in response.json()["text"]
    (summary,) = bot.slack.wait_for(
        "response_url", lambda c: "Pass rate" in str(c.params.get("blocks")), timeout=10
    )
    rendered = str(summary.params["blocks"])
    assert "Pass rate: 75.0% (3/4 cases)" in rendered and "Urgency accuracy: 75.0%" in rendered
    assert summary.params["response_type"] == "ephemeral"
    (run,) = bot.rows(EvalRun)
    assert (run.model_id, run.trigger, run.requested_by, run.status) == (
        CANDIDATE,
        "command",
        "U0LEAD",
        "finished",
    )
    assert len(bot.rows(QualityCheck, QualityCheck.run_id == run.id)) == 4


def test_model_eval_without_id_runs_the_live_model_and_empty_set_is_explained(
    bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    response, _ = bot.send.command("/model", "eval")
    assert "eval set is empty" in response.json()["text"]
    import_cases(bot, tmp_path, monkeypatch)
    script_all(bot.openai, LIVE_MODEL, right=True)
    bot.send.command("/model", "eval")
    bot.slack.wait_for(
        "response_url", lambda c: "Pass rate: 100.0%" in str(c.params.get("blocks")), timeout=10
    )
    (run,) = bot.rows(EvalRun)
    assert run.model_id == LIVE_MODEL


def test_model_help_lists_eval(bot: Bot) -> None:
    response, _ = bot.send.command("/model", "help")
    assert "/model eval" in json.dumps(response.json())


def test_export_training_writes_reviewed_triages_with_corrections(
    bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    confirmed = triage_and_get_buttons(bot, "I was charged twice for my subscription")[Action.REVIEW_CORRECT]
    bot.send.block_action(Action.REVIEW_CORRECT, confirmed, user_id="U0LEAD")
    bot.slack.wait_for("response_url", lambda c: "Recorded" in str(c.params.get("text")))
    corrected = triage_and_get_buttons(bot, "Our site is down, nobody can log in")[Action.REVIEW_WRONG]
    bot.send.block_action(Action.REVIEW_WRONG, corrected, user_id="U0LEAD")
    (opened,) = bot.slack.wait_for("views.open")
    values = {
        "review_urgency_block": {"review_urgency": select("critical")},
        "review_category_block": {"review_category": select("outage")},
        "review_note_block": {"review_note": {"type": "plain_text_input", "value": "outage"}},
    }
    assert submit_view(bot, opened.params["view"], values).status_code == 200
    bot.slack.wait_for("response_url", lambda c: "should have been" in str(c.params.get("blocks")))
    triage_and_get_buttons(bot, "How do I export a report?")  # never reviewed: not exported

    use_bot_database(bot, monkeypatch, tmp_path)
    out = tmp_path / "train.jsonl"
    assert cli.main(["export-training", "--output", str(out), "--since", "2020-01-01"]) == 0
    assert "Wrote 2 training example(s)" in capsys.readouterr().out
    examples = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(examples) == 2
    prompt = system_prompt(tuple(bot.settings.triage_categories))
    for example in examples:
        roles = [m["role"] for m in example["messages"]]
        assert roles == ["system", "user", "assistant"]
        assert example["messages"][0]["content"] == prompt
        answer = json.loads(example["messages"][2]["content"])
        assert set(answer) == {"urgency", "category", "summary", "next_step"}
    by_input = {e["messages"][1]["content"]: json.loads(e["messages"][2]["content"]) for e in examples}
    assert by_input["Our site is down, nobody can log in"]["category"] == "outage"
    assert by_input["Our site is down, nobody can log in"]["urgency"] == "critical"
    assert by_input["I was charged twice for my subscription"]["category"] == "billing"

    assert cli.main(["export-training", "--since", "2999-01-01"]) == 0
    assert "Wrote 0 training example(s)" in capsys.readouterr().err
