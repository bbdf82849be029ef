"""The Slack stand-in refuses what Slack refuses, and catches unescaped special mentions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.standins.slack_api import SlackStandIn, live_standins
from bot.standins.slack_blockkit import special_mentions
from tests.support.slack_checks import unescaped_mentions

TOKEN = "xoxb-blocks"
GOOD = {"type": "section", "text": {"type": "mrkdwn", "text": "fine"}}


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    stand_in = SlackStandIn(bot_token=TOKEN)
    with stand_in.serve():
        yield stand_in
        stand_in.violations.clear()  # the scan tests below provoke some on purpose


def client(stand_in: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=f"{stand_in.base_url}/api/")


@pytest.mark.parametrize(
    ("blocks", "why"),
    [
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "3000"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}], "blocks[0]"),
        ([{"type": "no_such_block"}], "unknown block type"),
        ([GOOD] * 51, "at most 50"),
    ],
)
async def test_invalid_blocks_are_refused_and_the_reason_recorded(
    slack: SlackStandIn, blocks: list[dict[str, object]], why: str
) -> None:
    web = client(slack)
    for method, extra in (
        (web.chat_postMessage, {}),
        (web.chat_postEphemeral, {"user": "U1"}),
        (web.chat_update, {"ts": "1.0"}),
    ):
        with pytest.raises(SlackApiError) as caught:
            await method(channel="C1", text="t", blocks=blocks, **extra)
        assert caught.value.response["error"] == "invalid_blocks"
    assert slack.calls == [] and slack.messages_in("C1") == []
    assert all(r.error == "invalid_blocks" and why in (r.detail or "") for r in slack.rejected)


async def test_response_urls_answer_400_invalid_blocks(slack: SlackStandIn) -> None:
    url = slack.response_url()
    response = await AsyncWebhookClient(url=url).send(text="t", blocks=[GOOD] * 51)
    assert (response.status_code, response.body) == (400, "invalid_blocks")
    [refused] = slack.rejected
    assert (refused.method, refused.error) == ("response_url", "invalid_blocks")
    assert (await AsyncWebhookClient(url=url).send(text="t", blocks=[GOOD])).status_code == 200


async def test_views_over_100_blocks_and_text_over_40000_chars(slack: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client(slack).views_publish(user_id="U1", view={"type": "home", "blocks": [GOOD] * 101})
    assert caught.value.response["error"] == "invalid_arguments"
    assert "100" in (slack.rejected[-1].detail or "")
    await client(slack).views_publish(user_id="U1", view={"type": "home", "blocks": [GOOD] * 100})
    with pytest.raises(SlackApiError) as caught:
        await client(slack).chat_postMessage(channel="C1", text="x" * 40_001)
    assert caught.value.response["error"] == "msg_too_long"


async def test_the_scan_catches_special_mentions_in_mrkdwn_only(slack: SlackStandIn) -> None:
    web = client(slack)
    await web.chat_postMessage(channel="C1", text="hi <!channel>")
    await web.chat_postMessage(
        channel="C1",
        text="safe",
        blocks=[{"type": "context", "elements": [{"type": "mrkdwn", "text": "cc <!subteam^S1|@leads>"}]}],
    )
    await web.chat_postMessage(
        channel="C1",
        text="safe &lt;!here&gt; <!date^1700000000^{date_short}|Nov 14>",
        blocks=[{"type": "section", "text": {"type": "plain_text", "text": "<!everyone> is inert here"}}],
    )
    await AsyncWebhookClient(url=slack.response_url()).send(
        text="ok", attachments=[{"text": "<!here> from an attachment"}]
    )
    await web.views_publish(
        user_id="U1",
        view={
            "type": "home",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "<!everyone>"}}],
        },
    )
    assert [(v.method, v.text) for v in slack.violations] == [
        ("chat.postMessage", "hi <!channel>"),
        ("chat.postMessage", "cc <!subteam^S1|@leads>"),
        ("response_url", "<!here> from an attachment"),
        ("views.publish", "<!everyone>"),
    ]


def test_rich_text_broadcasts_count_as_special_mentions() -> None:
    block = {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "broadcast", "range": "here"}]}],
    }
    assert special_mentions({"blocks": [block]}) == ["<!here>"]


async def test_the_after_test_check_reports_only_stand_ins_the_test_created(slack: SlackStandIn) -> None:
    earlier = set(live_standins())
    await client(slack).chat_postMessage(channel="C1", text="<!here> from before")
    fresh = SlackStandIn(bot_token=TOKEN)
    with fresh.serve():
        await client(fresh).chat_postMessage(channel="C1", text="deploy done <!channel>")
    assert unescaped_mentions(since=earlier) == ["chat.postMessage: 'deploy done <!channel>'"]
    fresh.violations.clear()  # or this very test would fail, which is the point of the check
