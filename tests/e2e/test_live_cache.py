"""The live deployment is cached per process and checked against the newest `deployments.id` on every
use: a switch made in another process is what that process's very next triage runs, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest

from bot.deployments import ensure_initial_deployment, live_deployment, live_version
from bot.errors import NotFound
from commands.ids import Action
from storage.db import Database
from storage.models import DeliveryStatus, Deployment, Triage
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.bot_processes import start_bots, switches, wait_until
from tests.support.model_requests import CANDIDATE, LEADS, click, request_switch
from tests.support.paths import REPO_ROOT
from tests.support.serve_process import rows

__all__ = ["start_bots"]  # the fixture, used by name

ROOT = REPO_ROOT


def in_another_process(db_url: str, model_id: str, *, replacing_id: int | None = None) -> None:
    """What an approval in another bot process leaves behind: one more deployments row. With
    `replacing_id`, that row is deleted first and the new one takes its id (a restore, a hand edit)."""
    script = textwrap.dedent(
        f"""
        from sqlalchemy import create_engine, delete
        from sqlmodel import Session
        from storage.db import sync_url
        from storage.models import DeliveryStatus, Deployment, Triage
        engine = create_engine(sync_url({db_url!r}))
        with Session(engine) as session:
            if {replacing_id!r} is not None:
                session.exec(delete(Deployment).where(Deployment.id == {replacing_id!r}))
            session.add(Deployment(id={replacing_id!r}, endpoint="openai", model_id={model_id!r},
                                   kind="switch", requested_by="U0OTHER", previous_endpoint="openai",
                                   previous_model_id={LIVE_MODEL!r}))
            session.commit()
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=60)


async def test_unchanged_deployment_is_reused_and_a_switch_elsewhere_is_seen_next(any_db_url: str) -> None:
    db = Database(any_db_url)
    try:
        await ensure_initial_deployment(db, LIVE_MODEL)
        first = await live_deployment(db)
        assert await live_deployment(db) is first  # nothing changed: no second row read

        in_another_process(any_db_url, CANDIDATE)

        after = await live_deployment(db)
        assert after.model_id == CANDIDATE
        assert after.id != first.id
        version = await live_version(db)
        assert version is not None and version[:3] == (str(after.id), "openai", CANDIDATE)
        assert await live_deployment(db) is after
    finally:
        await db.dispose()


async def test_a_reused_id_is_not_mistaken_for_the_row_this_process_knew(any_db_url: str) -> None:
    db = Database(any_db_url)
    try:
        await ensure_initial_deployment(db, LIVE_MODEL)
        first = await live_deployment(db)

        in_another_process(any_db_url, CANDIDATE, replacing_id=first.id)

        after = await live_deployment(db)
        assert (after.id, after.model_id) == (first.id, CANDIDATE)
    finally:
        await db.dispose()


async def test_nothing_deployed_is_still_refused(any_db_url: str) -> None:
    db = Database(any_db_url)
    try:
        assert await live_version(db) is None
        with pytest.raises(NotFound, match="No model is deployed yet"):
            await live_deployment(db)
    finally:
        await db.dispose()


def delivered_triages(db_url: str) -> list[Triage]:
    return [t for t in rows(db_url, Triage) if t.delivery_status not in (None, DeliveryStatus.PENDING)]


def triage_model(bot: Bot) -> str:
    ack, _ = bot.send.command("/triage", "Which model answers me?")
    assert ack.status_code == 200
    text: str = ack.json()["text"]
    return text


def test_a_switch_approved_in_one_process_is_the_next_triage_in_the_other(
    start_bots: Callable[..., list[Bot]], any_db_url: str
) -> None:
    a, b = start_bots(any_db_url, 2)
    # Both processes have triaged, so both hold the live deployment.
    assert LIVE_MODEL in triage_model(a) and LIVE_MODEL in triage_model(b)

    request = request_switch(a)
    response, _ = click(a, Action.APPROVE_SWITCH, request, LEADS[0])
    assert response.status_code == 200
    wait_until(lambda: bool(switches(any_db_url)))

    assert CANDIDATE in triage_model(b)  # the very next triage in the other process
    assert CANDIDATE in triage_model(a)

    # And back, switched in the other direction: b approves, a's next triage follows.
    back = request_switch(b, LIVE_MODEL, user="U0AGENT2")
    click(b, Action.APPROVE_SWITCH, back, LEADS[1])
    wait_until(lambda: len(switches(any_db_url)) == 2)
    assert LIVE_MODEL in triage_model(a)
    # Let the five background triages finish (recorded and delivered) before the processes stop.
    wait_until(lambda: len(delivered_triages(any_db_url)) == 5)
    assert [d.model_id for d in sorted(switches(any_db_url), key=lambda d: d.id or 0)] == [
        CANDIDATE,
        LIVE_MODEL,
    ]
    assert len([d for d in rows(any_db_url, Deployment) if d.kind == "initial"]) == 1
