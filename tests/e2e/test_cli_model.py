"""`triagebot model …`: the registry from the terminal while Slack is down (issue 12)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.standins.openai_api import OpenAIStandIn
from storage.models import Deployment, ModelShutdown, OutboxMessage, OutboxStatus
from tests.support.app_under_test import LIVE_MODEL, OPENAI_KEY, Bot
from tests.support.cli_process import run
from tests.support.model_requests import APPROVALS, CANDIDATE, approvals_bot, switched
from tests.support.waiting import wait_until


def cli_env(bot: Bot, **extra: str) -> dict[str, str]:
    env = {
        "DATABASE_URL": bot.db_url,
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": f"{bot.openai.base_url}/v1",
        "TRIAGE_DEFAULT_MODEL": LIVE_MODEL,
        "TRIAGE_APPROVAL_CHANNEL": APPROVALS,
    }
    env.update(extra)
    return env


def announcements(bot: Bot) -> list[dict]:
    """Break-glass announcements Slack accepted (refused attempts do not count)."""
    return [
        c.params
        for c in bot.slack.calls_to("chat.postMessage")
        if "Break-glass" in json.dumps(c.params) and c.params.get("channel") == APPROVALS and c.error is None
    ]


def test_rollback_from_the_cli_while_slack_is_down_is_announced_once_it_answers(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    switched(bot)  # CANDIDATE live, LIVE_MODEL the previous one
    wait_until(lambda: all(r.status == OutboxStatus.SENT for r in bot.rows(OutboxMessage)))
    bot.slack.fail_next("chat.postMessage", status=503, times=2)  # Slack is down

    done = run(
        tmp_path,
        "model",
        "rollback",
        "--reason",
        "billing labels <!channel> broke",
        "--as",
        "Ana Lead",
        **cli_env(bot),
    )
    assert done.returncode == 0, done.stderr
    assert f"Rolled back: {LIVE_MODEL} on openai is live now" in done.stdout and "queued" in done.stdout
    live = max(bot.rows(Deployment), key=lambda d: d.id)
    assert (live.model_id, live.kind) == (LIVE_MODEL, "rollback")
    assert live.requested_by.startswith("cli:") and live.requested_by.endswith(" as Ana Lead")
    assert live.approved_by is None and live.break_glass  # break-glass: nobody approved it
    assert live.reason == "billing labels <!channel> broke"

    # The running bot's outbox worker retries until Slack answers, then posts it exactly once.
    (row,) = bot.rows(OutboxMessage, OutboxMessage.dedupe_key == f"deployment:{live.id}:break-glass:announce")
    wait_until(
        lambda: bot.rows(OutboxMessage, OutboxMessage.id == row.id)[0].status == OutboxStatus.SENT, timeout=20
    )
    (posted,) = announcements(bot)
    assert bot.rows(OutboxMessage, OutboxMessage.id == row.id)[0].attempts == 3  # two refused while down
    assert "rolled back the live model from the command line" in posted["text"]
    assert "as Ana Lead" in posted["text"] and "&lt;!channel&gt;" in posted["text"]


def test_switch_status_and_history_from_the_cli(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    in_40 = datetime.now(UTC).date() + timedelta(days=40)
    bot.openai.add_model(CANDIDATE, shutdown_date=in_40)
    env = cli_env(bot)

    switched = run(tmp_path, "model", "switch", CANDIDATE, "--reason", "tested offline", "--as", "Ana", **env)
    assert switched.returncode == 0, switched.stderr
    assert f"Switched: {CANDIDATE} on openai is live now" in switched.stdout
    live = max(bot.rows(Deployment), key=lambda d: d.id)
    assert (live.kind, live.model_id, live.previous_model_id) == ("switch", CANDIDATE, LIVE_MODEL)
    wait_until(lambda: announcements(bot), timeout=10)
    assert "switched the live model from the command line" in announcements(bot)[0]["text"]

    status = run(tmp_path, "model", "status", **env)
    assert status.returncode == 0, status.stderr
    assert f"Live model: {CANDIDATE} on openai" in status.stdout and "reason: tested offline" in status.stdout
    assert f"previous: {LIVE_MODEL} on openai" in status.stdout
    assert (
        f"WARNING (<= 90 days): {CANDIDATE} on openai (live): shuts down on {in_40.isoformat()}, 40 days left"
        in status.stdout
    )

    history = run(tmp_path, "model", "history", "-n", "5", **env)
    assert f"switch: {LIVE_MODEL} -> {CANDIDATE} on openai; requested by cli:" in history.stdout
    assert "initial" in history.stdout and history.stdout.index("switch:") < history.stdout.index("initial")

    bad = run(tmp_path, "model", "switch", "not a model", "--reason", "x", "--as", "Ana", **env)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "model ID" in bad.stderr
    missing = run(tmp_path, "model", "rollback", "--reason", "x", **env)
    assert missing.returncode == 2 and "--as" in missing.stderr


def test_retire_on_from_the_cli(sqlite_url: str, tmp_path: Path, bot_factory: Callable[..., Bot]) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    env = cli_env(bot)
    done = run(tmp_path, "model", "retire-on", LIVE_MODEL, "2027-01-14", "--as", "Ana", **env)
    assert done.returncode == 0, done.stderr
    (row,) = bot.rows(ModelShutdown)
    assert (row.source, str(row.shutdown_date), row.set_by.endswith(" as Ana")) == (
        "operator",
        "2027-01-14",
        True,
    )
    cleared = run(tmp_path, "model", "retire-on", LIVE_MODEL, "none", "--as", "Ana", **env)
    assert cleared.returncode == 0 and not bot.rows(ModelShutdown)


def test_a_fresh_database_answers_from_the_cli(tmp_path: Path, openai_standin: OpenAIStandIn) -> None:
    env = {  # a database no bot ever served
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": f"{openai_standin.base_url}/v1",
        "TRIAGE_DEFAULT_MODEL": LIVE_MODEL,
    }
    status = run(tmp_path, "model", "status", "--no-refresh", **env)
    assert status.returncode == 0, status.stderr
    assert (
        f"Live model: {LIVE_MODEL} on openai" in status.stdout and "Pending requests: none." in status.stdout
    )
    rollback = run(tmp_path, "model", "rollback", "--reason", "x", "--as", "Ana", **env)
    assert rollback.returncode == 1 and "Nothing to roll back to" in rollback.stderr
    bad = run(tmp_path, "model", "history", "-n", "0", **env)
    assert bad.returncode == 1 and "-n must be from 1 to 50" in bad.stderr
