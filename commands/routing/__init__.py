"""Shadow routing listeners: `/model shadow …` and the verdict buttons on its disagreements."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from commands.routing.blocks import SHADOW_USAGE
from commands.routing.review import VERDICTS, shadow_verdict
from commands.routing.shadow import shadow_subcommand
from commands.subcommands import SubcommandTable


def add_subcommands(table: SubcommandTable) -> None:
    table.add(
        "shadow",
        shadow_subcommand,
        SHADOW_USAGE,
        "Mirror live triages to a candidate model (approvers), see how they agree, judge disagreements.",
    )


def register(app: AsyncApp) -> None:
    for action in VERDICTS:
        app.action(action)(shadow_verdict)
