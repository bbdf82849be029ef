"""Cron expressions as APScheduler triggers, and the fire times before a given moment.

APScheduler only looks forward; the scheduler's made-up runs and the digest's period need the
latest fire time at or before "now", found here by stepping forward from a window that contains one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.errors import InvalidInput

# Widening look-back windows: the first one holding a fire time bounds the forward walk.
_WINDOWS = (timedelta(hours=1), timedelta(days=1), timedelta(days=8), timedelta(days=32), timedelta(days=400))
_STEP = timedelta(seconds=1)


_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _crontab_days(field: str) -> str:
    """Crontab weekday numbers (0 or 7 = Sunday) as names: APScheduler 3 counts from Monday."""
    if not any(ch.isdigit() for ch in field):
        return field
    days: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            low_text, high_text = span.split("-", 1)
            low, high = int(low_text), int(high_text)
        else:
            low = int(span)
            high = 6 if step_text else low
        if not (0 <= low <= 7 and 0 <= high <= 7 and low <= high and step >= 1):
            raise ValueError(f"day of week {part!r} is out of range 0-7")
        days.update(day % 7 for day in range(low, high + 1, step))
    return ",".join(_DAY_NAMES[day] for day in sorted(days))


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """A standard five-field crontab expression (weekday 0 = Sunday, as in cron) in `timezone`."""
    try:
        fields = expression.split()
        if len(fields) != 5:
            raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
        minute, hour, day, month, weekday = fields
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_crontab_days(weekday),
            timezone=ZoneInfo(timezone),
        )
    except ValueError as exc:
        raise InvalidInput(f"Invalid cron expression {expression!r}: {exc}") from None


def next_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The first fire time strictly after `now`."""
    fire: datetime | None = trigger.get_next_fire_time(None, now + _STEP)
    return fire


def latest_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The latest fire time at or before `now` (None if it never fired in the last 400 days)."""
    for window in _WINDOWS:
        fire: datetime | None = trigger.get_next_fire_time(None, now - window)
        if fire is None or fire > now:
            continue
        while True:
            following: datetime | None = trigger.get_next_fire_time(fire, fire + _STEP)
            if following is None or following > now:
                return fire
            fire = following
    return None


def fire_before(trigger: CronTrigger, moment: datetime) -> datetime | None:
    """The latest fire time strictly before `moment`."""
    return latest_fire(trigger, moment - timedelta(microseconds=1))
