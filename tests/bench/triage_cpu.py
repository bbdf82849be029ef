"""Server CPU per `/triage` (ack and the work after it), on its own: `python -m tests.bench.triage_cpu`.

The quick before/after check for a change on the triage path: CPU time is what the change moves and,
unlike wall time, it holds up on a shared machine. Also used by the growth table (`growth.py`) and
the multi-worker row (where the CPU of every worker process is summed).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from tests.bench.load import command_body, fire
from tests.bench.stack import BOT_TOKEN, MODEL, OPENAI_KEY, SIGNING_SECRET, bench_env
from tests.support.serve_process import ServeProcess, serve_process
from tests.support.slack_requests import SlackSender

CONCURRENCY = 50


def process_tree_cpu_seconds(server: ServeProcess) -> float:
    """User + system CPU of the server and every process under it (the workers of `--workers N`)."""
    total = 0.0
    pending = [server.pid]
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        pending += [int(child) for child in children]
    return total


def triage_cpu_ms(
    server: ServeProcess, slack: SlackStandIn, signer: SlackSender, count: int, label: str
) -> float:
    """Send `count` /triage (50 in flight), wait for every result; CPU milliseconds per request."""
    urls = [slack.response_url(f"{label}-{n}") for n in range(count)]
    bodies = [command_body("/triage", f"Customer {n}: I was charged twice", url, n) for n, url in enumerate(urls)]
    tokens = {url.rsplit("/", 1)[1] for url in urls}
    before = process_tree_cpu_seconds(server)
    load = asyncio.run(fire(server.url, signer, bodies, CONCURRENCY))
    slack.wait_for("response_url", lambda c: c.params.get("_token") in tokens, timeout=300, count=count)
    if load.ok != count:
        raise RuntimeError(f"only {load.ok} of {count} /triage acked with 200")
    return (process_tree_cpu_seconds(server) - before) / count * 1000


def main(count: int = 500, args: tuple[str, ...] = ("serve",)) -> float:
    slack = SlackStandIn(bot_token=BOT_TOKEN)
    openai = OpenAIStandIn(models=[MODEL], api_key=OPENAI_KEY)
    with tempfile.TemporaryDirectory(prefix="triagebot-cpu-") as tmp, ExitStack() as stack:
        stack.enter_context(slack.serve())
        stack.enter_context(openai.serve())
        env = bench_env(Path(tmp) / "cpu.db", slack, openai)
        server = stack.enter_context(serve_process(env, Path(tmp), args=args))
        signer = SlackSender(server.url, SIGNING_SECRET, slack.response_url)
        triage_cpu_ms(server, slack, signer, 100, "warm")
        figure = triage_cpu_ms(server, slack, signer, count, "measure")
    print(f"/triage server CPU: {figure:.2f} ms per request ({count} requests, {CONCURRENCY} in flight)")
    return figure


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
    sys.exit(0)
