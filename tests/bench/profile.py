"""`make profile`: where a real `triagebot serve` spends its CPU on the `/triage` path.

Runs `triagebot serve` under cProfile (standard library: no new dependency), timed by the event-loop
thread's CPU clock (`tests/bench/profiled_serve.py`), against the stand-ins,
sends warm-up traffic, then a burst of signed `/triage` (50 in flight) and waits for every result to
reach its response_url, stops the server (SIGTERM: cProfile writes its data on a clean exit) and
writes the top costs to tests/bench/profile_triage.txt: own time grouped by package, then the
functions with the most own and cumulative time.

cProfile sees the event loop's thread only: time the loop spends waiting on aiosqlite's worker
threads shows as `select`/`_run_once` waits, not as SQLite work. Profiling also slows everything it
sees (by roughly 2x), so read the shares, not the absolute times.
"""

from __future__ import annotations

import asyncio
import io
import pstats
import sys
import tempfile
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from tests.bench.load import command_body, fire
from tests.bench.quick import QUICK, pick
from tests.bench.stack import BOT_TOKEN, MODEL, OPENAI_KEY, ROOT, SIGNING_SECRET, bench_env
from tests.support.serve_process import serve_process
from tests.support.slack_requests import SlackSender

WARMUP = pick(100, 50)
BURST = pick(1_000, 300)
CONCURRENCY = 50
TOP = 35
OUT = Path(__file__).resolve().parent / ("profile_triage.quick.txt" if QUICK else "profile_triage.txt")


def package_of(filename: str) -> str:
    """A profile entry's owner: the site-packages package, our own top-level package, or stdlib."""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    try:
        return "ours: " + path.relative_to(ROOT).parts[0]
    except ValueError:
        return f"stdlib: {path.stem}" if path.suffix == ".py" else "stdlib"


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    totals: dict[str, float] = defaultdict(float)
    raw: dict = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in raw.items():
        totals[package_of(filename)] += own
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)


def report(profile_path: Path, requests: int) -> str:
    stats = pstats.Stats(str(profile_path))
    total = stats.total_tt  # type: ignore[attr-defined]
    lines = [
        f"triagebot serve under cProfile: {requests} /triage ({CONCURRENCY} in flight) after {WARMUP} warm-up,",
        f"every result delivered. Event-loop thread CPU only. Profiled CPU: {total:.2f} s "
        f"= {total / (requests + WARMUP) * 1000:.2f} ms per /triage (profiler overhead included).",
        "",
        "Own CPU time by package:",
    ]
    for package, own in by_package(stats)[:20]:
        lines.append(f"  {own / total:6.1%}  {own:7.2f} s  {package}")
    # Coroutines count once per resume, so cumulative times of async functions overlap: read them
    # as "how much runs under this", not as a sum.
    ours = f"^{ROOT}/(bot|commands|storage)/"
    for title, order, restriction in (
        ("by own time", "tottime", ()),
        ("by cumulative time", "cumulative", ()),
        ("of our own functions (bot/, commands/, storage/) by cumulative time", "cumulative", (ours,)),
    ):
        buffer = io.StringIO()
        pstats.Stats(str(profile_path), stream=buffer).sort_stats(order).print_stats(*restriction, TOP)
        body = buffer.getvalue().replace(f"{ROOT}/", "").replace(f"{sys.prefix}/", "")
        lines += ["", f"Top {TOP} {title}:", body[body.find("   ncalls") :].rstrip()]
    return "\n".join(lines) + "\n"


def main() -> int:
    slack = SlackStandIn(bot_token=BOT_TOKEN)
    openai = OpenAIStandIn(models=[MODEL], api_key=OPENAI_KEY)
    with tempfile.TemporaryDirectory(prefix="triagebot-profile-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        stack.enter_context(slack.serve())
        stack.enter_context(openai.serve())
        env = bench_env(workdir / "profile.db", slack, openai)
        profile_path = workdir / "serve.prof"
        server = stack.enter_context(
            serve_process(
                env,
                workdir,
                name="profiled",
                module="tests.bench.profiled_serve",
                args=(str(profile_path), "serve"),
            )
        )
        signer = SlackSender(server.url, SIGNING_SECRET, slack.response_url)
        for label, count in (("warm", WARMUP), ("burst", BURST)):
            urls = [slack.response_url(f"{label}-{n}") for n in range(count)]
            bodies = [
                command_body("/triage", f"Customer {n}: I was charged twice", url, n)
                for n, url in enumerate(urls)
            ]
            print(f"{label}: {count} /triage …", flush=True)
            load = asyncio.run(fire(server.url, signer, bodies, CONCURRENCY))
            tokens = {url.rsplit("/", 1)[1] for url in urls}
            slack.wait_for(
                "response_url", lambda c, t=tokens: c.params.get("_token") in t, timeout=300, count=count
            )
            if load.ok != count:
                print(f"only {load.ok} of {count} acked with 200 (statuses {load.statuses}, {load.errors} errors)", file=sys.stderr)
                return 1
        if server.stop() != 0:
            print(f"the profiled server did not exit cleanly:\n{server.log()}", file=sys.stderr)
            return 1
        text = report(profile_path, BURST)
    OUT.write_text(text)
    print(text[: text.find("Top ")])
    print(text[text.find("of our own functions") - 7 :])
    print(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
