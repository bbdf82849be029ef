"""What lies behind an incident: the failing, slow or wrong triages of its monitor's window, for the
*Show examples* button. Reads only; the answers are model output and are shown as plain text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.monitors.specs import MonitorSpec
from storage import incidents, shadow_reads
from storage.db import Database
from storage.models import Incident, Triage

LIMIT = 5


@dataclass(frozen=True)
class Example:
    triage_id: int | None
    at: datetime
    input_text: str
    answer: str  # what the model said, or the error: model output, never mrkdwn
    note: str = ""  # why it is an example (the latency, the reviewer's correction)


def _answer(triage: Triage) -> str:
    if triage.status != "ok":
        return f"failed ({triage.error_kind or 'error'}): {triage.error_message or 'no detail'}"
    return f"{triage.urgency} / {triage.category}: {triage.summary or ''}".strip()


def _example(triage: Triage, note: str = "") -> Example:
    return Example(triage.id, triage.created_at, triage.input_text, _answer(triage), note)


async def examples(db: Database, incident: Incident, spec: MonitorSpec, now: datetime) -> list[Example]:
    """Up to LIMIT examples from the window the incident was judged on (ending at its resolution)."""
    end = incident.resolved_at or now
    start = end - spec.window
    model = (incident.endpoint, incident.model_id)
    async with db.session() as session:
        if spec.name == "failure_rate":
            return [_example(t) for t in await incidents.failed_triages(session, model, start, end, LIMIT)]
        if spec.name == "latency_p95":
            slow = await incidents.slowest_triages(session, model, start, end, LIMIT)
            return [_example(t, f"{t.latency_ms:,} ms") for t in slow]
        if spec.name == "review_wrong_rate":
            wrong = await incidents.wrong_reviews(session, model, start, end, LIMIT)
            return [
                _example(
                    triage,
                    f"reviewer {check.reviewer or 'unknown'}: should be "
                    f"{check.expected_urgency or '?'} / {check.expected_category or '?'}",
                )
                for check, triage in wrong
            ]
        if spec.name == "shadow_disagreement":
            pairs = await shadow_reads.disagreements(session, start, end, LIMIT)
            return [
                _example(triage, f"candidate {pair.model_id} said {pair.urgency} / {pair.category}")
                for pair, triage in pairs
            ]
        # Drift and spend have no wrong answer: the most recent triages show the mix as it is now.
        return [_example(t) for t in await incidents.recent_triages(session, model, start, end, LIMIT)]
