"""The eval gate names the live model's snapshot on the approval request (issue 12): evidence that
still counts after the live model stops answering."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot import cli
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.eval_set_setup import gate_update, with_eval_set
from tests.support.model_requests import CANDIDATE, approvals_bot, request_switch
from tests.support.quality_services import script_all


def test_the_approval_request_names_the_live_models_snapshot(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    with_eval_set(bot, tmp_path, monkeypatch)
    script_all(bot.openai, LIVE_MODEL, right=True)
    script_all(bot.openai, CANDIDATE, right=True)
    assert cli.main(["snapshot", "record", "--name", "before-the-shutdown"]) == 0

    request_switch(bot)
    shown = gate_update(bot, "Snapshot of the live model")
    assert "before-the-shutdown" in shown
    assert f"triagebot snapshot compare --model {CANDIDATE} --endpoint openai --snapshot 1" in shown
