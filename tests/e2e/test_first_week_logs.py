"""Issue 15 item 13: `serve` does not print Bolt's token warning, and a 401 leaves one rate-limited line."""

from __future__ import annotations

import logging
import time

import pytest

from bot.app import bolt_logger, create_bolt_app
from bot.signature_log import RateLimitedWarnings
from tests.support.app_under_test import Bot
from tests.support.raw_requests import FORM, command_body, post_raw


def test_bolt_token_warning_is_silenced_and_other_bolt_lines_are_not(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.services import build_services

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-0000-test-bot-token")  # as in every real deployment
    caplog.set_level(logging.INFO)
    services = build_services(bot.settings)
    create_bolt_app(bot.settings, services)
    assert "token` will be unused" not in caplog.text
    bolt_logger().warning("some other Bolt warning")
    assert "some other Bolt warning" in caplog.text


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "refused a Slack request with 401" in r.getMessage()]


def test_a_bad_signature_leaves_one_warning_with_the_reason_and_never_the_signature(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    body = command_body()
    forged = "v0=" + "ab" * 32
    for _ in range(5):
        headers = {"Content-Type": FORM, **bot.send.sign(body), "X-Slack-Signature": forged}
        assert post_raw(bot, body, headers).status_code == 401
    stale = {"Content-Type": FORM, **bot.send.sign(body, int(time.time()) - 3600)}
    assert post_raw(bot, body, stale).status_code == 401
    assert post_raw(bot, body, {"Content-Type": FORM}).status_code == 401
    lines = [r.getMessage() for r in refusals(caplog)]
    assert len(lines) == 3, lines  # one per reason within 10 s
    assert all(r.levelno == logging.WARNING for r in refusals(caplog))
    assert any("signature does not match" in line for line in lines)
    assert any("older than 5 minutes" in line for line in lines)
    assert any("missing signature headers" in line for line in lines)
    assert forged[3:] not in caplog.text


def test_suppressed_lines_are_counted_in_the_next_one(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    clock = [100.0]
    warnings = RateLimitedWarnings(logging.getLogger("test.refusals"), clock=lambda: clock[0])
    assert warnings.warn("refused: %s", "bad signature")
    for seconds in (1, 2, 9):
        clock[0] = 100.0 + seconds
        assert not warnings.warn("refused: %s", "bad signature")
    assert warnings.warn("refused: %s", "stale timestamp")  # another reason is not held back
    clock[0] = 110.5
    assert warnings.warn("refused: %s", "bad signature")
    clock[0] = 125.0
    assert warnings.warn("refused: %s", "bad signature")
    assert [r.getMessage() for r in caplog.records] == [
        "refused: bad signature",
        "refused: stale timestamp",
        "refused: bad signature (and 3 more like it in the last 10 s)",
        "refused: bad signature",
    ]
