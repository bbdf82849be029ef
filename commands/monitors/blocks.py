"""Block Kit for monitors: the incident message (one per incident, edited in place), the
`/model monitors` overview, and the private list of examples behind an incident."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.monitors.examples import Example
from bot.monitors.service import MonitorState
from bot.monitors.specs import Level, MonitorSpec
from bot.monitors.views import IncidentView
from commands import render, text
from commands.ids import Action
from commands.ids import Block as BlockId

_LOOK = {
    Level.ALERT: (":rotating_light:", "Alert"),
    Level.WARNING: (":warning:", "Warning"),
    Level.OK: (":white_check_mark:", "OK"),
    Level.NO_DATA: (":grey_question:", "Not enough data"),
}
EXAMPLE_TEXT_MAX = 600


def window(spec: MonitorSpec) -> str:
    minutes = spec.window_minutes
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return "24 h" if days == 1 else f"{days} days"
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def thresholds(spec: MonitorSpec) -> str:
    sign = "≤" if spec.lower_is_worse else "≥"
    return f"warning {sign} {spec.shown(spec.warning)} · alert {sign} {spec.shown(spec.alert)}"


def _heading(incident: IncidentView) -> str:
    if incident.resolved_at is not None:
        return f":white_check_mark: *Resolved:* {incident.monitor}"
    emoji, word = _LOOK.get(Level(incident.level), _LOOK[Level.ALERT])
    return f"{emoji} *{word}:* {incident.monitor}"


def incident_text(incident: IncidentView, spec: MonitorSpec) -> str:
    """The notification and screen-reader line (top-level text: escaped)."""
    state = "resolved" if incident.resolved_at is not None else incident.level
    return text.escape_mrkdwn(
        f"Incident #{incident.id}: {incident.monitor} {state} at {spec.shown(incident.value)} on {incident.model_id}"
    )


def incident_blocks(incident: IncidentView, spec: MonitorSpec, now: datetime) -> list[Block]:
    lines = [
        f"{_heading(incident)} on {render.model(incident.model_id, incident.endpoint)}",
        text.escape_mrkdwn(spec.description),
    ]
    fields = [
        MarkdownTextObject(text=f"*Value*\n{spec.shown(incident.value)}"),
        MarkdownTextObject(text=f"*Thresholds*\n{thresholds(spec)}"),
        MarkdownTextObject(text=f"*Window*\n{window(spec)}"),
        MarkdownTextObject(text=f"*Worst*\n{incident.worst_level}"),
    ]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines)), fields=fields),
    ]
    notes = [f"Incident #{incident.id} opened {render.moment(incident.opened_at)}"]
    if incident.resolved_at is not None:
        notes.append(f"resolved {render.moment(incident.resolved_at)}")
    elif incident.muted_until is not None and incident.muted_until > now:
        notes.append(
            f"muted by {render.person(incident.muted_by)} until {render.moment(incident.muted_until)}"
        )
    if incident.detail:
        notes.append(text.safe_mrkdwn(incident.detail, 500))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(notes))]))
    if incident.resolved_at is None:
        blocks.append(_buttons(incident))
    return blocks


def _buttons(incident: IncidentView) -> ActionsBlock:
    value = str(incident.id)
    return ActionsBlock(
        block_id=BlockId.INCIDENT_ACTIONS,
        elements=[
            ButtonElement(
                text="Roll back",
                action_id=Action.INCIDENT_ROLLBACK,
                value=value,
                style="danger",
                confirm=ConfirmObject(
                    title="Roll back now?",
                    text="The previous model goes live at once, recorded as your break-glass rollback.",
                    confirm="Roll back",
                    deny="Cancel",
                ),
            ),
            ButtonElement(text="Show examples", action_id=Action.INCIDENT_EXAMPLES, value=value),
            ButtonElement(text="Mute 24 h", action_id=Action.INCIDENT_MUTE, value=value),
        ],
    )


def monitors_blocks(found: Sequence[MonitorState], live_model: str | None) -> list[Block]:
    head = "*Monitors*" + (f" on {text.inline_code(live_model)}" if live_model else ": no live model yet")
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head))]
    for state in found:
        spec = state.spec
        emoji, word = _LOOK[state.level]
        if not spec.enabled:
            emoji, word = ":no_entry_sign:", "Disabled"
        reading = state.reading
        value = spec.shown(reading.value) if reading else "no data"
        sample = f" ({reading.sample} samples, needs {spec.min_sample})" if reading else ""
        lines = [
            f"{emoji} *{spec.name}*: {word}. {text.escape_mrkdwn(spec.description)}",
            f"Value *{value}*{sample} over the last {window(spec)}; {thresholds(spec)}",
        ]
        incident = state.incident
        if incident is not None:
            lines.append(
                f"Open incident #{incident.id} ({incident.level}) since {render.moment(incident.opened_at)}"
            )
        else:
            lines.append("No open incident")
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines))))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(text="Evaluated every minute; thresholds are set with TRIAGE_MONITORS.")
            ]
        )
    )
    return blocks


def monitors_text(found: Sequence[MonitorState]) -> str:
    return "Monitors: " + ", ".join(f"{s.spec.name} {s.level}" for s in found)


def examples_blocks(incident: IncidentView, spec: MonitorSpec, found: Sequence[Example]) -> list[Block]:
    head = (
        f"*Examples behind incident #{incident.id}* ({incident.monitor}, last {window(spec)} of its window)"
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head))]
    if not found:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="No triages in that window to show.")))
    for example in found:
        when = example.at.strftime("%Y-%m-%d %H:%M UTC")
        parts = [
            f"Triage #{example.triage_id} · {when}" + (f" · {example.note}" if example.note else ""),
            f"Message: {text.truncate(example.input_text, EXAMPLE_TEXT_MAX)}",
            f"Answer: {text.truncate(example.answer, EXAMPLE_TEXT_MAX)}",
        ]
        # User input and model output: plain_text, never parsed for mentions or links.
        blocks.append(SectionBlock(text=PlainTextObject(text="\n".join(parts), emoji=False)))
    return blocks
