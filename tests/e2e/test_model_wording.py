"""What `/model` says to a team in its first week: issue 9's cosmetics and issue 15 §9-10's wording."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

import commands
from bot.registry import ModelStatus
from commands.ids import Action
from commands.model import status_blocks
from commands.model.home import home_view
from storage.models import Deployment, SwitchRequest
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import (
    approvals_bot,
    ask,
    click,
    ephemeral_texts,
    request_switch,
    responses,
    submit_reject,
    switched,
)


def test_pending_requests_are_never_cut_inside_a_code_span() -> None:
    now = datetime.now(UTC)
    long_id = "ft:gpt-4o-mini-2024-07-18:acme:" + "x" * 220
    pending = [
        SwitchRequest(
            id=i,
            kind="switch",
            requested_by="U0AGENT",
            model_id=f"{long_id}{i}",
            endpoint="openai",
            status="pending",
            expires_at=now + timedelta(hours=1),
            channel_id="C0APPROVALS",
        )
        for i in range(12)
    ]
    blocks = [b.to_dict() for b in status_blocks.pending_blocks(pending)]
    texts = [b["text"]["text"] for b in blocks]
    assert len(blocks) > 1  # too long for one section: split between lines, not inside one
    for section in texts:
        assert len(section) <= 3000
        assert section.count("`") % 2 == 0, section
        assert not section.endswith("…")
    assert sum(t.count(long_id) for t in texts) == 10 and "and 2 more" in texts[-1]
    live = Deployment(id=1, kind="initial", model_id=LIVE_MODEL, endpoint="openai", requested_by="config")
    live.created_at = now
    view = home_view(ModelStatus(live, None, None, pending), [live], now).to_dict()
    assert all(
        b["text"]["text"].count("`") % 2 == 0
        for b in view["blocks"]
        if b["type"] == "section" and "text" in b
    )


def test_history_of_one_says_deployment_not_deployments(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    response, _ = bot.send.command("/model", "history 1", user_id="U0AGENT")
    assert response.json()["text"] == "Last 1 deployment"
    assert "deployments" not in json.dumps(response.json())


def test_help_and_the_usage_hint_name_every_subcommand_including_eval(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    said = ask(bot, "help")
    assert "/model eval [model-id] [on &lt;endpoint&gt;]" in said
    assert said.index("/model eval") < said.index("/model help")
    manifest = yaml.safe_load(Path("app.yaml").read_text())
    (model,) = [c for c in manifest["features"]["slash_commands"] if c["command"] == "/model"]
    hint = model["usage_hint"]
    for name in commands.model_subcommands():
        if name != "evaltest":
            assert re.search(rf"\b{name}\b", hint), name
    assert "eval [model-id] [on <endpoint>]" in hint and "list [endpoint]" in hint


def test_reject_modal_label_is_just_reason_and_slack_adds_optional(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    click(bot, Action.REJECT_SWITCH, request, "U0LEAD")
    (opened,) = bot.slack.wait_for("views.open")
    (reason_input,) = [b for b in opened.params["view"]["blocks"] if b["type"] == "input"]
    assert reason_input["label"]["text"] == "Reason" and reason_input["optional"] is True


def test_approving_your_own_request_says_you_cannot_and_another_approver_must(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot, user="U0LEAD")
    _response, url = click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    said = ephemeral_texts(bot, url)
    assert f"You cannot approve your own request #{request.id}: another approver must" in said
    assert "another lead" not in said


def test_a_rejected_rollback_is_called_a_rollback(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    switched(bot)
    assert "waiting for a lead" in ask(bot, "rollback wrong labels", user="U0AGENT")
    request = max(bot.rows(SwitchRequest), key=lambda r: r.id)
    submit_reject(bot, request, "U0LEAD", "keep it")
    (told,) = bot.slack.wait_for("chat.postEphemeral", lambda c: "rejected your request" in c.params["text"])
    assert (
        f"rejected your request #{request.id} to roll back to `{LIVE_MODEL}` on `openai`"
        in told.params["text"]
    )
    assert "to switch to" not in told.params["text"]


def test_a_model_id_followed_by_words_says_which_id_was_checked_and_replaces_checking(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    response, url = bot.send.command("/model", "switch not a model", user_id="U0AGENT")
    assert "Checking `not`" in response.text
    (answer,) = responses(bot, url)
    assert answer["replace_original"] is True  # the "Checking…" note does not stay behind
    text = answer["text"]
    assert "no model `not` visible" in text and "Check `/model list`" in text
    assert "I read `not` as the model ID and “a model” as the reason" in text
    assert bot.rows(SwitchRequest) == []


def test_a_failed_rollback_check_replaces_checking(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    _response, url = bot.send.command("/model", "rollback", user_id="U0AGENT")
    (answer,) = responses(bot, url)
    assert answer["replace_original"] is True and ":warning:" in answer["text"]
    assert len(bot.rows(Deployment)) == 1
