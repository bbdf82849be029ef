"""Monitor listeners (issue 11): the incident message's buttons and `/model monitors`. The incident
messages themselves are queued by the every-minute job (bot/schedule/jobs.py) through the outbox."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from commands.ids import Action
from commands.monitors.actions import examples_clicked, mute_clicked, rollback_clicked
from commands.monitors.slash import MONITORS_USAGE, monitors_subcommand
from commands.subcommands import SubcommandTable


def add_subcommands(table: SubcommandTable) -> None:
    table.add(
        "monitors",
        monitors_subcommand,
        MONITORS_USAGE,
        "Every monitor's value, level, window, thresholds and open incident.",
    )


def register(app: AsyncApp) -> None:
    app.action(Action.INCIDENT_ROLLBACK)(rollback_clicked)
    app.action(Action.INCIDENT_EXAMPLES)(examples_clicked)
    app.action(Action.INCIDENT_MUTE)(mute_clicked)
