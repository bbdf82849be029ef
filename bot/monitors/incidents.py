"""An incident is one Slack message per monitor crossing: opened when a monitor leaves OK, edited in
place when its level or value changes enough to matter, resolved on recovery, never re-posted each
minute. This module decides; the caller stores the incident and queues the Slack message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.monitors.specs import Level, MonitorSpec, NoData


class Effect(StrEnum):
    NONE = "none"
    OPEN = "open"  # post a new incident message
    UPDATE = "update"  # edit the open incident's message
    RESOLVE = "resolve"  # edit it to say resolved


@dataclass(frozen=True)
class OpenIncident:
    level: Level  # WARNING or ALERT
    value: float | None


def effective_level(spec: MonitorSpec, level: Level, current: OpenIncident | None) -> Level:
    """Too few samples: what the monitor's no-data rule says that means now."""
    if level is not Level.NO_DATA:
        return level
    if spec.no_data is NoData.OK:
        return Level.OK
    if spec.no_data is NoData.ALERT:
        return Level.ALERT
    return current.level if current is not None else Level.OK  # KEEP


def decide(spec: MonitorSpec, level: Level, value: float | None, current: OpenIncident | None) -> Effect:
    level = effective_level(spec, level, current)
    if current is None:
        return Effect.NONE if level is Level.OK else Effect.OPEN
    if level is Level.OK:
        return Effect.RESOLVE
    if level is not current.level:
        return Effect.UPDATE
    if value is not None and current.value is not None and _moved(spec, current.value, value):
        return Effect.UPDATE
    return Effect.NONE


def _moved(spec: MonitorSpec, before: float, now: float) -> bool:
    """Worth an edit: a fifth of the way between the thresholds, so a jittering value stays quiet."""
    step = abs(spec.alert - spec.warning) / 5 or 1e-9
    return abs(now - before) >= step
