"""The request boundary: only the workspace (or Enterprise Grid org) this bot is installed in is
served, and every string a user typed loses its control characters before any listener sees it."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.request_shape import clean_strings

log = logging.getLogger(__name__)

FOREIGN_WORKSPACE = (
    ":no_entry: This triagebot serves another Slack workspace, so nothing was run. "
    "Ask your own workspace's admins to install it there."
)


def is_foreign(context: dict[str, Any]) -> bool:
    """Whether the request comes from outside the installation that auth.test described.

    Bolt's authorization put the installation's team and enterprise in `authorize_result`;
    `context.team_id`/`enterprise_id` are what the request itself says.
    """
    installed = context.get("authorize_result")
    if installed is None:
        return False  # nothing was authorized (ssl_check, url_verification): nothing to compare
    request_enterprise, request_team = context.get("enterprise_id"), context.get("team_id")
    if request_enterprise and request_enterprise != installed.enterprise_id:
        return True  # another Enterprise Grid org, or one while installed in a standalone workspace
    if request_enterprise and context.get("is_enterprise_install"):
        return False  # an org-wide install serves every workspace of its org
    return bool(installed.team_id and request_team and request_team != installed.team_id)


async def guard_request(
    req: AsyncBoltRequest, context: dict[str, Any], next: Callable[[], Awaitable[BoltResponse]]
) -> BoltResponse:
    if is_foreign(context):
        log.warning(
            "refused a request from team %s / enterprise %s",
            context.get("team_id"),
            context.get("enterprise_id"),
        )
        if req.body.get("command") or req.body.get("type") in ("message_action", "block_actions", "shortcut"):
            # The acknowledgement itself says so: no response_url is ever used for a foreign team.
            return BoltResponse(
                status=200,
                body=json.dumps({"response_type": "ephemeral", "text": FOREIGN_WORKSPACE}),
                headers={"content-type": "application/json;charset=utf-8"},
            )
        return BoltResponse(status=200, body="")
    # One place for every listener that takes user text: NUL would fail on PostgreSQL only.
    clean_strings(req.body)
    return await next()
