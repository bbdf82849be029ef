"""Several `triagebot serve` processes on one database, for the multi-process and crash tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.models import Deployment, SwitchRequest
from tests.support import waiting
from tests.support.app_under_test import BOT_TOKEN, LIVE_MODEL, OPENAI_KEY, SIGNING_SECRET, Bot
from tests.support.model_requests import APPROVALS, CANDIDATE, LEADS
from tests.support.serve_process import ServeProcess, launch, rows, standin_env, wait_until_healthy
from tests.support.slack_requests import SlackSender


@pytest.fixture
def start_bots(
    tmp_path: Path, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> Iterator[Callable[..., list[Bot]]]:
    """Start bot processes on one database (all at once, then wait); returns a Bot view of each."""
    openai_standin.add_model(CANDIDATE)
    launched: list[ServeProcess] = []

    def start_processes(db_url: str, count: int = 1, **extra: str) -> list[Bot]:
        assert slack_standin.base_url and openai_standin.base_url
        env = standin_env(
            database_url=db_url,
            slack_base_url=slack_standin.base_url,
            openai_base_url=openai_standin.base_url,
            bot_token=BOT_TOKEN,
            signing_secret=SIGNING_SECRET,
            openai_key=OPENAI_KEY,
            model=LIVE_MODEL,
            TRIAGE_APPROVERS=",".join(LEADS),
            TRIAGE_APPROVAL_CHANNEL=APPROVALS,
            **extra,
        )
        fresh = [launch(env, tmp_path, name=f"bot{len(launched) + n}") for n in range(count)]
        launched.extend(fresh)
        for served in fresh:
            wait_until_healthy(served)
        return [
            Bot(
                served.url,
                db_url,
                slack_standin,
                openai_standin,
                SlackSender(served.url, SIGNING_SECRET, slack_standin.response_url),
                None,  # type: ignore[arg-type]  # settings live in the child's environment
            )
            for served in fresh
        ]

    start_processes.processes = launched  # type: ignore[attr-defined]
    yield start_processes
    for served in launched:
        served.stop(timeout=10)


def process_of(start_bots: Callable[..., list[Bot]], bot: Bot) -> ServeProcess:
    return next(p for p in start_bots.processes if p.url == bot.url)  # type: ignore[attr-defined]


def switches(db_url: str) -> list[Deployment]:
    return [d for d in rows(db_url, Deployment) if d.kind != "initial"]


def assert_no_half_switch(db_url: str, request_id: int) -> str:
    """Call once nothing is running any more: the two reads are not one snapshot."""
    (request,) = rows(db_url, SwitchRequest, SwitchRequest.id == request_id)
    made = [d for d in rows(db_url, Deployment) if d.request_id == request_id]
    if request.status == "approved":
        assert len(made) == 1, "approved, but no deployment (or more than one)"
    else:
        assert request.status == "pending"
        assert made == [], "a deployment for a request that is not approved"
    return request.status


def retrieved(openai: OpenAIStandIn, model_id: str) -> int:
    return len([r for r in openai.requests if r.method == "GET" and r.path.endswith(model_id)])


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """As tests.support.waiting.wait_until, with the longer default separate processes need."""
    waiting.wait_until(condition, timeout)
