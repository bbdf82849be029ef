"""A listener that fails right after acking still answers Slack with its ack (no dispatch_failed),
without any wait added to the ack."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest

from commands.acks import FirstAnswerAck, install_first_answer_ack


async def _authorize(**_kwargs: object) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=None, team_id="T1", bot_token="xoxb-test", bot_user_id="UB", bot_id="B1"
    )


def _app(errors: list[Exception]) -> AsyncApp:
    # Authorised without Slack: nothing here calls it (a bare token would make Bolt call auth.test).
    app = AsyncApp(signing_secret="secret", request_verification_enabled=False, authorize=_authorize)
    app.middleware(install_first_answer_ack)

    @app.command("/fails")
    async def fails(ack) -> None:  # type: ignore[no-untyped-def]
        await ack(text="heard you")
        raise RuntimeError("refused right after the ack")

    @app.error
    async def on_error(error: Exception) -> None:
        errors.append(error)

    return app


def _request() -> AsyncBoltRequest:
    body = urlencode(
        {
            "command": "/fails",
            "text": "x",
            "user_id": "U1",
            "team_id": "T1",
            "channel_id": "C1",
            "response_url": "https://hooks.slack.com/commands/x",
        }
    )
    return AsyncBoltRequest(body=body, headers={"content-type": ["application/x-www-form-urlencoded"]})


def test_failure_right_after_ack_keeps_the_ack_and_reaches_the_error_handler() -> None:
    async def scenario() -> None:
        errors: list[Exception] = []
        app = _app(errors)
        responses = await asyncio.gather(*(app.async_dispatch(_request()) for _ in range(30)))
        assert [r.status for r in responses] == [200] * 30
        assert all("heard you" in r.body for r in responses)
        # The error handler ran for every failure (it tells the user), after the ack.
        for _ in range(100):
            if len(errors) == 30:
                break
            await asyncio.sleep(0.01)
        assert len(errors) == 30

    asyncio.run(scenario())


def test_the_first_answer_is_kept_but_a_real_answer_may_still_replace_none() -> None:
    ack = FirstAnswerAck()
    assert ack.response is None

    async def answer() -> None:
        await ack(text="first")

    asyncio.run(answer())
    first = ack.response
    assert first is not None
    ack.response = None  # what Bolt's error path does after an ack
    assert ack.response is first
