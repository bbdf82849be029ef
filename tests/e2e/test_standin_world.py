"""Conversations as Slack has them: types, who is in them, and the messages they hold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.standins import slack_messages
from bot.standins.slack_api import Channel, SlackStandIn

TOKEN = "xoxb-world"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    stand_in = SlackStandIn(bot_token=TOKEN, missing_channels={"C0GONE"})
    with stand_in.serve():
        yield stand_in


def client(stand_in: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=f"{stand_in.base_url}/api/")


async def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call  # type: ignore[misc]
    return str(caught.value.response["error"])


async def test_private_channels_and_dms_the_bot_is_not_in_do_not_exist_for_it(slack: SlackStandIn) -> None:
    slack.add_private_channel("G0SECRET")
    slack.add_channel(Channel(id="C0PRIV", kind="private", bot_member=False))
    slack.add_channel(Channel(id="D0THEIRS", kind="im", bot_member=False))
    web = client(slack)
    for channel in ("G0SECRET", "C0PRIV", "D0THEIRS", "C0GONE"):
        assert await error_of(web.chat_postMessage(channel=channel, text="hi")) == "channel_not_found"
        assert await error_of(web.conversations_replies(channel=channel, ts="1.0")) == "channel_not_found"
        if channel != "D0THEIRS":  # conversations.info on an IM needs im:read, which the app lacks
            assert await error_of(web.conversations_info(channel=channel)) == "channel_not_found"
    assert slack.calls == []
    slack.add_private_channel("G0INVITED", bot_member=True)
    info = (await web.conversations_info(channel="G0INVITED"))["channel"]
    assert (info["is_private"], info["is_member"]) == (True, True)


async def test_a_public_channel_the_bot_left(slack: SlackStandIn) -> None:
    slack.remove_bot_from("C0PUBLIC")
    web = client(slack)
    assert (await web.conversations_info(channel="C0PUBLIC"))["channel"]["is_member"] is False
    assert await error_of(web.conversations_history(channel="C0PUBLIC")) == "not_in_channel"
    assert await error_of(web.conversations_replies(channel="C0PUBLIC", ts="1.0")) == "not_in_channel"
    await web.chat_postMessage(channel="C0PUBLIC", text="allowed by chat:write.public")
    slack.scopes.remove("chat:write.public")
    assert await error_of(web.chat_postMessage(channel="C0PUBLIC", text="hi")) == "not_in_channel"
    assert (
        await error_of(web.chat_postEphemeral(channel="C0PUBLIC", user="U1", text="hi")) == "not_in_channel"
    )


async def test_ephemeral_messages_need_the_user_in_the_channel(slack: SlackStandIn) -> None:
    slack.add_channel(Channel(id="C0SMALL", members={"U0IN"}))
    web = client(slack)
    await web.chat_postEphemeral(channel="C0SMALL", user="U0IN", text="hi")
    assert await error_of(web.chat_postEphemeral(channel="C0SMALL", user="U0OUT", text="hi")) == (
        "user_not_in_channel"
    )
    slack.add_channel(Channel(id="C0OLD", is_archived=True))
    assert await error_of(web.chat_postMessage(channel="C0OLD", text="hi")) == "is_archived"


async def test_replies_and_history_answer_from_seeded_and_posted_messages(slack: SlackStandIn) -> None:
    parent = slack.add_message(
        "C0SUPPORT", slack_messages.user_message("Checkout is down", ts="1699999999.000100")
    )
    web = client(slack)
    posted = await web.chat_postMessage(channel="C0SUPPORT", text="Looking", thread_ts=parent)
    reply = slack_messages.thread_reply("Still down", thread_ts=parent, ts="1700009999.000100")
    slack.add_message("C0SUPPORT", reply)

    thread = await web.conversations_replies(channel="C0SUPPORT", ts=parent)
    assert [m["text"] for m in thread["messages"]] == ["Checkout is down", "Looking", "Still down"]
    assert thread["has_more"] is False
    assert thread["messages"][0]["reply_count"] == 2
    assert thread["messages"][1]["ts"] == posted["ts"]
    # A reply's ts finds its whole thread too.
    assert len((await web.conversations_replies(channel="C0SUPPORT", ts=posted["ts"]))["messages"]) == 3

    alone = await web.chat_postMessage(channel="C0SUPPORT", text="top level")
    history = await web.conversations_history(channel="C0SUPPORT")
    assert [m["text"] for m in history["messages"]] == ["top level", "Checkout is down"]
    one = await web.conversations_history(channel="C0SUPPORT", latest=parent, inclusive=True, limit=1)
    assert [m["ts"] for m in one["messages"]] == [parent]
    assert alone["ts"] in [m["ts"] for m in slack.messages_in("C0SUPPORT")]

    assert await error_of(web.conversations_replies(channel="C0SUPPORT", ts="1.000001")) == "thread_not_found"
    assert (await web.conversations_history(channel="C0EMPTY"))["messages"] == []


async def test_join_makes_the_bot_a_member() -> None:
    stand_in = SlackStandIn(
        bot_token=TOKEN,
        scopes=["channels:join", "channels:history"],
        channels={"C0NEW": {"bot_member": False}},
    )
    with stand_in.serve():
        web = client(stand_in)
        assert await error_of(web.conversations_history(channel="C0NEW")) == "not_in_channel"
        await web.conversations_join(channel="C0NEW")
        assert (await web.conversations_history(channel="C0NEW"))["ok"] is True


async def test_only_messages_in_the_channel_can_be_updated_or_deleted(slack: SlackStandIn) -> None:
    web = client(slack)
    posted = await web.chat_postMessage(channel="C0SUPPORT", text="Approve?")
    assert (
        await error_of(web.chat_update(channel="C0OTHER", ts=posted["ts"], text="x")) == "message_not_found"
    )
    await web.chat_update(channel="C0SUPPORT", ts=posted["ts"], text="Approved")
    assert slack.messages_in("C0SUPPORT")[0]["text"] == "Approved"
    await web.chat_delete(channel="C0SUPPORT", ts=posted["ts"])
    assert slack.messages_in("C0SUPPORT") == []
    assert await error_of(web.chat_delete(channel="C0SUPPORT", ts=posted["ts"])) == "message_not_found"
