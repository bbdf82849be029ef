"""An automatic canary abort as the Slack call that says so: the renderer the routing domain writes
to the outbox in the abort's own transaction."""

from __future__ import annotations

from bot.outbox.effects import SlackEffect
from bot.routing.abort import Abort, AbortEffects
from bot.settings import Settings
from commands import render, text


def abort_text(abort: Abort) -> str:
    canary = abort.canary
    lines = [
        f":octagonal_sign: *Canary of {render.model(canary.model_id, canary.endpoint)} aborted automatically*: "
        "all traffic is back on the live model.",
        *[f"• {text.escape_mrkdwn(reason)}" for reason in abort.reasons],
        f"Over {abort.figures.candidate_triages} candidate triages since "
        f"{render.moment(canary.started_at)} ({canary.percent}% of live traffic). Nothing else changed: "
        "ask again with `/model canary` once it is fixed.",
    ]
    return text.truncate("\n".join(lines), text.SECTION_TEXT_MAX)


def canary_channel(settings: Settings) -> str | None:
    """Where an automatic abort is told: the approvals channel (who approved the canary), else alerts."""
    return settings.triage_approval_channel or settings.triage_alert_channel


def abort_effects(channel: str) -> AbortEffects:
    def render_abort(abort: Abort) -> list[SlackEffect]:
        payload = {"channel": channel, "text": abort_text(abort), "unfurl_links": False}
        return [SlackEffect("abort", "chat.postMessage", payload)]

    return render_abort
