"""Benchmark: the digest's figures over 1,000,000 quality checks and 1,000,000 triages on SQLite.

Run `python -m tests.bench.digest_scale` (or call `run()`); it builds a throwaway database, fills it
with executemany in one transaction, then times the digest for one day and for the whole month.
Target: under 2 seconds each. Not a timed test: machines differ; this prints the figures.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import sqlite3
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.digest.build import build_digest
from bot.model_client import ModelInfo
from bot.response_modes import ResponseModes
from storage.db import Database
from storage.migrate import upgrade

TRIAGES = 1_000_000
EVAL_CASES = 500
EVAL_RUNS = 1_800  # x 500 cases = 900,000 eval checks
REVIEWS = 100_000
MODELS = [f"ft:gpt-4o-mini-2024-07-18:acme:triage:m{i:07d}" for i in range(5)]
LIVE = MODELS[-1]
DAYS = 30
TARGET_SECONDS = 2.0


def _ts(moment: datetime) -> str:
    # How SQLAlchemy stores our UTC datetimes on SQLite.
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class _AnsweringModels:
    """The availability check is one HTTP call; the benchmark measures the database work."""

    modes = ResponseModes()  # the digest names the live model's response mode

    async def retrieve_model(self, endpoint: str, model_id: str) -> ModelInfo:
        return ModelInfo(endpoint, model_id, "user", date.today() + timedelta(days=200))


def fill(path: Path, now: datetime, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = now - timedelta(days=DAYS)
    span = DAYS * 86_400
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")  # 400 MB: index pages stay in memory while filling
    with conn:
        for i, model in enumerate(MODELS):
            conn.execute(
                "INSERT INTO deployments (created_at, endpoint, model_id, previous_model_id, kind, requested_by)"
                " VALUES (?, 'openai', ?, ?, 'switch', 'U0LEAD')",
                (_ts(start + timedelta(days=i)), model, MODELS[i - 1] if i else None),
            )
        conn.executemany(
            "INSERT INTO eval_cases (id, created_at, input_text, expected_urgency, expected_category)"
            " VALUES (?, ?, ?, 'high', 'bug')",
            ((c, _ts(start), f"golden case {c}") for c in range(1, EVAL_CASES + 1)),
        )
        conn.executemany(
            "INSERT INTO triages (id, created_at, source, input_text, endpoint, model_id, prompt_version, status,"
            " urgency, category, latency_ms) VALUES (?, ?, 'command', 'msg', 'openai', ?, 'triage_v1', ?, ?, ?, ?)",
            (
                (
                    t,
                    # In arrival order, as in production: index inserts append instead of scattering.
                    _ts(start + timedelta(seconds=span * t / TRIAGES)),
                    LIVE if rng.random() < 0.8 else rng.choice(MODELS[:-1]),
                    "ok" if rng.random() < 0.98 else "failed",
                    "high",
                    "bug",
                    rng.randint(200, 3000),
                )
                for t in range(1, TRIAGES + 1)
            ),
        )
        runs = [
            (r, _ts(start + timedelta(seconds=span * r / EVAL_RUNS)), MODELS[r % len(MODELS)])
            for r in range(1, EVAL_RUNS + 1)
        ]
        conn.executemany(
            "INSERT INTO eval_runs (id, started_at, finished_at, endpoint, model_id, trigger, status, case_count,"
            " passed_count, error_count) VALUES (?, ?, ?, 'openai', ?, 'schedule', 'finished', ?, ?, 0)",
            ((r, at, at, model, EVAL_CASES, rng.randint(300, 480)) for r, at, model in runs),
        )
        output = json.dumps({"urgency": "high", "category": "bug"})
        conn.executemany(
            "INSERT INTO quality_checks (created_at, kind, endpoint, model_id, run_id, case_id, passed,"
            " urgency_match, category_match, output, latency_ms) VALUES (?, 'eval', 'openai', ?, ?, ?, ?, ?, 1, ?, ?)",
            (
                (at, model, r, c, ok, ok, output, rng.randint(200, 2000))
                for r, at, model in runs
                for c in range(1, EVAL_CASES + 1)
                for ok in (1 if rng.random() < 0.85 else 0,)
            ),
        )
        conn.executemany(
            "INSERT INTO quality_checks (created_at, kind, endpoint, model_id, triage_id, passed, reviewer)"
            " VALUES (?, 'review', 'openai', ?, ?, ?, 'U0LEAD')",
            (
                (
                    _ts(start + timedelta(seconds=span * i / REVIEWS)),
                    LIVE,
                    rng.randint(1, TRIAGES),
                    rng.random() < 0.9,
                )
                for i in range(REVIEWS)
            ),
        )
    conn.close()


async def _time_digest(url: str, now: datetime, days: int, trace: bool = False) -> tuple[float, int]:
    db = Database(url)
    try:
        await db.ping()  # connect before timing
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        digest = await build_digest(
            db, _AnsweringModels(), start=now - timedelta(days=days), end=now, now=now
        )  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        assert digest.triages is not None and digest.triages.live_volume > 0
        return elapsed, peak
    finally:
        await db.dispose()


def run() -> dict[str, Any]:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        started = time.perf_counter()
        fill(path, now)
        fill_seconds = time.perf_counter() - started
        day, _ = asyncio.run(_time_digest(url, now, 1))
        month, _ = asyncio.run(_time_digest(url, now, DAYS + 1))
        _, peak = asyncio.run(_time_digest(url, now, DAYS + 1, trace=True))
    return {
        "triages": TRIAGES,
        "quality_checks": EVAL_RUNS * EVAL_CASES + REVIEWS,
        "fill_seconds": round(fill_seconds, 1),
        "digest_seconds_1_day": round(day, 3),
        "digest_seconds_all_rows": round(month, 3),
        "target_seconds": TARGET_SECONDS,
        "within_target": max(day, month) < TARGET_SECONDS,
        "python_peak_memory_mb": round(peak / 1e6, 1),
        "process_max_rss_mb_including_fill": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
