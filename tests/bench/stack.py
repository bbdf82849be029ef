"""Everything a benchmark run needs: the stand-ins (in this process, on their own threads), the real
app as a `triagebot serve` child process, and its two peers (the bare ack-only Bolt app and the
minimal same-work app) as two more child processes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from tests.support.serve_process import ServeProcess, serve_process, standin_env
from tests.support.slack_requests import SlackSender

ROOT = Path(__file__).resolve().parents[2]
MODEL = "ft:gpt-4o-mini-2024-07-18:acme:triage:bench001"
SIGNING_SECRET = "bench-signing-secret-5e4d3c2b"
BOT_TOKEN = "xoxb-0000-bench-bot-token"
OPENAI_KEY = "sk-bench-0123456789abcdefghij"
CANDIDATE = "ft:gpt-4o-mini-2024-07-18:acme:triage:bench002"  # the shadow benchmark's candidate
LEAD = "U0BENCHLEAD"  # an approver (starts and stops shadowing)


@dataclass
class Stack:
    slack: SlackStandIn
    openai: OpenAIStandIn
    real: ServeProcess
    bare: ServeProcess
    peer: ServeProcess  # the minimal same-work app (tests.bench.same_work_app)
    signer: SlackSender
    workdir: Path

    def wait_for_deliveries(self, tokens: set[str], timeout: float = 120.0) -> list[float]:
        """Block until every token's response_url got its answer; returns the delivery times."""
        try:
            calls = self.slack.wait_for(
                "response_url", lambda c: c.params.get("_token") in tokens, timeout=timeout, count=len(tokens)
            )
        except AssertionError:  # timed out: report what did arrive
            calls = [c for c in self.slack.calls_to("response_url") if c.params.get("_token") in tokens]
        return [c.at for c in calls]

    def answers_with_blocks(self, tokens: set[str]) -> int:
        return len(
            [
                c
                for c in self.slack.calls_to("response_url")
                if c.params.get("_token") in tokens and "blocks" in c.params
            ]
        )


def bench_env(database: Path, slack: SlackStandIn, openai: OpenAIStandIn, **extra: str) -> dict[str, str]:
    """The environment every served app of a benchmark gets: the stand-ins, one SQLite file."""
    assert slack.base_url and openai.base_url
    return standin_env(
        database_url=f"sqlite:///{database}",
        slack_base_url=slack.base_url,
        openai_base_url=openai.base_url,
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        openai_key=OPENAI_KEY,
        model=MODEL,
        PYTHONPATH=str(ROOT),
        TRIAGE_APPROVERS=LEAD,
        **extra,
    )


@contextmanager
def bench_stack(workdir: Path) -> Iterator[Stack]:
    slack = SlackStandIn(bot_token=BOT_TOKEN)
    openai = OpenAIStandIn(models=[MODEL, CANDIDATE], api_key=OPENAI_KEY)
    with ExitStack() as stack:
        stack.enter_context(slack.serve())
        stack.enter_context(openai.serve())
        env = bench_env(workdir / "bench.db", slack, openai)
        real = stack.enter_context(serve_process(env, workdir, name="triagebot"))
        bare = stack.enter_context(
            serve_process(env, workdir, name="bare", module="tests.bench.bare_app", args=())
        )
        peer = stack.enter_context(
            serve_process(env, workdir, name="same-work", module="tests.bench.same_work_app", args=())
        )
        signer = SlackSender(real.url, SIGNING_SECRET, slack.response_url)
        yield Stack(slack, openai, real, bare, peer, signer, workdir)
