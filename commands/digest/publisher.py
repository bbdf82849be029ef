"""The Slack side of posting a digest (bot.digest.publish.DigestPublisher)."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.digest.figures import Digest
from commands.digest import blocks


class SlackDigestPublisher:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post_digest(self, channel: str, digest: Digest) -> str:
        response = await self.client.chat_postMessage(
            channel=channel,
            text=blocks.digest_fallback(digest),
            blocks=blocks.digest_blocks(digest),
            unfurl_links=False,
        )
        return str(response["ts"])

    async def upload_chart(self, channel: str, thread_ts: str, png: bytes, title: str) -> None:
        await self.client.files_upload_v2(
            channel=channel,
            thread_ts=thread_ts,
            file=png,
            filename="eval-pass-rate.png",
            title=title,
            request_file_info=False,
        )
