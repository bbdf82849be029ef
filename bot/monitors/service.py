"""Evaluate every monitor once (the every-minute job, claimed once across processes) and keep the
incidents table in step. Returns what changed, for the caller to tell Slack through the outbox in
the same transaction's aftermath."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import InvalidInput, NotFound
from bot.monitors.incidents import Effect, OpenIncident, decide, effective_level
from bot.monitors.readings import Reading, read
from bot.monitors.specs import Level, MonitorSpec
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


@dataclass(frozen=True)
class MonitorState:
    spec: MonitorSpec
    reading: Reading | None
    level: Level
    incident: Incident | None


async def evaluate(db: Database, specs: Sequence[MonitorSpec], now: datetime) -> list[Change]:
    """Read each enabled monitor on the live model and open, update or resolve its incident."""
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
            reading = await read(session, spec, model, now)
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
            changes.append(Change(effect, incident, spec, reading, muted))
            log.info("monitor %s: %s (%s)", spec.name, effect, spec.shown(reading.value))
    return changes


async def states(db: Database, specs: Sequence[MonitorSpec], now: datetime) -> list[MonitorState]:
    """Every monitor's current value and level, for `/model monitors` (reads only)."""
    async with db.session() as session:
        live = await crud.get_live_deployment(session)
        current = await incidents.open_incidents(session)
        found = []
        for spec in specs:
            if live is None or not spec.enabled:
                found.append(MonitorState(spec, None, Level.NO_DATA, current.get(spec.name)))
                continue
            reading = await read(session, spec, (live.endpoint, live.model_id), now)
            found.append(
                MonitorState(spec, reading, spec.level(reading.value, reading.sample), current.get(spec.name))
            )
    return found


async def mute(db: Database, incident_id: int, *, by: str, now: datetime) -> Incident:
    """Quiet an incident for a day: it is still tracked and resolves as usual, but edits stop."""
    async with db.transaction() as session:
        incident = await incidents.get_incident(session, incident_id)
        if incident is None:
            raise NotFound(f"There is no incident #{incident_id}.")
        if incident.resolved_at is not None:
            raise InvalidInput(f"Incident #{incident_id} is already resolved.")
        incident.muted_until = now + MUTE
        incident.muted_by = by
        session.add(incident)
    return incident
