"""A model's stored shutdown dates, as the registry needs them when a switch is requested: record
what the endpoint said, and the earliest date known for the model or its base. Here, below
bot/shutdowns.py (which reads the registry's requests to know which models matter), so the
registry and the shutdown watch do not import each other."""

from __future__ import annotations

from datetime import date, datetime

from storage import shutdowns as queries
from storage.db import Database
from storage.models import ShutdownSource


def base_of(model_id: str) -> str | None:
    """The base model of an OpenAI fine-tune ID (`ft:gpt-4o-mini-2024-07-18:org::id`), else None."""
    parts = model_id.split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "ft" and parts[1] else None


async def record_reading(
    db: Database, endpoint: str, model_id: str, shutdown_date: date | None, now: datetime
) -> None:
    async with db.transaction() as session:
        await queries.record(session, endpoint, model_id, shutdown_date, ShutdownSource.ENDPOINT, read_at=now)


async def known_shutdown(db: Database, endpoint: str, model_id: str) -> date | None:
    """The earliest stored date of a model or its base (no endpoint asked): for flagging candidates."""
    async with db.session() as session:
        rows = await queries.of_model(session, endpoint, model_id)
        if base := base_of(model_id):
            rows += await queries.of_model(session, endpoint, base)
    dates = [row.shutdown_date for row in rows if row.shutdown_date]
    return min(dates) if dates else None
