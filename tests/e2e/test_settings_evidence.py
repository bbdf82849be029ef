"""Settings of the evidence features fail at start-up, naming the variable (exit 2)."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli_process import run


def test_monitor_price_and_gate_settings_are_checked_at_start_up(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "migrate",
        TRIAGE_MONITORS='{"failures": {"alert": 0.3}}',
        TRIAGE_PRICES='[{"model": "ft:*"}]',
        TRIAGE_GATE_MAX_CLASS_DROP="150",
    )
    assert result.returncode == 2
    # Pydantic's own checks come first (the drop is out of range); then the domain's formats.
    assert "TRIAGE_GATE_MAX_CLASS_DROP" in result.stderr
    assert "Traceback" not in result.stderr
    result = run(
        tmp_path, "migrate", TRIAGE_MONITORS='{"failures": {"alert": 0.3}}', TRIAGE_PRICES='[{"model": "ft:*"}]'
    )
    assert result.returncode == 2
    assert "TRIAGE_MONITORS: unknown monitor(s) failures" in result.stderr
    assert "TRIAGE_PRICES: entry 1: give input_per_million" in result.stderr
    assert "Traceback" not in result.stderr


def test_valid_values_are_read_as_the_domain_uses_them() -> None:
    from bot.settings import Settings
    from bot.startup import monitor_specs, prices

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        triage_monitors={"failure_rate": {"alert": 0.3}},
        triage_prices=[{"endpoint": "local-vllm", "per_second": 0.001}],
        triage_gate_max_class_drop=15,
    )
    assert next(s for s in monitor_specs(settings) if s.name == "failure_rate").alert == 0.3
    assert prices(settings)[0].per_second == 0.001
    assert settings.max_class_drop == 0.15
