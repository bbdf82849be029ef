"""A new /model switch or rollback request supersedes the pending ones, so only their requesters or
an approver may open one; anyone else is told whose request is waiting, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from storage.models import SwitchRequest
from tests.support.app_under_test import Bot
from tests.support.model_requests import CANDIDATE, LEADS, approvals_bot, request_switch, responses

OTHER_CANDIDATE = "ft:gpt-4o-mini-2024-07-18:acme:triage:cand0003"


@pytest.fixture
def switch_bot(bot_factory: Callable[..., Bot], sqlite_url: str) -> Bot:
    bot = approvals_bot(bot_factory, sqlite_url)
    bot.openai.add_model(OTHER_CANDIDATE)
    return bot


@pytest.mark.parametrize("subcommand", [f"switch {OTHER_CANDIDATE}", "rollback please"])
def test_another_member_cannot_supersede_a_pending_request(switch_bot: Bot, subcommand: str) -> None:
    bot = switch_bot
    first = request_switch(bot, user="U0AGENT")

    response, url = bot.send.command("/model", subcommand, user_id="U0SOMEONE")
    said = (
        response.text + "".join(str(p) for p in responses(bot, url))
        if "Checking" in response.text
        else response.text
    )
    assert f"Request #{first.id} from <@U0AGENT>" in said
    assert "Only they or an approver" in said
    (only,) = bot.rows(SwitchRequest)
    assert only.id == first.id and only.status == "pending"


def test_the_requester_and_approvers_may_supersede(switch_bot: Bot) -> None:
    bot = switch_bot
    first = request_switch(bot, user="U0AGENT")
    second = request_switch(bot, OTHER_CANDIDATE, user="U0AGENT")
    third = request_switch(bot, CANDIDATE, user=LEADS[0])
    statuses = {r.id: r.status for r in bot.rows(SwitchRequest)}
    assert statuses == {first.id: "superseded", second.id: "superseded", third.id: "pending"}
