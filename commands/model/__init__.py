"""/model: show, switch and roll back the live model; approvals in channel; the App Home tab.

Every area adds its /model subcommands to the one `SubcommandTable` that `commands.register` builds.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from commands.ids import Action, Event, SlashCommand, View
from commands.model.decisions import approve_switch, reject_switch, submit_override, submit_reject
from commands.model.home import app_home_opened
from commands.model.retire import RETIRE_USAGE, retire_on_subcommand
from commands.model.snapshot import SNAPSHOT_USAGE, snapshot_subcommand
from commands.model.status import history_subcommand, list_subcommand, status_subcommand
from commands.model.switch import SWITCH_USAGE, rollback_subcommand, switch_subcommand
from commands.model.try_model import TRY_USAGE, try_subcommand
from commands.model.usergroups import usergroup_members
from commands.subcommands import SubcommandTable

__all__ = ["SubcommandTable", "add_subcommands", "register", "usergroup_members"]


def add_subcommands(table: SubcommandTable) -> None:
    table.add(
        "status",
        status_subcommand,
        "/model status",
        "The live model: since when, who asked and approved, why, the previous model, pending requests.",
    )
    table.add("switch", switch_subcommand, SWITCH_USAGE, "Ask a lead to switch the live model.")
    table.add(
        "rollback",
        rollback_subcommand,
        "/model rollback [reason…]",
        "Back to the previous model: at once for a lead, otherwise after approval.",
    )
    table.add(
        "list", list_subcommand, "/model list [endpoint]", "Fine-tuned models this key can use."
    )
    table.add(
        "history",
        history_subcommand,
        "/model history [n]",
        "The last n deployments (default 10, at most 50).",
    )
    table.add(
        "try",
        try_subcommand,
        TRY_USAGE,
        "Approvers: a quick smoke test of a model on five golden cases (format, latency, labels).",
    )
    table.add(
        "retire-on",
        retire_on_subcommand,
        RETIRE_USAGE,
        "Approvers: a shutdown date for a model whose host publishes none (`none` clears).",
    )
    table.add(
        "snapshot", snapshot_subcommand, SNAPSHOT_USAGE, "Approvers: freeze a model's answers now."
    )
    table.add("help", table.help_subcommand, "/model help", "This list.")


def register(app: AsyncApp, subcommands: SubcommandTable) -> None:
    app.command(SlashCommand.MODEL)(subcommands.model_command)
    app.action(Action.APPROVE_SWITCH)(approve_switch)
    app.action(Action.REJECT_SWITCH)(reject_switch)
    app.view(View.REJECT_SWITCH)(submit_reject)
    app.view(View.APPROVE_OVERRIDE)(submit_override)
    app.event(Event.APP_HOME_OPENED)(app_home_opened)
