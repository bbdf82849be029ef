"""/model: show, switch and roll back the live model; approvals in channel; the App Home tab.

Other areas add subcommands with `commands.model.dispatch.register_subcommand`.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from commands.ids import Action, Event, SlashCommand, View
from commands.model.decisions import approve_switch, reject_switch, submit_override, submit_reject
from commands.model.dispatch import help_subcommand, model_command, register_subcommand
from commands.model.home import app_home_opened
from commands.model.retire import RETIRE_USAGE, retire_on_subcommand
from commands.model.snapshot import SNAPSHOT_USAGE, snapshot_subcommand
from commands.model.status import history_subcommand, list_subcommand, status_subcommand
from commands.model.switch import SWITCH_USAGE, rollback_subcommand, switch_subcommand
from commands.model.try_model import TRY_USAGE, try_subcommand
from commands.model.usergroups import usergroup_members

__all__ = ["register", "register_subcommand", "usergroup_members"]


def register_builtin_subcommands() -> None:
    register_subcommand(
        "status",
        status_subcommand,
        "/model status",
        "The live model: since when, who asked and approved, why, the previous model, pending requests.",
    )
    register_subcommand("switch", switch_subcommand, SWITCH_USAGE, "Ask a lead to switch the live model.")
    register_subcommand(
        "rollback",
        rollback_subcommand,
        "/model rollback [reason…]",
        "Back to the previous model: at once for a lead, otherwise after approval.",
    )
    register_subcommand(
        "list", list_subcommand, "/model list [endpoint]", "Fine-tuned models this key can use."
    )
    register_subcommand(
        "history",
        history_subcommand,
        "/model history [n]",
        "The last n deployments (default 10, at most 50).",
    )
    register_subcommand(
        "try",
        try_subcommand,
        TRY_USAGE,
        "Approvers: a quick smoke test of a model on five golden cases (format, latency, labels).",
    )
    register_subcommand(
        "retire-on",
        retire_on_subcommand,
        RETIRE_USAGE,
        "Approvers: a shutdown date for a model whose host publishes none (`none` clears).",
    )
    register_subcommand(
        "snapshot", snapshot_subcommand, SNAPSHOT_USAGE, "Approvers: freeze a model's answers now."
    )
    register_subcommand("help", help_subcommand, "/model help", "This list.")


register_builtin_subcommands()


def register(app: AsyncApp) -> None:
    app.command(SlashCommand.MODEL)(model_command)
    app.action(Action.APPROVE_SWITCH)(approve_switch)
    app.action(Action.REJECT_SWITCH)(reject_switch)
    app.view(View.REJECT_SWITCH)(submit_reject)
    app.view(View.APPROVE_OVERRIDE)(submit_override)
    app.event(Event.APP_HOME_OPENED)(app_home_opened)
