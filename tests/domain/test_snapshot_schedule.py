"""The shutdown watch job (issue 12): shutdown dates read, warnings sent once per threshold, and the
live model snapshotted automatically before its shutdown date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from bot.app import scheduled_jobs
from bot.outbox.worker import OutboxWorker
from bot.schedule.jobs import SHUTDOWN_WATCH_JOB, configured_jobs
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from commands.outbox_sender import outbox_client, slack_sender
from storage.models import OutboxMessage, Snapshot
from tests.support.app_under_test import LIVE_MODEL
from tests.support.cli_process import run
from tests.support.quality_services import open_services, script_all, seed_cases

SHUTDOWN = date(2027, 1, 14)
ALERTS = "C0ALERTS"


def at(days_before: int) -> datetime:
    return datetime.combine(SHUTDOWN - timedelta(days=days_before), datetime.min.time(), UTC) + timedelta(
        hours=7
    )


async def watch(services: Services, now: datetime) -> str:
    (job,) = [
        j
        for j in configured_jobs(scheduled_jobs(services.settings, services))
        if j.name == SHUTDOWN_WATCH_JOB
    ]
    return await job.run(now, now)


async def snapshots_of(services: Services) -> list[Snapshot]:
    async with services.db.session() as session:
        return list((await session.exec(select(Snapshot))).all())


async def warnings(services: Services) -> list[str]:
    async with services.db.session() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    return [r.payload["text"] for r in rows if r.dedupe_key.startswith("shutdown-warning:")]


async def test_the_live_model_is_snapshotted_within_the_window_and_warnings_go_once(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.add_model(LIVE_MODEL, shutdown_date=SHUTDOWN)
    script_all(openai_standin, LIVE_MODEL, right=True)
    async with open_services(
        sqlite_url,
        slack_standin,
        openai_standin,
        triage_alert_channel=ALERTS,
        triage_snapshot_days_before_shutdown=20,
    ) as services:
        await seed_cases(services)
        note = await watch(services, at(50))  # today's 2026-11-25: 50 days left
        assert "no snapshot" in note and "shuts down in 50 days (snapshot from 20)" in note
        assert not await snapshots_of(services)
        (first,) = await warnings(services)
        assert "Shutdown within 90 days" in first and f"{LIVE_MODEL} on openai (live)" in first

        await watch(services, at(49))  # the next day: still the 90-day warning, not again
        assert len(await warnings(services)) == 1

        note = await watch(services, at(20))
        assert "snapshot #1 recorded" in note
        (snap,) = await snapshots_of(services)
        assert (snap.model_id, snap.requested_by, snap.finished_at is not None) == (
            LIVE_MODEL,
            "schedule",
            True,
        )
        assert [w.split("*")[1] for w in await warnings(services)] == [
            "Shutdown within 90 days",
            "Shutdown within 30 days",
        ]

        note = await watch(services, at(15))  # a snapshot less than a week old: none again
        assert "less than a week old" in note and len(await snapshots_of(services)) == 1
        note = await watch(services, at(5))
        assert "snapshot #2 recorded" in note
        assert len(await warnings(services)) == 3  # 90, 30, then 7 days

        # The warnings reach Slack once each, through the outbox (queued at the job's simulated
        # dates, after today's real clock: made due now).
        async with services.db.transaction() as session:
            for row in (await session.exec(select(OutboxMessage))).all():
                row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
                session.add(row)
        token = services.settings.slack_bot_token
        client = outbox_client(token.get_secret_value() if token else None, services.settings.slack_api_url)
        worker = OutboxWorker(services.db, slack_sender(client), services.registry.outbox)
        await worker.deliver_due()
        await worker.deliver_due()
        posted = [c for c in slack_standin.calls_to("chat.postMessage") if c.params.get("channel") == ALERTS]
        assert len(posted) == 3


async def test_no_snapshot_without_a_date_and_the_setting_is_checked(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn, tmp_path: Path
) -> None:
    openai_standin.add_model(LIVE_MODEL)  # no date published
    async with open_services(sqlite_url, slack_standin, openai_standin) as services:
        note = await watch(services, at(5))
        assert "has no known shutdown date" in note and not await snapshots_of(services)
        assert not await warnings(services)
    bad = run(tmp_path, "migrate", DATABASE_URL=sqlite_url, TRIAGE_SNAPSHOT_DAYS_BEFORE_SHUTDOWN="0")
    assert bad.returncode == 2 and "TRIAGE_SNAPSHOT_DAYS_BEFORE_SHUTDOWN" in bad.stderr


async def test_the_gate_note_names_the_live_models_snapshot(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    from bot.snapshots.gate import live_snapshot_note
    from storage.models import SwitchRequest

    openai_standin.add_model(LIVE_MODEL, shutdown_date=SHUTDOWN)
    script_all(openai_standin, LIVE_MODEL, right=True)
    async with open_services(sqlite_url, slack_standin, openai_standin) as services:
        await seed_cases(services)
        request = SwitchRequest(
            created_at=at(20),
            expires_at=at(19),
            kind="switch",
            requested_by="U0AGENT",
            endpoint="openai",
            model_id="ft:gpt-4.1-mini:acme::x",
            from_endpoint="openai",
            from_model_id=LIVE_MODEL,
        )
        assert await live_snapshot_note(services.db, request) is None
        await watch(services, at(20))
        note = await live_snapshot_note(services.db, request)
        assert note is not None and note.startswith("Snapshot of the live model: #1 ")
        assert "--model ft:gpt-4.1-mini:acme::x --endpoint openai --snapshot 1" in note

        from commands.block_kit import as_dicts
        from commands.model.snapshot import snapshot_gate_blocks

        (block,) = as_dicts(await snapshot_gate_blocks(services, request))
        assert block["type"] == "context" and block["elements"][0]["text"].startswith(
            ":camera: Snapshot of the live model: #1"
        )
