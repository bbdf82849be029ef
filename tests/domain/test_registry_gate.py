"""The eval gate is the registry's rule: a direct call of approve meets it as a click does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.registry import Approval, OverrideRequired
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.models import Deployment, SwitchRequest
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.eval_set_setup import gate_update, with_eval_set
from tests.support.model_requests import APPROVALS, CANDIDATE, LEADS, approvals_bot, request_switch
from tests.support.quality_services import open_services, script_all


def test_a_direct_approve_cannot_bypass_the_eval_gate(
    bot_factory: Callable[..., Bot],
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slack_standin: SlackStandIn,
    openai_standin: OpenAIStandIn,
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    with_eval_set(bot, tmp_path, monkeypatch)
    script_all(bot.openai, LIVE_MODEL, right=True)
    script_all(bot.openai, CANDIDATE, right=True)
    script_all(bot.openai, CANDIDATE, right=False, only=["Case A", "Case B"])
    request = request_switch(bot)
    gate_update(bot, "below the bar")
    assert request.id is not None

    request_id = request.id

    async def from_another_process() -> Approval:
        """A CLI or a promotion job, with the services as `triagebot` builds them."""
        settings = {"triage_approvers": LEADS, "triage_approval_channel": APPROVALS}
        async with open_services(sqlite_url, slack_standin, openai_standin, **settings) as services:
            for no_reason in (None, "   "):
                with pytest.raises(OverrideRequired) as refused:
                    await services.registry.approve(
                        request_id, "U0LEAD", now=datetime.now(UTC), override_reason=no_reason
                    )
                assert refused.value.verdict.needs_override and refused.value.request.id == request_id
                assert "override reason" in refused.value.user_message
            assert len(bot.rows(Deployment)) == 1, "nothing went live"
            assert [r.status for r in bot.rows(SwitchRequest)] == ["pending"]
            return await services.registry.approve(
                request_id, "U0LEAD", now=datetime.now(UTC), override_reason="labels of A/B are disputed"
            )

    approval = asyncio.run(from_another_process())
    assert approval.deployment.model_id == CANDIDATE
    assert approval.deployment.override_reason == "labels of A/B are disputed"
    assert [r.status for r in bot.rows(SwitchRequest)] == ["approved"]
