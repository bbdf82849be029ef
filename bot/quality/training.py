"""Reviewed triages as OpenAI chat fine-tuning examples: the reviewer's answer wins over the model's."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from bot.triage import URGENCIES, system_prompt
from storage.db import Database
from storage.models import QualityCheck, Triage
from storage.statuses import QualityCheckKind, TriageStatus

BATCH = 1000


async def training_lines(db: Database, categories: list[str], since: datetime | None) -> list[str]:
    """One JSONL line per reviewed triage (its latest review decides), oldest triage first."""
    prompt = system_prompt(tuple(categories))
    latest = (
        select(func.max(col(QualityCheck.id)).label("check_id"))
        .where(col(QualityCheck.kind) == QualityCheckKind.REVIEW, col(QualityCheck.triage_id).is_not(None))
        .group_by(col(QualityCheck.triage_id))
    )
    if since is not None:
        latest = latest.where(col(QualityCheck.created_at) >= since)
    latest_ids = latest.subquery()
    lines: list[str] = []
    after = 0
    async with db.session() as session:
        while True:
            stmt = (
                select(Triage, QualityCheck)
                .join(QualityCheck, col(QualityCheck.triage_id) == col(Triage.id))
                .join(latest_ids, latest_ids.c.check_id == col(QualityCheck.id))
                .where(col(Triage.status) == TriageStatus.OK, col(Triage.id) > after)
                .order_by(col(Triage.id))
                .limit(BATCH)
            )
            rows = (await session.exec(stmt)).all()
            for triage, review in rows:
                line = _example(prompt, triage, review, categories)
                if line is not None:
                    lines.append(line)
            if len(rows) < BATCH:
                return lines
            after = rows[-1][0].id or after


def _example(prompt: str, triage: Triage, review: QualityCheck, categories: list[str]) -> str | None:
    urgency = triage.urgency if review.passed else review.expected_urgency or triage.urgency
    category = triage.category if review.passed else review.expected_category or triage.category
    # Labels from an older configuration would teach the model answers the schema now refuses.
    if urgency not in URGENCIES or category not in categories:
        return None
    answer = {
        "urgency": urgency,
        "category": category,
        "summary": triage.summary or "",
        "next_step": triage.next_step or "",
    }
    messages = [
        {"role": "system", "content": prompt},
        {"role": "user", "content": triage.input_text},
        {"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)},
    ]
    return json.dumps({"messages": messages}, ensure_ascii=False)
