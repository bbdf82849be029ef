"""What the scheduled jobs are given: the domain objects they use and the renderers of their Slack
messages, passed in by whoever starts the scheduler (the app, or `triagebot jobs`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.digest.publish import DigestPublisher
from bot.model_client import ModelClient
from bot.monitors.service import ChangeEffects
from bot.monitors.specs import MonitorSpec
from bot.outbox.effects import Doorbell, SlackEffect
from bot.quality.costs import Price
from bot.quality.eval_runs import EvalRunner
from bot.routing.abort import AbortEffects
from bot.settings import Settings
from bot.shutdowns import Countdown
from storage.db import Database


class JobRenderers(Protocol):
    """The Slack side of the jobs' messages, written in commands/ (the domain renders no Block Kit)."""

    def shutdown_warning(
        self, countdown: Countdown, threshold: int, channel: str, now: datetime
    ) -> SlackEffect:
        """The outbox call that warns of one model's shutdown at one threshold (days left)."""
        ...

    def incident_changes(self, channel: str, now: datetime) -> ChangeEffects:
        """How each monitor incident change becomes the outbox calls that post or edit its message."""
        ...

    def canary_abort(self, channel: str) -> AbortEffects:
        """The outbox call that tells `channel` a canary stopped itself, and why."""
        ...


@dataclass(frozen=True)
class JobDeps:
    settings: Settings
    db: Database
    models: ModelClient
    eval_runner: EvalRunner
    monitor_specs: Sequence[MonitorSpec]
    prices: Sequence[Price]
    outbox: Doorbell  # rung after a job queued Slack effects, so this process sends them at once
    publisher: DigestPublisher
    renderers: JobRenderers
