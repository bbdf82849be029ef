"""The Slack side of `Approvers`: members of a user group, via usergroups.users.list."""

from __future__ import annotations

from collections.abc import Collection

from slack_sdk.web.async_client import AsyncWebClient

from bot.registry import GroupLookup


def usergroup_members(client: AsyncWebClient) -> GroupLookup:
    async def lookup(group_id: str) -> Collection[str]:
        response = await client.usergroups_users_list(usergroup=group_id)
        return [str(user) for user in response.get("users") or []]

    return lookup
