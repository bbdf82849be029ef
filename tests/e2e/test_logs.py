"""One structured log line per Slack request and per model call, plain or JSON, never a secret."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging
from tests.support.app_under_test import BOT_TOKEN, LIVE_MODEL, OPENAI_KEY, SIGNING_SECRET, Bot


@pytest.fixture(autouse=True)
def restore_logging(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """Torn down before capsys, so nothing logs into its closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def log_to_captured_stderr(
    capsys: pytest.CaptureFixture[str], fmt: str, secrets: list[str], **kw: int
) -> None:
    configure_logging(fmt, secrets, **kw)
    # Whatever reached stderr before (an earlier test's handler, app start-up) is not under test.
    capsys.readouterr()


def triage_and_wait(bot: Bot, text: str) -> None:
    response, _ = bot.send.command("/triage", text)
    assert response.status_code == 200
    bot.slack.wait_for("response_url", lambda c: "blocks" in c.params or "warning" in str(c.params))


def wait_for_line(capsys: pytest.CaptureFixture[str], needle: str, seen: list[str]) -> list[str]:
    """Request lines are written when the listener finishes, just after Slack hears back."""
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        seen.extend(capsys.readouterr().err.splitlines())
        if any(needle in line for line in seen):
            return seen
        time.sleep(0.02)
    raise AssertionError(f"no log line with {needle!r} in:\n" + "\n".join(seen))


def test_plain_lines_for_a_request_and_its_model_call(bot: Bot, capsys: pytest.CaptureFixture[str]) -> None:
    log_to_captured_stderr(capsys, "plain", bot.settings.secrets())
    triage_and_wait(bot, "Our site is down, customers cannot log in")
    lines = wait_for_line(capsys, "slack request", [])

    (request,) = [line for line in lines if "slack request" in line]
    assert "kind=command /triage" in request
    assert "user=U0AGENT" in request
    assert f"model_id={LIVE_MODEL}" in request
    assert "outcome=ok" in request
    assert "latency_ms=" in request and "request_id=" in request

    (model_call,) = [line for line in lines if "model call" in line]
    assert f"model_id={LIVE_MODEL}" in model_call
    assert "endpoint=openai" in model_call
    assert "outcome=ok" in model_call
    assert "prompt_tokens=" in model_call and "prompt_tokens=None" not in model_call


def test_json_lines_carry_the_same_fields(bot: Bot, capsys: pytest.CaptureFixture[str]) -> None:
    log_to_captured_stderr(capsys, "json", bot.settings.secrets())
    triage_and_wait(bot, "I was charged twice this month")
    lines = wait_for_line(capsys, "slack request", [])
    entries = [json.loads(line) for line in lines]  # every line is JSON

    (request,) = [e for e in entries if e["message"] == "slack request"]
    assert request["kind"] == "command /triage"
    assert request["user"] == "U0AGENT"
    assert request["model_id"] == LIVE_MODEL
    assert request["outcome"] == "ok"
    assert isinstance(request["latency_ms"], int)
    assert request["request_id"]

    (model_call,) = [e for e in entries if e["message"] == "model call"]
    assert model_call["endpoint"] == "openai"
    assert model_call["outcome"] == "ok"
    assert model_call["prompt_tokens"] > 0 and model_call["completion_tokens"] > 0


def test_refusals_and_model_failures_have_their_outcome(bot: Bot, capsys: pytest.CaptureFixture[str]) -> None:
    log_to_captured_stderr(capsys, "json", bot.settings.secrets())
    bot.send.command("/triage", "   ")  # refused before the ack: nothing to triage
    seen = wait_for_line(capsys, '"outcome": "refused"', [])
    bot.openai.fail_next("server_error", times=5)
    triage_and_wait(bot, "Export is broken")
    seen = wait_for_line(capsys, '"outcome": "error"', seen)

    refused, failed = [json.loads(line) for line in seen if "slack request" in line]
    assert refused["error"] == "invalid_input"
    assert failed["error"] == "server_error"
    assert failed["model_id"] == LIVE_MODEL
    model_calls = [e for e in map(json.loads, seen) if e["message"] == "model call"]
    assert model_calls and {c["outcome"] for c in model_calls} == {"server_error"}


def test_no_secret_is_ever_logged(bot: Bot, capsys: pytest.CaptureFixture[str]) -> None:
    """Debug level, a failing model, a user pasting a token: the configured secrets never appear."""
    log_to_captured_stderr(capsys, "plain", bot.settings.secrets(), level=logging.DEBUG)
    triage_and_wait(bot, "Customer says: my login is broken")
    bot.openai.fail_next("server_error", times=5)
    triage_and_wait(bot, f"they pasted {BOT_TOKEN} and {OPENAI_KEY} into the ticket")
    logging.getLogger("triagebot").warning(
        "configured with %s / %s / %s", BOT_TOKEN, OPENAI_KEY, SIGNING_SECRET
    )
    lines = wait_for_line(capsys, "outcome=error", [])

    text = "\n".join(lines)
    assert "slack request" in text and "model call" in text
    for secret in (BOT_TOKEN, OPENAI_KEY, SIGNING_SECRET):
        assert secret not in text
    assert "[redacted]" in text


def test_structured_fields_are_redacted_too() -> None:
    import logging

    from bot.logs import REDACTED, RedactSecrets

    record = logging.LogRecord("t", logging.INFO, __file__, 1, "call", None, None)
    record.fields = {"user": "xoxb-1234567890-abcdef", "key": "my-configured-key", "n": 3}
    RedactSecrets(["my-configured-key"]).filter(record)
    assert record.fields == {"user": REDACTED, "key": REDACTED, "n": 3}
