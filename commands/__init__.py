"""Slack listeners. Each sub-package registers its own; this wires them and the shared pieces."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.outbox.seen import SeenDeliveries
from bot.services import Services
from commands import digest, model, monitors, quality, request_log, routing, triage, workspace
from commands.acks import install_first_answer_ack
from commands.context import provide_services
from commands.errors import handle_listener_error
from commands.retries import drop_duplicate_events
from commands.subcommands import SubcommandTable


def model_subcommands() -> SubcommandTable:
    """Every area's /model subcommands, in the order `/model help` lists them."""
    table = SubcommandTable()
    model.add_subcommands(table)
    quality.add_subcommands(table)
    monitors.add_subcommands(table)
    routing.add_subcommands(table)
    return table


def register(app: AsyncApp, services: Services) -> None:
    app.middleware(workspace.guard_request)
    app.middleware(provide_services(services))
    app.middleware(install_first_answer_ack)
    app.middleware(drop_duplicate_events(SeenDeliveries(services.db)))
    app.error(handle_listener_error)
    request_log.register(app)  # after app.error: it wraps that handler to note each outcome
    triage.register(app)
    model.register(app, model_subcommands())
    quality.register(app)
    digest.register(app)
    monitors.register(app)
    routing.register(app, services)
