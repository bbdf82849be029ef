"""Settings whose meaning belongs to the domain (monitor thresholds, prices), checked once at
start-up so a bad value stops the program with exit 2 naming the variable, like every other setting.

Here rather than in bot/settings.py: the settings module stays at the bottom of the house, and the
domain packages own their own formats (bot/monitors/specs.py, bot/quality/costs.py).
"""

from __future__ import annotations

from typing import Any

from bot.monitors.specs import MonitorSpec, configured_specs
from bot.quality.costs import Price, parse_prices
from bot.settings import Settings, SettingsError


def monitor_specs(settings: Settings) -> list[MonitorSpec]:
    return configured_specs(settings.triage_monitors)


def prices(settings: Settings) -> list[Price]:
    return parse_prices(settings.triage_prices)


CHECKS: dict[str, Any] = {"TRIAGE_MONITORS": monitor_specs, "TRIAGE_PRICES": prices}


def check_domain_settings(settings: Settings) -> None:
    """One SettingsError naming every variable whose value the domain cannot use."""
    problems = []
    for name, check in CHECKS.items():
        try:
            check(settings)
        except ValueError as exc:
            problems.append(f"  {name}: {exc}")
    if problems:
        raise SettingsError(
            "triagebot's configuration is invalid:\n" + "\n".join(problems) + "\nFix .env or the environment."
        )
