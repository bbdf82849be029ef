"""`triagebot check` against a stand-in whose token holds exactly app.yaml's scopes and whose
channels are private, or lack the bot, the way a real workspace's can."""

from __future__ import annotations

import pytest

from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import Channel, SlackStandIn
from tests.support.app_under_test import BOT_TOKEN
from tests.support.check_setup import APPROVALS, DIGESTS, check, healthy, line


def test_the_manifest_scopes_are_enough_for_check_on_private_channels(
    sqlite_url: str, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    stand_in = SlackStandIn(bot_token=BOT_TOKEN, channels={APPROVALS: {"kind": "private"}})
    with stand_in.serve():
        code, out = check(healthy(sqlite_url, stand_in, openai_standin), capsys)
    assert code == 0, out
    assert line(out, "Slack scopes").startswith("ok")
    assert line(out, "Approval channel").startswith("ok")
    assert stand_in.rejected == []


def test_channels_the_bot_cannot_use_are_named_with_the_fix(
    sqlite_url: str, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    stand_in = SlackStandIn(bot_token=BOT_TOKEN)
    stand_in.add_private_channel(APPROVALS)  # never invited: Slack hides it
    stand_in.add_channel(Channel(id=DIGESTS, bot_member=False, name="quality"))
    with stand_in.serve():
        code, out = check(healthy(sqlite_url, stand_in, openai_standin), capsys)
    assert code == 1
    approvals = line(out, "Approval channel")
    assert "channel_not_found" in approvals and "invite the bot if private" in approvals
    digests = line(out, "Digest channel")
    assert "not a member of #quality" in digests and "/invite @triagebot" in digests


def test_a_token_without_groups_read_fails_on_a_private_channel(
    sqlite_url: str, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    stand_in = SlackStandIn(bot_token=BOT_TOKEN, channels={APPROVALS: {"kind": "private"}})
    stand_in.scopes.remove("groups:read")
    with stand_in.serve():
        code, out = check(healthy(sqlite_url, stand_in, openai_standin), capsys)
    assert code == 1
    assert "lacks groups:read" in line(out, "Slack scopes")
    approvals = line(out, "Approval channel")
    assert "missing_scope" in approvals and "groups:read" in approvals
    assert line(out, "Digest channel").startswith("ok")  # public: channels:read is enough
