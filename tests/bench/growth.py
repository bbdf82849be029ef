"""Growth: `/triage` server CPU per request and the digest's time with 10k, 100k and 1M triages
already stored, on one SQLite database grown between the steps. Flat figures mean no per-request
cost scales with the table (every query on the path is served by an index)."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.migrate import upgrade
from tests.bench.digest_scale import _time_digest
from tests.bench.quick import QUICK
from tests.bench.stack import BOT_TOKEN, MODEL, OPENAI_KEY, SIGNING_SECRET, bench_env
from tests.bench.triage_cpu import triage_cpu_ms
from tests.support.serve_process import serve_process
from tests.support.slack_requests import SlackSender

SIZES = (1_000, 5_000, 20_000) if QUICK else (10_000, 100_000, 1_000_000)
REQUESTS = 150 if QUICK else 400
DAYS = 30


@dataclass
class GrowthStep:
    stored: int
    cpu_ms: float  # server CPU per /triage
    digest_seconds: float  # the digest over every stored day


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def grow(path: Path, have: int, want: int, now: datetime, rng: random.Random) -> None:
    """Add triages of the live model (spread over the last DAYS days, in arrival order) up to `want`."""
    start = now - timedelta(days=DAYS)
    span = DAYS * 86_400
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        if have == 0:
            conn.execute(
                "INSERT INTO deployments (created_at, endpoint, model_id, kind, requested_by)"
                " VALUES (?, 'openai', ?, 'initial', 'config')",
                (_ts(start - timedelta(days=1)), MODEL),
            )
        conn.executemany(
            "INSERT INTO triages (created_at, source, user_id, input_text, endpoint, model_id, prompt_version,"
            " status, urgency, category, latency_ms, delivery_status)"
            " VALUES (?, 'command', ?, 'msg', 'openai', ?, 'triage_v1', 'ok', 'high', 'billing', ?, 'delivered')",
            (
                (_ts(start + timedelta(seconds=span * t / want)), f"U0OLD{t % 500:04d}", MODEL, rng.randint(200, 3000))
                for t in range(have, want)
            ),
        )
    conn.close()


def run() -> list[GrowthStep]:
    slack = SlackStandIn(bot_token=BOT_TOKEN)
    openai = OpenAIStandIn(models=[MODEL], api_key=OPENAI_KEY)
    now = datetime.now(UTC)
    rng = random.Random(11)
    steps: list[GrowthStep] = []
    with tempfile.TemporaryDirectory(prefix="triagebot-growth-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        stack.enter_context(slack.serve())
        stack.enter_context(openai.serve())
        path = workdir / "growth.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        have = 0
        for size in SIZES:
            grow(path, have, size, now, rng)
            have = size
            env = bench_env(path, slack, openai)
            with serve_process(env, workdir, name=f"growth-{size}") as server:
                signer = SlackSender(server.url, SIGNING_SECRET, slack.response_url)
                triage_cpu_ms(server, slack, signer, 50, f"warm-{size}")
                cpu = triage_cpu_ms(server, slack, signer, REQUESTS, f"growth-{size}")
            slack.reset()
            digest, _ = asyncio.run(_time_digest(url, datetime.now(UTC), DAYS + 1))
            steps.append(GrowthStep(size, cpu, digest))
            print(f"  {size:>9,} stored: {cpu:.2f} ms CPU per /triage, digest {digest:.3f} s", flush=True)
    return steps


if __name__ == "__main__":
    run()
