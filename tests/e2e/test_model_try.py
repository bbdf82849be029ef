"""/model try: an approver's smoke test of a model in one message, recording nothing (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from storage.models import EvalRun, QualityCheck
from tests.support.app_under_test import Bot
from tests.support.eval_set_setup import with_eval_set
from tests.support.model_requests import CANDIDATE, approvals_bot, responses
from tests.support.quality_services import script_all


def test_an_approver_tries_a_model_and_nothing_is_recorded(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    with_eval_set(bot, tmp_path, monkeypatch)
    script_all(bot.openai, CANDIDATE, right=True)
    script_all(bot.openai, CANDIDATE, right=False, only=["Case B"])

    response, url = bot.send.command("/model", f"try {CANDIDATE}", user_id="U0LEAD")
    assert response.status_code == 200 and "Trying" in response.json()["text"]
    (answer,) = responses(bot, url)
    said = str(answer["blocks"])
    assert "answered 4/4 golden cases, 3 with both labels right" in said
    assert "Answer format: strict JSON schema" in said
    assert "Latency: median" in said
    assert bot.rows(EvalRun) == [] and bot.rows(QualityCheck) == []


def test_only_approvers_may_try_and_a_dead_model_is_said_plainly(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    with_eval_set(bot, tmp_path, monkeypatch)
    response, _ = bot.send.command("/model", f"try {CANDIDATE}", user_id="U0AGENT")
    assert "for approvers" in response.json()["text"]
    assert bot.openai.chat_requests() == []

    response, url = bot.send.command("/model", "try ft:gpt-4o-mini-2024-07-18:acme:triage:gone9999", user_id="U0LEAD")
    assert response.status_code == 200
    (answer,) = responses(bot, url)
    assert "did not answer any of 4 cases" in answer["text"]
    response, _ = bot.send.command("/model", "try", user_id="U0LEAD")
    assert "Name the model to try" in response.json()["text"]
