"""The incident message's buttons: Roll back (approvers), Show examples (privately), Mute 24 h."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.errors import NotFound
from bot.monitors import service
from bot.monitors.examples import examples
from bot.monitors.rollback import roll_back_incident
from bot.monitors.specs import MonitorSpec
from bot.services import Services
from commands import render
from commands.context import services_of
from commands.ids import row_id
from commands.model import decision_effects
from commands.monitors import blocks
from commands.monitors.effects import mute_effects
from commands.render import utcnow
from commands.respond import respond

STALE_HINT = "See `/model monitors`."


def alert_channel(services: Services) -> str | None:
    """TRIAGE_ALERT_CHANNEL, or the approvals channel when it is not set."""
    settings = services.settings
    return settings.triage_alert_channel or settings.triage_approval_channel


def spec_named(services: Services, name: str) -> MonitorSpec:
    spec = next((s for s in services.monitor_specs if s.name == name), None)
    if spec is None:
        raise NotFound(f"The monitor {name!r} is no longer configured.")
    return spec


async def _private(body: dict[str, Any], message: str, block_list: list[Any] | None = None) -> None:
    await respond(
        body["response_url"],
        response_type="ephemeral",
        replace_original=False,
        text=message,
        blocks=block_list or None,
    )


async def rollback_clicked(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict
) -> None:
    await ack()
    services = services_of(context)
    incident_id = row_id(action.get("value"), hint=STALE_HINT)
    user, now = body["user"]["id"], utcnow()
    channel = alert_channel(services) or body["channel"]["id"]
    approval = await roll_back_incident(
        services.db,
        services.registry,
        incident_id,
        user,
        now=now,
        effects=decision_effects.break_glass_effects(channel),
    )
    live = approval.deployment
    await _private(
        body,
        f":rewind: Rolled back: {render.model(live.model_id, live.endpoint)} is live again "
        f"(recorded as your break-glass rollback for incident #{incident_id}).",
    )


async def examples_clicked(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict
) -> None:
    await ack()
    services = services_of(context)
    incident = await service.get(services.db, row_id(action.get("value"), hint=STALE_HINT))
    spec = spec_named(services, incident.monitor)
    found = await examples(services.db, incident, spec, utcnow())
    await _private(
        body,
        f"{len(found)} example(s) behind incident #{incident.id}",
        blocks.examples_blocks(incident, spec, found),
    )


async def mute_clicked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict) -> None:
    await ack()
    services = services_of(context)
    incident = await service.get(services.db, row_id(action.get("value"), hint=STALE_HINT))
    spec = spec_named(services, incident.monitor)
    now = utcnow()
    assert incident.id is not None
    muted = await service.mute(
        services.db, incident.id, by=body["user"]["id"], now=now, effects=mute_effects(spec, now)
    )
    services.registry.outbox.ring()
    assert muted.muted_until is not None
    await _private(
        body,
        f":zipper_mouth_face: Incident #{muted.id} is muted until {render.moment(muted.muted_until)}: "
        "still tracked, and its message still says when it resolves.",
    )
