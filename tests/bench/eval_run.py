"""(a) `triagebot eval run` over 1,000 golden cases against a model that takes 0.5 s a call, with
TRIAGE_EVAL_CONCURRENCY=32: wall time against the ideal (cases x 0.5 s / concurrency), and the
command's peak RSS (memory should stay flat however many cases there are)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from tests.bench.quick import pick
from tests.bench.stack import BOT_TOKEN, MODEL, OPENAI_KEY, bench_env

CASES = pick(1000, 200)
CONCURRENCY = 32
MODEL_LATENCY_SECONDS = 0.5
TARGET_RATIO = 1.3


@dataclass
class EvalReport:
    cases: int
    seconds: float  # the whole `triagebot eval run` process, start-up included
    peak_rss_kib: int
    exit_code: int

    @property
    def ideal(self) -> float:
        return self.cases * MODEL_LATENCY_SECONDS / CONCURRENCY

    @property
    def ratio(self) -> float:
        return self.seconds / self.ideal


def _cli(env: dict[str, str], workdir: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=workdir, check=True, capture_output=True)


def run() -> EvalReport:
    slack = SlackStandIn(bot_token=BOT_TOKEN)
    openai = OpenAIStandIn(models=[MODEL], api_key=OPENAI_KEY, latency=MODEL_LATENCY_SECONDS)
    with tempfile.TemporaryDirectory(prefix="triagebot-eval-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        stack.enter_context(slack.serve())
        stack.enter_context(openai.serve())
        env = bench_env(workdir / "eval.db", slack, openai, TRIAGE_EVAL_CONCURRENCY=str(CONCURRENCY))
        cases = workdir / "cases.jsonl"
        with cases.open("w") as out:
            for n in range(CASES):
                case = {"input": f"Case {n}: I was charged twice this month", "expected": {"urgency": "high", "category": "billing"}}
                out.write(json.dumps(case) + "\n")
        _cli(env, workdir, "migrate")
        _cli(env, workdir, "eval", "import", str(cases))
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "eval", "run"],
            env=env,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    return EvalReport(CASES, seconds, int(usage.ru_maxrss), process.returncode)


if __name__ == "__main__":
    report = run()
    print(
        f"eval run: {report.cases} cases in {report.seconds:.1f} s (ideal {report.ideal:.1f} s, "
        f"{report.ratio:.2f}x), peak RSS {report.peak_rss_kib / 1024:.0f} MiB, exit {report.exit_code}"
    )
