"""Evaluate every monitor once (the every-minute job, claimed once across processes) and keep the
incidents table in step. Each change's Slack message is queued in the outbox in the same
transaction as the change (the caller renders it), under a key per incident and change, so a
change is told exactly once and a rolled-back evaluation tells nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import InvalidInput, NotFound
from bot.monitors.incidents import Effect, OpenIncident, decide, effective_level
from bot.monitors.readings import Reading, read
from bot.monitors.specs import Level, MonitorSpec
from bot.outbox import effects as outbox
from bot.outbox.effects import SlackEffect
from bot.quality.costs import Price
from storage import crud, incidents
from storage.db import Database
from storage.models import Incident

log = logging.getLogger(__name__)

MUTE = timedelta(hours=24)
LEVEL_ORDER = {Level.WARNING: 1, Level.ALERT: 2}


@dataclass(frozen=True)
class Change:
    effect: Effect
    incident: Incident
    spec: MonitorSpec
    reading: Reading
    muted: bool  # the incident changed but its owners asked for quiet: record, do not notify


# The Slack calls that tell a change (commands/monitors/effects.py renders them).
ChangeEffects = Callable[[Change], Sequence[SlackEffect]]
# The Slack calls that show an incident as it now stands (after a mute).
IncidentEffects = Callable[[Incident], Sequence[SlackEffect]]


def _no_effects(_subject: object) -> Sequence[SlackEffect]:
    return ()


def incident_key(incident_id: int) -> str:
    """The outbox prefix of everything said about one incident."""
    return f"incident:{incident_id}"


def change_key(change: Change, now: datetime) -> str:
    """One key per incident and change: the post and the resolution happen once each, an edit once
    per evaluation minute (the minute's job run is itself claimed once)."""
    assert change.incident.id is not None
    if change.effect is Effect.UPDATE:
        return f"{incident_key(change.incident.id)}:update:{now:%Y%m%dT%H%M%S}"
    return f"{incident_key(change.incident.id)}:{change.effect}"


def posted_message_key(incident_id: int, name: str = "message") -> str:
    """The outbox key of the incident's one post, which every later edit refers to for its ts."""
    return f"{incident_key(incident_id)}:{Effect.OPEN}:{name}"


@dataclass(frozen=True)
class MonitorState:
    spec: MonitorSpec
    reading: Reading | None
    level: Level
    incident: Incident | None


async def evaluate(
    db: Database,
    specs: Sequence[MonitorSpec],
    now: datetime,
    effects: ChangeEffects = _no_effects,
    prices: Sequence[Price] = (),
) -> list[Change]:
    """Read each enabled monitor on the live model and open, update or resolve its incident,
    queueing `effects(change)` for every change not muted."""
    changes: list[Change] = []
    async with db.transaction() as session:
        live = await crud.get_live_deployment(session)
        if live is None:
            return []
        model = (live.endpoint, live.model_id)
        current = await incidents.open_incidents(session)
        for spec in specs:
            if not spec.enabled:
                continue
            reading = await read(session, spec, model, now, prices)
            incident = current.get(spec.name)
            known = OpenIncident(Level(incident.level), incident.value) if incident else None
            raw = spec.level(reading.value, reading.sample)
            effect = decide(spec, raw, reading.value, known)
            if effect is Effect.NONE:
                continue
            level = effective_level(spec, raw, known)
            if effect is Effect.OPEN:
                incident = Incident(
                    monitor=spec.name,
                    endpoint=model[0],
                    model_id=model[1],
                    level=level,
                    worst_level=level,
                    opened_at=now,
                )
            assert incident is not None
            incident.updated_at = now
            if reading.value is not None:
                incident.value = reading.value
            incident.detail = reading.detail
            if effect is Effect.RESOLVE:
                incident.resolved_at = now
            else:
                incident.level = level
                if LEVEL_ORDER.get(level, 0) > LEVEL_ORDER.get(Level(incident.worst_level), 0):
                    incident.worst_level = level
            session.add(incident)
            await session.flush()
            muted = (
                incident.muted_until is not None and incident.muted_until > now and effect is Effect.UPDATE
            )
            change = Change(effect, incident, spec, reading, muted)
            changes.append(change)
            if not muted:
                assert incident.id is not None
                # An older edit still waiting would land after this one and show a stale state.
                await incidents.drop_pending_edits(session, incident_key(incident.id), now)
                await outbox.enqueue(session, change_key(change, now), effects(change), now)
            log.info("monitor %s: %s (%s)", spec.name, effect, spec.shown(reading.value))
    return changes


async def states(
    db: Database, specs: Sequence[MonitorSpec], now: datetime, prices: Sequence[Price] = ()
) -> list[MonitorState]:
    """Every monitor's current value and level, for `/model monitors` (reads only)."""
    async with db.session() as session:
        live = await crud.get_live_deployment(session)
        current = await incidents.open_incidents(session)
        found = []
        for spec in specs:
            if live is None or not spec.enabled:
                found.append(MonitorState(spec, None, Level.NO_DATA, current.get(spec.name)))
                continue
            reading = await read(session, spec, (live.endpoint, live.model_id), now, prices)
            found.append(
                MonitorState(spec, reading, spec.level(reading.value, reading.sample), current.get(spec.name))
            )
    return found


async def mute(
    db: Database, incident_id: int, *, by: str, now: datetime, effects: IncidentEffects = _no_effects
) -> Incident:
    """Quiet an incident for a day: it is still tracked and resolves as usual, but edits stop.
    `effects(incident)` (the message saying who muted it) is queued with the mute."""
    async with db.transaction() as session:
        incident = await incidents.get_incident(session, incident_id)
        if incident is None:
            raise NotFound(f"There is no incident #{incident_id}.")
        if incident.resolved_at is not None:
            raise InvalidInput(f"Incident #{incident_id} is already resolved.")
        incident.muted_until = now + MUTE
        incident.muted_by = by
        session.add(incident)
        await session.flush()
        await incidents.drop_pending_edits(session, incident_key(incident_id), now)
        await outbox.enqueue(
            session, f"{incident_key(incident_id)}:update:mute:{now:%Y%m%dT%H%M%S}", effects(incident), now
        )
    return incident


async def get(db: Database, incident_id: int) -> Incident:
    async with db.session() as session:
        incident = await incidents.get_incident(session, incident_id)
    if incident is None:
        raise NotFound(f"There is no incident #{incident_id}.")
    return incident
