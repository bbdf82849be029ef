"""/model retire-on <model-id> [on <endpoint>] <YYYY-MM-DD|none>: approvers set a shutdown date for a
model whose host publishes none (or clear it); every countdown then includes it."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot import shutdowns
from bot.errors import InvalidInput
from commands import render
from commands.context import services_of
from commands.render import utcnow

RETIRE_USAGE = "/model retire-on <model-id> [on <endpoint>] <YYYY-MM-DD|none>"
_ARGS = re.compile(r"`?(?P<model>[^\s`]+)`?(?:\s+on\s+(?P<endpoint>\S+))?\s+(?P<date>\S+)", re.IGNORECASE)


def parse_retire_args(args: str) -> tuple[str, str | None, str]:
    match = _ARGS.fullmatch(args.strip())
    if match is None:
        raise InvalidInput(f"Name the model and the date: `{RETIRE_USAGE}`.")
    return match["model"], match["endpoint"], match["date"]


async def retire_on_subcommand(
    args: str, command: dict[str, Any], ack: AsyncAck, client: AsyncWebClient, context: dict
) -> None:
    services = services_of(context)
    model_id, endpoint, when = parse_retire_args(args)
    endpoint = endpoint or services.registry.default_endpoint
    shutdown = shutdowns.parse_date_or_none(when)
    now = utcnow()
    await shutdowns.set_operator_date(
        services.db,
        services.models,
        services.registry.approvers,
        command["user_id"],
        endpoint,
        model_id,
        shutdown,
        now=now,
    )
    what = render.model(model_id, endpoint)
    if shutdown is None:
        message = f":wastebasket: Cleared the shutdown date set for {what}; the endpoint's own date (if any) counts."
    else:
        message = (
            f":calendar: {what} {render.shutdown_note(shutdown, now)}: set by {render.person(command['user_id'])}. "
            "`/model status` counts down to it."
        )
    await ack(response_type="ephemeral", text=message)
