"""/model list marks what matters for the migration (issue 12): the live model, pending candidates,
snapshotted models and models with a shutdown date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import create_engine
from sqlmodel import Session

from storage.db import sync_url
from storage.models import ModelShutdown, Snapshot
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import CANDIDATE, approvals_bot, ask, request_switch

OTHER = "ft:gpt-4o-mini-2024-07-18:acme:triage:other0004"


def test_list_marks_candidates_snapshots_and_retiring_models(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    for model in (LIVE_MODEL, CANDIDATE, OTHER):
        bot.openai.add_model(model, fine_tune_of="gpt-4o-mini-2024-07-18")
    request_switch(bot)
    engine = create_engine(sync_url(bot.db_url))
    with Session(engine) as session:
        session.add(
            Snapshot(
                name="before",
                endpoint="openai",
                model_id=LIVE_MODEL,
                prompt_version="triage_v1",
                requested_by="U0LEAD",
                finished_at=datetime.now(UTC),
                input_count=3,
            )
        )
        session.add(
            ModelShutdown(
                endpoint="openai", model_id=LIVE_MODEL, shutdown_date=date(2027, 1, 14), source="endpoint"
            )
        )
        session.commit()
    engine.dispose()

    lines = ask(bot, "list").split("\\n")
    live = next(line for line in lines if LIVE_MODEL in line)
    candidate = next(line for line in lines if CANDIDATE in line)
    other = next(line for line in lines if OTHER in line)
    assert "*live*" in live and "snapshotted" in live and "retiring 2027-01-14" in live
    assert "candidate (pending request)" in candidate and "snapshotted" not in candidate
    assert "candidate" not in other and "retiring" not in other
