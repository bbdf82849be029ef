"""`triagebot serve --workers 2`: two worker processes behind one socket behave as one bot. A burst
of signed /triage is answered exactly once each, a replayed request is refused whichever worker gets
it, a missed scheduled job is made up by one worker only, and SIGTERM to the parent lets every
worker finish what it acknowledged before the parent exits 0. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.schedule.jobs import DIGEST_JOB
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.models import JobRun, Triage
from tests.bench.load import command_body, fire
from tests.support.app_under_test import BOT_TOKEN, LIVE_MODEL, OPENAI_KEY, SIGNING_SECRET
from tests.support.cli_process import run
from tests.support.job_runs import seed_digest_run
from tests.support.serve_process import ServeProcess, rows, serve_process, standin_env
from tests.support.slack_requests import SlackSender

DIGEST_CHANNEL = "C0DIGEST"
BURST = 40


def workers_of(server: ServeProcess) -> list[int]:
    """The parent's worker processes (spawned by multiprocessing; not its resource tracker)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def wait_until(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture
def two_workers(
    tmp_path: Path, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> Iterator[object]:
    def start(db_url: str, **extra: str) -> ServeProcess:
        assert slack_standin.base_url and openai_standin.base_url
        env = standin_env(
            database_url=db_url,
            slack_base_url=slack_standin.base_url,
            openai_base_url=openai_standin.base_url,
            bot_token=BOT_TOKEN,
            signing_secret=SIGNING_SECRET,
            openai_key=OPENAI_KEY,
            model=LIVE_MODEL,
            **extra,
        )
        # Two workers import and start at once: on a busy shared machine that takes a while.
        context = serve_process(env, tmp_path, args=("serve", "--workers", "2"), startup_seconds=120)
        started.append(context)
        return context.__enter__()

    started: list[object] = []
    yield start
    for context in reversed(started):
        context.__exit__(None, None, None)  # type: ignore[attr-defined]


def test_two_workers_on_sqlite_answer_a_burst_once_refuse_a_replay_and_make_up_a_job_once(
    sqlite_url: str, two_workers: object, slack_standin: SlackStandIn
) -> None:
    _burst_replay_and_missed_job(sqlite_url, two_workers, slack_standin)


@pytest.mark.postgres
def test_two_workers_on_postgres_answer_a_burst_once_refuse_a_replay_and_make_up_a_job_once(
    postgres_url: str, two_workers: object, slack_standin: SlackStandIn
) -> None:
    _burst_replay_and_missed_job(postgres_url, two_workers, slack_standin)


def _burst_replay_and_missed_job(any_db_url: str, two_workers: object, slack_standin: SlackStandIn) -> None:
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    seed_digest_run(any_db_url, midnight - timedelta(days=1))
    server: ServeProcess = two_workers(  # type: ignore[operator]
        any_db_url, TRIAGE_DIGEST_CHANNEL=DIGEST_CHANNEL, TRIAGE_DIGEST_CRON="0 0 * * *"
    )
    wait_until(lambda: len(workers_of(server)) == 2)

    # Both workers start at once and find today's digest missed; one makes it up (counted at the end,
    # when both have long finished starting).
    wait_until(lambda: server.log().count("Application startup complete.") == 2)
    wait_until(lambda: [r.status for r in rows(any_db_url, JobRun, JobRun.scheduled_for == midnight)] == ["done"])

    # A burst of signed /triage, all at once: each acked, each answered once at its response_url.
    signer = SlackSender(server.url, SIGNING_SECRET, slack_standin.response_url)
    urls = [slack_standin.response_url(f"burst-{n}") for n in range(BURST)]
    bodies = [command_body("/triage", f"Customer {n}: charged twice", url, n) for n, url in enumerate(urls)]
    load = asyncio.run(fire(server.url, signer, bodies, BURST))
    assert load.statuses == {200: BURST}
    tokens = {url.rsplit("/", 1)[1] for url in urls}
    slack_standin.wait_for("response_url", lambda c: c.params.get("_token") in tokens, timeout=60, count=BURST)
    answered = Counter(
        c.params.get("_token") for c in slack_standin.calls_to("response_url") if c.params.get("_token") in tokens
    )
    assert set(answered.values()) == {1}
    assert len([t for t in rows(any_db_url, Triage) if t.status == "ok"]) == BURST

    # The same signed bytes twice at once: whichever worker gets each, one runs and one is refused.
    body = command_body("/triage", "Replayed: charged twice", slack_standin.response_url("replay"), 9999)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signer.sign(body)}

    async def twice() -> list[int]:
        async with httpx.AsyncClient() as client:
            answers = await asyncio.gather(
                *(client.post(f"{server.url}/slack/events", content=body, headers=headers) for _ in range(2))
            )
        return sorted(a.status_code for a in answers)

    assert asyncio.run(twice()) == [200, 401]

    digests = [c for c in slack_standin.calls_to("chat.postMessage") if c.params.get("channel") == DIGEST_CHANNEL]
    assert len(digests) == 1
    assert [r.status for r in rows(any_db_url, JobRun, JobRun.job_name == DIGEST_JOB)] == ["done", "done"]


def test_sigterm_to_the_parent_drains_every_worker_then_exits_zero(
    sqlite_url: str, two_workers: object, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    server: ServeProcess = two_workers(sqlite_url)  # type: ignore[operator]
    wait_until(lambda: len(workers_of(server)) == 2)
    workers = workers_of(server)
    openai_standin.latency = 2.0  # the model is still thinking when the stop comes
    signer = SlackSender(server.url, SIGNING_SECRET, slack_standin.response_url)
    urls = [slack_standin.response_url(f"drain-{n}") for n in range(6)]
    bodies = [command_body("/triage", f"Customer {n}: charged twice", url, n) for n, url in enumerate(urls)]
    load = asyncio.run(fire(server.url, signer, bodies, len(bodies)))
    assert load.statuses == {200: len(bodies)}  # acknowledged: "Triaging…"

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0
    # Every acknowledged triage got its result before its worker exited, and no worker is left.
    tokens = {url.rsplit("/", 1)[1] for url in urls}
    delivered = [c for c in slack_standin.calls_to("response_url") if c.params.get("_token") in tokens]
    assert len(delivered) == len(bodies)
    assert all("blocks" in c.params for c in delivered)
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


@pytest.mark.parametrize("value", ["lots", "0", "-2", "65"])
def test_a_bad_web_concurrency_stops_serve_with_exit_2_naming_it(tmp_path: Path, value: str) -> None:
    result = run(tmp_path, "serve", WEB_CONCURRENCY=value)
    assert result.returncode == 2
    assert "WEB_CONCURRENCY" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("value", ["two", "0"])
def test_a_bad_workers_option_is_refused_with_exit_2(tmp_path: Path, value: str) -> None:
    result = run(tmp_path, "serve", "--workers", value)
    assert result.returncode == 2
    assert "--workers" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
