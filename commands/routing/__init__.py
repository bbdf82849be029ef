"""Routing listeners: `/model shadow …`, `/model canary …`, the verdict buttons on shadow
disagreements, and the canary's automatic abort check after each candidate triage."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_bolt.async_app import AsyncApp

from bot.inflight import start_background
from bot.outbox.effects import no_effects
from bot.routing.abort import abort_rules, check_quietly
from bot.services import Services
from commands.routing.blocks import SHADOW_USAGE
from commands.routing.canary import CANARY_USAGE, canary_subcommand
from commands.routing.effects import abort_effects, canary_channel
from commands.routing.review import VERDICTS, shadow_verdict
from commands.routing.shadow import shadow_subcommand
from commands.subcommands import SubcommandTable


def add_subcommands(table: SubcommandTable) -> None:
    table.add(
        "shadow",
        shadow_subcommand,
        SHADOW_USAGE,
        "Mirror live triages to a candidate model (approvers; others ask), see how they agree, judge disagreements.",
    )
    table.add(
        "canary",
        canary_subcommand,
        CANARY_USAGE,
        "Serve a share of live triages with a candidate (approved like a switch); stops itself if it misbehaves.",
    )


def register(app: AsyncApp, services: Services) -> None:
    for action in VERDICTS:
        app.action(action)(shadow_verdict)
    watch_canary(services)


def watch_canary(services: Services) -> None:
    """After each triage a canary's candidate served (or failed), check the abort rules in the
    background; the every-minute job checks too, for canaries whose traffic has gone quiet."""
    settings = services.settings
    channel = canary_channel(settings)
    rules = abort_rules(settings)
    effects = abort_effects(channel) if channel else no_effects

    def check(canary_id: int) -> None:
        work = check_quietly(
            services.db, rules, datetime.now(UTC), canary_id, effects, services.registry.outbox.ring
        )
        start_background(work)

    services.triage.on_candidate_triage = check
