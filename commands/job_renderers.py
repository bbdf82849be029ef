"""The Slack messages of the scheduled jobs (shutdown warnings, monitor incidents), handed to the
scheduler by the app so that bot/schedule renders no Block Kit itself."""

from __future__ import annotations

from datetime import datetime

from bot.monitors.service import ChangeEffects
from bot.outbox.effects import SlackEffect
from bot.routing.abort import AbortEffects
from bot.schedule.deps import JobRenderers
from bot.shutdowns import Countdown
from commands.model.status_blocks import shutdown_warning_effect
from commands.monitors.effects import change_effects
from commands.routing.effects import abort_effects


class SlackJobRenderers:
    def shutdown_warning(
        self, countdown: Countdown, threshold: int, channel: str, now: datetime
    ) -> SlackEffect:
        return shutdown_warning_effect(countdown, threshold, channel, now)

    def incident_changes(self, channel: str, now: datetime) -> ChangeEffects:
        return change_effects(channel, now)

    def canary_abort(self, channel: str) -> AbortEffects:
        return abort_effects(channel)


SLACK_JOB_RENDERERS: JobRenderers = SlackJobRenderers()
