"""/model eval checks its model ID as /model switch does before spending a model call; only
approvers may evaluate anything but the live model and pending candidates; a run in which every
case errored is reported as failed, not as 0% quality (in Slack and by `triagebot eval run`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from storage.models import EvalRun
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import CANDIDATE, LEADS, approvals_bot, request_switch, responses
from tests.support.quality_services import CASES, jsonl, seed_cases, services  # noqa: F401
from tests.support.review_requests import add_eval_case


@pytest.fixture
def eval_bot(bot_factory: Callable[..., Bot], sqlite_url: str) -> Bot:
    bot = approvals_bot(bot_factory, sqlite_url)
    add_eval_case(bot)
    return bot


def eval_answers(bot: Bot, args: str, user: str) -> str:
    response, url = bot.send.command("/model", f"eval {args}".strip(), user_id=user)
    assert response.status_code == 200
    said = [response.json().get("text", "")]
    if "Running" in said[0] or "Checking" in said[0] or not said[0]:
        said += [str(p) for p in responses(bot, url)]
    return "\n".join(said)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ("<!channel>", "does not look like a model ID"),
        ("ft:bogus:x", "ft:bogus:x"),
        ("ft:x on nowhere", "no endpoint named"),
    ],
)
def test_bad_model_ids_are_refused_before_any_model_call(eval_bot: Bot, args: str, says: str) -> None:
    said = eval_answers(eval_bot, args, LEADS[0])
    assert says in said and ":warning:" in said
    assert eval_bot.rows(EvalRun) == []
    assert eval_bot.openai.chat_requests() == []


def test_only_approvers_evaluate_other_models(eval_bot: Bot) -> None:
    said = eval_answers(eval_bot, CANDIDATE, "U0AGENT")
    assert "Only approvers" in said
    assert eval_bot.rows(EvalRun) == [] and eval_bot.openai.chat_requests() == []

    said = eval_answers(eval_bot, CANDIDATE, LEADS[0])
    assert "Eval run #" in said
    assert [run.model_id for run in eval_bot.rows(EvalRun)] == [CANDIDATE]


def test_anyone_evaluates_the_live_model_and_pending_candidates(eval_bot: Bot) -> None:
    assert "Eval run #" in eval_answers(eval_bot, "", "U0AGENT")
    assert "Eval run #" in eval_answers(eval_bot, LIVE_MODEL, "U0AGENT")
    request_switch(eval_bot)  # CANDIDATE is now pending (its gate runs an eval too)
    assert "Eval run #" in eval_answers(eval_bot, CANDIDATE, "U0AGENT")


async def test_a_run_where_every_case_errored_is_failed(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    await seed_cases(services)
    openai_standin.fail_next("server_error", times=100)
    summary = await services.eval_runner.run("openai", LIVE_MODEL, trigger="cli")
    assert summary.status == "failed" and summary.errors == summary.cases == len(CASES)


def test_slack_says_a_failed_run_is_not_a_quality_figure(eval_bot: Bot) -> None:
    eval_bot.openai.fail_next("server_error", times=100)
    said = eval_answers(eval_bot, "", "U0AGENT")
    assert "(failed)" in said and "says nothing about the model" in said


def test_cli_eval_run_exits_non_zero_when_every_case_errored(
    cli_env: str,
    tmp_path: Path,
    openai_standin: OpenAIStandIn,
    capsys: Any,
) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_text(jsonl(CASES))
    assert cli.main(["eval", "import", str(source)]) == 0
    openai_standin.fail_next("server_error", times=100)
    assert cli.main(["eval", "run"]) == 1
    assert "(failed)" in capsys.readouterr().out
    assert cli.main(["eval", "run", "--model", "ft:bogus:x"]) == 1
    assert "ft:bogus:x" in capsys.readouterr().err
