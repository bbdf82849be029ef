"""Socket Mode runs the same lifecycle as HTTP (bot.app.running): the first deployment recorded,
scheduler and outbox worker started; on stop, the connection closed and acknowledged work drained."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot import server
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.models import Deployment
from tests.support.app_under_test import LIVE_MODEL, make_settings
from tests.support.serve_process import rows


class FakeSocketModeHandler:
    """Stands in for Slack's websocket: connected until cancelled."""

    def __init__(self) -> None:
        self.connected = asyncio.Event()
        self.closed = False

    async def start_async(self) -> None:
        self.connected.set()
        await asyncio.Event().wait()

    async def close_async(self) -> None:
        self.closed = True


def test_socket_mode_starts_and_stops_through_the_shared_lifecycle(
    sqlite_url: str,
    slack_standin: SlackStandIn,
    openai_standin: OpenAIStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_settings(sqlite_url, slack_standin, openai_standin, slack_app_token="xapp-1-test")
    handler = FakeSocketModeHandler()
    monkeypatch.setattr(server, "create_socket_mode_handler", lambda _bolt, _token: handler)
    phases: list[str] = []
    real_running = server.running

    def traced_running(*args: Any) -> Any:
        phases.append("lifecycle")
        return real_running(*args)

    monkeypatch.setattr(server, "running", traced_running)

    async def scenario() -> int:
        serving = asyncio.create_task(server.serve_socket_mode(settings))
        await asyncio.wait_for(handler.connected.wait(), 10)
        # Started: the first deployment is recorded before Slack can send anything.
        assert [d.model_id for d in rows(sqlite_url, Deployment)] == [LIVE_MODEL]
        serving.cancel()  # what SIGTERM does (its handler cancels the main task)
        return await asyncio.wait_for(serving, 30)

    result = asyncio.run(scenario())
    assert result == 0
    assert handler.closed
    assert phases == ["lifecycle"]
