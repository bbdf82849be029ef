"""Monitors in Slack (issue 11), over HTTP against the stand-ins: an incident is one message in the
alert channel, posted once, edited in place, resolved; its buttons work; `/model monitors` lists."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, create_engine

from bot.app import scheduled_jobs
from bot.schedule.jobs import MONITORS_JOB, configured_jobs, monitors_job
from bot.schedule.runner import JobRunner
from bot.services import build_services
from bot.standins.slack_api import SlackCall
from commands.ids import Action, Block
from storage.db import sync_url
from storage.models import Deployment, Incident, JobRun, OutboxMessage, Triage
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import APPROVALS, CANDIDATE, approvals_bot, click, request_switch, responses
from tests.support.waiting import wait_until

ONLY_FAILURES = {name: {"enabled": False} for name in ("latency_p95", "review_wrong_rate", "category_drift")}


def monitors_bot(bot_factory: Callable[..., Bot], db_url: str, **overrides: Any) -> Bot:
    """Incidents go to the approvals channel (TRIAGE_ALERT_CHANNEL unset); only failure_rate watches."""
    return approvals_bot(bot_factory, db_url, triage_monitors=ONLY_FAILURES, **overrides)


def add_triages(bot: Bot, *, ok: int, failed: int, model_id: str = LIVE_MODEL) -> None:
    at = datetime.now(UTC) - timedelta(minutes=1)
    engine = create_engine(sync_url(bot.db_url))
    with Session(engine) as session:
        for i in range(ok + failed):
            good = i < ok
            session.add(
                Triage(
                    created_at=at,
                    source="command",
                    input_text=f"customer says <!channel> help {i}",
                    endpoint="openai",
                    model_id=model_id,
                    prompt_version="triage_v1",
                    status="ok" if good else "failed",
                    error_kind=None if good else "timeout",
                    error_message=None if good else "the model took too long",
                    urgency="high" if good else None,
                    category="bug" if good else None,
                    latency_ms=100 if good else None,
                )
            )
        session.commit()
    engine.dispose()


_calls = itertools.count(1)


def evaluate(bot: Bot, *, processes: int = 1) -> list[JobRun | None]:
    """One minute's job run, fired by `processes` processes at once (as every process does)."""

    async def fire() -> list[JobRun | None]:
        services = [build_services(bot.settings) for _ in range(processes)]
        try:
            now = datetime.now(UTC)
            # A "minute" of our own per call: the bot's own scheduler claims the real minutes.
            minute = now.replace(microsecond=next(_calls))
            runners = [JobRunner(s.db, [monitors_job(scheduled_jobs(s.settings, s))], claimed_by=f"p{i}") for i, s in enumerate(services)]
            return list(
                await asyncio.gather(*(r.run_once(r.jobs[MONITORS_JOB], minute, now) for r in runners))
            )
        finally:
            for s in services:
                await s.close()

    return asyncio.run(fire())


def incident_posts(bot: Bot) -> list[SlackCall]:
    return [c for c in bot.slack.calls_to("chat.postMessage") if "failure_rate" in json.dumps(c.params)]


def incident_edits(bot: Bot) -> list[SlackCall]:
    return [c for c in bot.slack.calls_to("chat.update") if "failure_rate" in json.dumps(c.params)]


def posted_ts(bot: Bot) -> str:
    (row,) = [
        r for r in bot.rows(OutboxMessage) if r.method == "chat.postMessage" and "incident" in r.dedupe_key
    ]
    assert row.result and row.result["channel"] == APPROVALS
    return str(row.result["ts"])


def incident_keys(bot: Bot) -> list[str]:
    return sorted(r.dedupe_key for r in bot.rows(OutboxMessage) if r.dedupe_key.startswith("incident:"))


def buttons(call: SlackCall) -> list[str]:
    return [
        element["action_id"]
        for block in call.params.get("blocks", [])
        if block.get("block_id") == Block.INCIDENT_ACTIONS
        for element in block["elements"]
    ]


def press(bot: Bot, action: Action, incident: Incident, user: str) -> str:
    _, url = bot.send.block_action(
        action, str(incident.id), user_id=user, channel_id=APPROVALS, block_id=Block.INCIDENT_ACTIONS
    )
    return url


def the_incident(bot: Bot) -> Incident:
    (incident,) = bot.rows(Incident)
    return incident


