"""The Slack side of `triagebot check`: auth.test (with the scopes header) and conversations.info."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.check import ChannelInfo, SlackAuth, SlackProbeFailed


class SlackSdkProbe:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def auth_test(self) -> SlackAuth:
        response = await self._call("auth.test", {})
        header = next((v for k, v in response.headers.items() if k.lower() == "x-oauth-scopes"), None)
        scopes = [s.strip() for s in str(header).split(",") if s.strip()] if header is not None else None
        return SlackAuth(
            team=str(response.get("team", "?")), bot_user=str(response.get("user", "?")), scopes=scopes
        )

    async def channel(self, channel_id: str) -> ChannelInfo:
        response = await self._call("conversations.info", {"channel": channel_id})
        channel = response.get("channel") or {}
        return ChannelInfo(
            name=str(channel.get("name", channel_id)),
            is_member=bool(channel.get("is_member", False)),
            is_archived=bool(channel.get("is_archived", False)),
        )

    async def _call(self, method: str, params: dict[str, str]):
        try:
            return await self.client.api_call(method, params=params)
        except SlackApiError as exc:
            raise SlackProbeFailed(
                str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
            ) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SlackProbeFailed(f"could not reach Slack ({type(exc).__name__})") from None
