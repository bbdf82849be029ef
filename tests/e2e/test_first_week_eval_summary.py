"""Issue 15 item 12 (end): the /model eval summary names the first failed cases and where to see all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from storage.models import EvalRun
from tests.support.app_under_test import Bot
from tests.support.eval_set_setup import import_cases
from tests.support.model_requests import CANDIDATE
from tests.support.quality_services import script_all


def test_the_eval_summary_lists_failed_cases_as_plain_text_and_points_to_the_cli(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = bot_factory(sqlite_url, triage_approvers=["U0LEAD"])
    import_cases(bot, tmp_path, monkeypatch)
    bot.openai.add_model(CANDIDATE)
    script_all(bot.openai, CANDIDATE, right=True)
    script_all(bot.openai, CANDIDATE, right=False, only=["Case C"])
    bot.send.command("/model", f"eval {CANDIDATE}", user_id="U0LEAD")
    (summary,) = bot.slack.wait_for(
        "response_url", lambda c: "Pass rate" in str(c.params.get("blocks")), timeout=10
    )
    (run,) = bot.rows(EvalRun)
    failed = [b for b in summary.params["blocks"] if "Failed cases" in str(b)]
    assert len(failed) == 1 and failed[0]["text"]["type"] == "plain_text"
    assert '"Case C: how do I export a report": expected low / other' in failed[0]["text"]["text"]
    assert "Case A" not in failed[0]["text"]["text"]
    assert f"`triagebot eval show {run.id}`" in str(summary.params["blocks"])
