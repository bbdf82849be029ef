"""/model status, /model history [n], /model list [endpoint]: read-only answers for anyone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot import shutdowns
from bot.quality.cost_report import model_costs
from bot.registry.status import history_limit
from bot.routing.summary import routing_summary
from bot.services import Services
from commands.context import services_of
from commands.model import decision_effects, status_blocks
from commands.model.routing_blocks import routing_blocks
from commands.render import utcnow
from commands.respond import respond as respond_with_retries

# How old an endpoint's shutdown reading may be before /model status asks the endpoint again: the
# daily watch reads every model anyway, and leads may look at the status many times a minute.
STATUS_READING_FRESH_FOR = timedelta(minutes=5)


async def status_subcommand(
    args: str,
    command: dict[str, Any],
    ack: AsyncAck,
    client: AsyncWebClient,
    context: dict,
) -> None:
    # Reading the shutdown date asks the endpoint, which may take longer than Slack waits for an ack.
    await ack(response_type="ephemeral", text="Looking up the live model…")
    services = services_of(context)
    now = utcnow()
    await close_expired(client, services, now)
    status = await services.registry.status(now=now)
    countdowns = await shutdowns.refresh(services.db, services.models, now, fresh_for=STATUS_READING_FRESH_FOR)
    routing = routing_blocks(await routing_summary(services.db))
    start = now - timedelta(days=status_blocks.COST_DAYS)
    costs = await model_costs(services.db, services.prices, start, now)
    await respond_with_retries(
        command["response_url"],
        response_type="ephemeral",
        replace_original=True,
        text=status_blocks.status_text(status),
        blocks=status_blocks.status_blocks(status, now, countdowns, costs) + routing,
    )


async def close_expired(client: AsyncWebClient, services: Services, now: datetime) -> None:
    """Requests nobody decided in time: say so on their messages when someone looks."""
    # Their messages are updated through the outbox, queued with the expiry.
    await services.registry.expire_overdue(now=now, effects=decision_effects.request_update)


async def history_subcommand(
    args: str,
    command: dict[str, Any],
    ack: AsyncAck,
    client: AsyncWebClient,
    context: dict,
) -> None:
    services = services_of(context)
    deployments = await services.registry.history(history_limit(args))
    await ack(
        response_type="ephemeral",
        text=f"Last {len(deployments)} deployment{'s' if len(deployments) != 1 else ''}",
        blocks=status_blocks.history_blocks(deployments),
    )


async def list_subcommand(
    args: str,
    command: dict[str, Any],
    ack: AsyncAck,
    client: AsyncWebClient,
    context: dict,
) -> None:
    await ack(response_type="ephemeral", text="Listing fine-tuned models…")
    services = services_of(context)
    listing = await services.registry.fine_tuned_models(args.split()[0] if args else None)
    await respond_with_retries(
        command["response_url"],
        response_type="ephemeral",
        replace_original=True,
        text=f"{len(listing.models)} fine-tuned models on {listing.endpoint}",
        blocks=status_blocks.listing_blocks(listing),
    )
