"""After-test checks on the Slack stand-ins a test used (tests/conftest.py runs them on every test)."""

from __future__ import annotations

from collections.abc import Collection

from bot.standins.slack_api import SlackStandIn, live_standins


def unescaped_mentions(since: Collection[SlackStandIn]) -> list[str]:
    """Violations recorded by stand-ins created after ``since`` was taken, one line each."""
    return [
        f"{violation.method}: {violation.text!r}"
        for stand_in in live_standins()
        if stand_in not in since
        for violation in stand_in.violations
    ]
