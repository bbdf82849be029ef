"""The canary's abort settings are checked at start-up: exit 2 naming each variable (issue 10)."""

from __future__ import annotations

from pathlib import Path

from bot.routing.abort import AbortRules, abort_rules
from bot.settings import load_settings
from tests.support.cli_process import run


def test_bad_canary_settings_stop_start_up_naming_each(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "migrate",
        TRIAGE_CANARY_MIN_SAMPLE="0",
        TRIAGE_CANARY_MAX_ERROR_RATE="5%",
        TRIAGE_CANARY_MAX_P95_MS="-1",
    )
    assert result.returncode == 2, result.stderr
    for name in ("TRIAGE_CANARY_MIN_SAMPLE", "TRIAGE_CANARY_MAX_ERROR_RATE", "TRIAGE_CANARY_MAX_P95_MS"):
        assert name in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_canary_defaults_and_overrides() -> None:
    assert abort_rules(load_settings(_env_file=None)) == AbortRules(20, 0.05, None)
    custom = load_settings(
        _env_file=None,
        triage_canary_min_sample=50,
        triage_canary_max_error_rate=0.1,
        triage_canary_max_p95_ms=4000,
    )
    assert abort_rules(custom) == AbortRules(50, 0.1, 4000)