def test_an_incident_is_posted_once_edited_in_place_and_resolved(
    bot_factory: Callable[..., Bot], any_db_url: str
) -> None:
    bot = monitors_bot(bot_factory, any_db_url)
    add_triages(bot, ok=15, failed=5)  # 25% of 20: over the 20% alert line

    runs = evaluate(bot, processes=2)
    assert sum(run is not None for run in runs) == 1  # two processes, one claim of the minute
    wait_until(lambda: incident_posts(bot))
    (post,) = incident_posts(bot)
    assert post.params["channel"] == APPROVALS  # TRIAGE_ALERT_CHANNEL unset: the approvals channel
    assert "Alert" in json.dumps(post.params["blocks"]) and "25.0%" in json.dumps(post.params["blocks"])
    assert buttons(post) == [Action.INCIDENT_ROLLBACK, Action.INCIDENT_EXAMPLES, Action.INCIDENT_MUTE]
    wait_until(lambda: any(r.result for r in bot.rows(OutboxMessage)))
    ts = posted_ts(bot)

    evaluate(bot)  # the same 25%: nothing to say, and nothing is posted again
    assert incident_keys(bot) == ["incident:1:open:message"]
    add_triages(bot, ok=0, failed=20)  # 25 of 40 failed: worse, worth an edit
    evaluate(bot)
    wait_until(lambda: incident_edits(bot))
    (edit,) = incident_edits(bot)
    assert (edit.params["channel"], edit.params["ts"]) == (APPROVALS, ts)
    assert "62.5%" in json.dumps(edit.params["blocks"])

    add_triages(bot, ok=400, failed=0)  # 25 of 440: recovered
    evaluate(bot)
    wait_until(lambda: len(incident_edits(bot)) == 2)
    resolved = incident_edits(bot)[-1]
    assert resolved.params["ts"] == ts and "Resolved" in json.dumps(resolved.params["blocks"])
    assert buttons(resolved) == []
    assert len(incident_posts(bot)) == 1, "never re-posted"
    assert the_incident(bot).resolved_at is not None and the_incident(bot).worst_level == "alert"


def test_the_buttons_show_examples_mute_and_roll_back_for_approvers_only(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = monitors_bot(bot_factory, sqlite_url)
    request = request_switch(bot)  # the candidate goes live, so there is a model to roll back to
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
    add_triages(bot, ok=15, failed=5, model_id=CANDIDATE)
    evaluate(bot)
    wait_until(lambda: incident_posts(bot))
    incident = the_incident(bot)
    assert incident.model_id == CANDIDATE

    url = press(bot, Action.INCIDENT_EXAMPLES, incident, "U0AGENT")
    (shown,) = responses(bot, url)
    assert shown["response_type"] == "ephemeral"
    examples = [b for b in shown["blocks"] if b["type"] == "section" and b["text"]["type"] == "plain_text"]
    assert len(examples) == 5 and "the model took too long" in examples[0]["text"]["text"]

    url = press(bot, Action.INCIDENT_ROLLBACK, incident, "U0AGENT")
    (refused,) = responses(bot, url)
    assert "for approvers" in refused["text"] and len(bot.rows(Deployment)) == 2

    url = press(bot, Action.INCIDENT_MUTE, incident, "U0AGENT")
    (muted,) = responses(bot, url)
    assert "muted until" in muted["text"]
    wait_until(lambda: incident_edits(bot))
    assert "muted by" in json.dumps(incident_edits(bot)[-1].params["blocks"])
    assert the_incident(bot).muted_by == "U0AGENT"
    add_triages(bot, ok=0, failed=20, model_id=CANDIDATE)
    evaluate(bot)  # worse, but muted: tracked, not edited
    assert the_incident(bot).value == 25 / 40
    (mute_edit,) = [key for key in incident_keys(bot) if ":update:" in key]
    assert ":update:mute:" in mute_edit

    url = press(bot, Action.INCIDENT_ROLLBACK, incident, "U0LEAD")
    (done,) = responses(bot, url)
    assert "Rolled back" in done["text"]
    live = max(bot.rows(Deployment), key=lambda d: d.id)
    assert (live.model_id, live.kind, live.requested_by, live.approved_by) == (
        LIVE_MODEL,
        "rollback",
        "U0LEAD",
        None,
    )
    assert live.break_glass
    assert "incident #" in (live.reason or "")
    url = press(bot, Action.INCIDENT_ROLLBACK, incident, "U0LEAD2")  # a second lead, a moment later
    (again,) = responses(bot, url)
    assert "no longer live" in again["text"] and len(bot.rows(Deployment)) == 3


def test_model_monitors_lists_every_monitor_with_its_open_incident(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url, triage_monitors={"category_drift": {"enabled": False}})
    add_triages(bot, ok=15, failed=5)
    evaluate(bot)
    wait_until(lambda: incident_posts(bot))
    _, url = bot.send.command("/model", "monitors", user_id="U0AGENT")
    (answer,) = responses(bot, url)
    shown = json.dumps(answer["blocks"], ensure_ascii=False)
    for name in ("failure_rate", "latency_p95", "review_wrong_rate", "category_drift"):
        assert name in shown
    assert (
        "Value *25.0%* (20 samples, needs 20) over the last 15 min; warning ≥ 10.0% · alert ≥ 20.0%" in shown
    )
    assert "Open incident #1 (alert)" in shown and "Disabled" in shown and "No open incident" in shown


def test_the_monitor_job_is_listed_and_needs_a_channel(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = monitors_bot(bot_factory, sqlite_url)

    async def jobs(**settings: Any) -> dict[str, Any]:
        services = build_services(bot.settings.model_copy(update=settings))
        try:
            return {job.name: job for job in configured_jobs(scheduled_jobs(services.settings, services))}
        finally:
            await services.close()

    listed = asyncio.run(jobs())[MONITORS_JOB]
    assert listed.cron == "* * * * *" and listed.disabled is None
    nowhere = asyncio.run(jobs(triage_approval_channel=None, triage_alert_channel=None))[MONITORS_JOB]
    assert nowhere.disabled and "TRIAGE_ALERT_CHANNEL" in nowhere.disabled
