"""An incident change as the Slack calls the outbox sends: the one post when it opens, and edits of
that same message (its ts filled in by the worker from the post's recorded answer) after."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.monitors.incidents import Effect
from bot.monitors.service import Change, ChangeEffects, IncidentEffects, posted_message_key
from bot.monitors.specs import MonitorSpec
from bot.monitors.views import IncidentView
from bot.outbox.effects import MESSAGE_OF, SlackEffect
from commands.block_kit import as_dicts
from commands.monitors.blocks import incident_blocks, incident_text


def _message(incident: IncidentView, spec: MonitorSpec, now: datetime) -> dict[str, object]:
    return {
        "text": incident_text(incident, spec),
        "blocks": as_dicts(incident_blocks(incident, spec, now)),
        "unfurl_links": False,
    }


def edit(incident: IncidentView, spec: MonitorSpec, now: datetime) -> SlackEffect:
    assert incident.id is not None
    payload = {**_message(incident, spec, now), MESSAGE_OF: posted_message_key(incident.id)}
    payload.pop("unfurl_links")  # chat.update takes no unfurl settings
    return SlackEffect("message", "chat.update", payload)


def change_effects(channel: str, now: datetime) -> ChangeEffects:
    def render(change: Change) -> Sequence[SlackEffect]:
        if change.effect is Effect.OPEN:
            payload = {"channel": channel, **_message(change.incident, change.spec, now)}
            return [SlackEffect("message", "chat.postMessage", payload)]
        return [edit(change.incident, change.spec, now)]

    return render


def mute_effects(spec: MonitorSpec, now: datetime) -> IncidentEffects:
    def render(incident: IncidentView) -> Sequence[SlackEffect]:
        return [edit(incident, spec, now)]

    return render
