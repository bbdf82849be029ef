"""The Slack stand-in's token holds exactly app.yaml's bot scopes, and each method needs its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.standins.slack_api import DEFAULT_SCOPES, SlackStandIn
from bot.standins.slack_scopes import manifest_bot_scopes, needed_scopes
from tests.support.manifest import manifest

TOKEN = "xoxb-scopes"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    stand_in = SlackStandIn(bot_token=TOKEN)
    with stand_in.serve():
        yield stand_in


def client(stand_in: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=f"{stand_in.base_url}/api/")


def test_the_default_token_holds_exactly_the_manifest_bot_scopes() -> None:
    assert list(DEFAULT_SCOPES) == manifest()["oauth_config"]["scopes"]["bot"] == list(manifest_bot_scopes())
    assert SlackStandIn().scopes == list(DEFAULT_SCOPES)


async def test_a_method_without_its_scope_is_refused_like_slack(slack: SlackStandIn) -> None:
    slack.scopes.remove("chat:write")
    with pytest.raises(SlackApiError) as caught:
        await client(slack).chat_postMessage(channel="C1", text="hi")
    reply = caught.value.response
    assert (reply["error"], reply["needed"]) == ("missing_scope", "chat:write")
    assert reply["provided"].split(",") == slack.scopes
    [refused] = slack.rejected
    assert (refused.method, refused.error, refused.detail) == (
        "chat.postMessage",
        "missing_scope",
        "chat:write",
    )
    assert slack.calls == []


@pytest.mark.parametrize(
    ("method", "params", "needed"),
    [
        ("users.info", {"user": "U1"}, "users:read"),
        ("reactions.add", {"channel": "C1", "timestamp": "1.0", "name": "eyes"}, "reactions:write"),
        ("conversations.join", {"channel": "C1"}, "channels:join"),
    ],
)
async def test_scopes_the_app_does_not_ask_for_are_refused(
    slack: SlackStandIn, method: str, params: dict[str, str], needed: str
) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client(slack).api_call(method, params=params)
    assert (caught.value.response["error"], caught.value.response["needed"]) == ("missing_scope", needed)


async def test_conversation_scopes_follow_the_conversation_type(slack: SlackStandIn) -> None:
    slack.add_private_channel("G0LEADS", bot_member=True)
    slack.scopes.remove("groups:read")
    assert (await client(slack).conversations_info(channel="C0PUBLIC"))["channel"]["is_private"] is False
    with pytest.raises(SlackApiError) as caught:
        await client(slack).conversations_info(channel="G0LEADS")
    assert caught.value.response["needed"] == "groups:read"
    slack.scopes.remove("im:history")
    with pytest.raises(SlackApiError) as caught:
        await client(slack).conversations_replies(channel="D0DM", ts="1.0")
    assert caught.value.response["needed"] == "im:history"


async def test_methods_that_need_no_scope_still_answer_with_none_granted() -> None:
    stand_in = SlackStandIn(bot_token=TOKEN, scopes=[])
    with stand_in.serve():
        response = await client(stand_in).auth_test()
        assert response.headers["x-oauth-scopes"] == ""
        view = {"type": "home", "blocks": [{"type": "divider"}]}
        await client(stand_in).views_publish(user_id="U1", view=view)


def test_needed_scopes_table() -> None:
    assert needed_scopes("chat.update", None) == "chat:write"
    assert needed_scopes("conversations.history", "mpim") == "mpim:history"
    assert needed_scopes("views.open", None) is None
