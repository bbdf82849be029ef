"""/model status, history, list, help, rollback and the App Home tab, end to end."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import commands
from commands.ids import Action
from commands.subcommands import SubcommandTable
from storage.models import Deployment, SwitchRequest
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import (
    APPROVALS,
    CANDIDATE,
    approval_posts,
    approvals_bot,
    ask,
    click,
    request_switch,
    switched,
)
from tests.support.waiting import wait_until


def test_status_shows_the_live_model_and_its_trail(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    shutdown = datetime.now(UTC).date() + timedelta(days=50)
    bot.openai.add_model(CANDIDATE, shutdown_date=shutdown)
    switched(bot)
    bot.openai.add_model("ft:gpt-4o-mini:acme::next")
    pending = request_switch(bot, "ft:gpt-4o-mini:acme::next", user="U0AGENT2")
    for text in ("", "status"):
        said = ask(bot, text)
        assert f"*Live model* `{CANDIDATE}` on `openai`" in said
        assert "<@U0AGENT>" in said and "approved by <@U0LEAD>" in said and "better billing labels" in said
        assert f"`{LIVE_MODEL}` on `openai`" in said  # previous
        assert f"shuts down on {shutdown.isoformat()} (50 days left)" in said
        assert f"#{pending.id} switch to `ft:gpt-4o-mini:acme::next`" in said and "<@U0AGENT2>" in said


def test_status_at_first_start_says_there_is_no_previous_model(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    said = ask(bot, "status")
    assert "configuration (TRIAGE_DEFAULT_MODEL)" in said
    assert "none: this is the first model" in said and "No pending" in said
    assert "no shutdown date announced" in said


def test_history_lists_who_when_why_newest_first(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    switched(bot)
    said = ask(bot, "history")
    assert "Last 2 deployments" in said
    assert said.index(CANDIDATE) < said.index("first deployment")
    assert "requested by <@U0AGENT>, approved by <@U0LEAD>" in said and "better billing labels" in said
    assert "Last 1 deployment" in ask(bot, "history 1")
    for bad in ("0", "51", "ten"):
        assert "n from 1 to 50" in ask(bot, f"history {bad}")


def test_list_shows_fine_tuned_models_with_the_live_one_marked(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    bot.openai.add_model(LIVE_MODEL, fine_tune_of="gpt-4o-mini-2024-07-18")
    bot.openai.add_model(
        "ft:gpt-4o-mini-2024-07-18:acme:triage:new0003", fine_tune_of="gpt-4o-mini-2024-07-18"
    )
    said = ask(bot, "list")
    assert "Fine-tuned models on `openai`* (2)" in said
    assert f"`{LIVE_MODEL}` (from `gpt-4o-mini-2024-07-18`" in said
    live_line = next(line for line in said.split("\\n") if LIVE_MODEL in line)
    assert "*live*" in live_line
    assert "no endpoint named `nowhere`" in ask(bot, "list nowhere")


def test_help_and_unknown_subcommands_show_every_subcommand(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    for text, unknown in (("help", False), ("promote ft:x", True)):
        said = ask(bot, text)
        for usage in (
            "/model status",
            "/model switch <model-id> [on <endpoint>]",
            "/model rollback",
            "/model list",
            "/model history [n]",
            "/model help",
        ):
            assert usage.replace("<", "&lt;").replace(">", "&gt;") in said, usage
        assert ("There is no `/model promote`" in said) is unknown


@pytest.fixture
def extra_subcommand(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    seen: list[str] = []

    async def handler(args: str, command: dict, ack: Any, client: Any, context: dict) -> None:
        seen.append(args)
        await ack(text=f"eval of {args}")

    every_area = commands.model_subcommands

    def with_evaltest() -> SubcommandTable:
        table = every_area()
        table.add("evaltest", handler, "/model evaltest <model-id>", "Test-only subcommand.")
        return table

    # The table is built when the app is wired: an area's `add_subcommands` is exactly this.
    monkeypatch.setattr(commands, "model_subcommands", with_evaltest)
    yield seen


def test_other_modules_can_register_subcommands(
    bot_factory: Callable[..., Bot], sqlite_url: str, extra_subcommand: list[str]
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    assert "eval of ft:abc" in ask(bot, "EvalTest  ft:abc")
    assert extra_subcommand == ["ft:abc"]
    assert "/model evaltest &lt;model-id&gt;" in ask(bot, "help")
    with pytest.raises(ValueError):
        commands.model_subcommands().add("status", lambda *a: None, "x", "y")  # type: ignore[arg-type, return-value]


def test_nothing_to_roll_back_to(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    assert "Nothing to roll back to" in ask(bot, "rollback", user="U0LEAD")
    assert len(bot.rows(Deployment)) == 1 and bot.rows(SwitchRequest) == []


def test_lead_rolls_back_at_once_and_it_is_announced(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    switched(bot)
    said = ask(bot, "rollback labels went wrong", user="U0LEAD2")
    assert f"`{LIVE_MODEL}` on `openai` is live again" in said
    back = max(bot.rows(Deployment), key=lambda d: d.id)
    assert (back.kind, back.model_id, back.previous_model_id) == ("rollback", LIVE_MODEL, CANDIDATE)
    assert (back.requested_by, back.approved_by, back.reason) == ("U0LEAD2", None, "labels went wrong")
    (note,) = bot.slack.wait_for(
        "chat.postMessage", lambda c: "rolled back the live model" in c.params["text"]
    )
    assert note.params["channel"] == APPROVALS and "break-glass" in note.params["text"]
    before = len(bot.openai.chat_requests())
    bot.send.command("/triage", "Where is my invoice?")
    wait_until(lambda: len(bot.openai.chat_requests()) > before)
    assert bot.openai.chat_requests()[-1]["model"] == LIVE_MODEL


def test_agent_rollback_goes_through_approval(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    switched(bot)
    said = ask(bot, "rollback wrong labels", user="U0AGENT")
    assert "Rollback request" in said and "waiting for a lead" in said
    request = max(bot.rows(SwitchRequest), key=lambda r: r.id)
    assert (request.kind, request.model_id, request.from_model_id) == ("rollback", LIVE_MODEL, CANDIDATE)
    assert "Rollback request" in json.dumps(approval_posts(bot)[-1].params["blocks"])
    assert len(bot.rows(Deployment)) == 2
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    wait_until(lambda: len(bot.rows(Deployment)) == 3)
    back = max(bot.rows(Deployment), key=lambda d: d.id)
    assert (back.kind, back.model_id, back.approved_by) == ("rollback", LIVE_MODEL, "U0LEAD")
    bot.slack.wait_for("chat.postMessage", lambda c: "Live model rolled back" in c.params["text"])


def test_app_home_shows_live_pending_and_recent(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    shutdown = datetime.now(UTC).date() + timedelta(days=20)
    bot.openai.add_model(CANDIDATE, shutdown_date=shutdown)
    switched(bot)
    bot.openai.add_model("ft:gpt-4o-mini:acme::next")
    pending = request_switch(bot, "ft:gpt-4o-mini:acme::next")
    response = bot.send.event(
        {"type": "app_home_opened", "user": "U0LEAD", "channel": "D0HOME", "tab": "home"}
    )
    assert response.status_code == 200
    (published,) = bot.slack.wait_for("views.publish")
    assert published.params["user_id"] == "U0LEAD" and published.params["view"]["type"] == "home"
    shown = json.dumps(published.params["view"])
    assert f"`{CANDIDATE}` on `openai`" in shown and "(20 days left)" in shown
    assert f"#{pending.id} switch to" in shown
    assert "first deployment" in shown and "approved by <@U0LEAD>" in shown


def test_messages_tab_does_not_publish_the_home(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    bot.send.event({"type": "app_home_opened", "user": "U0LEAD", "channel": "D0HOME", "tab": "messages"})
    bot.send.event({"type": "app_home_opened", "user": "U0LEAD", "channel": "D0HOME", "tab": "home"})
    assert len(bot.slack.wait_for("views.publish")) == 1


def test_switch_refused_when_no_approvers_are_configured(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url, triage_approvers=[])
    assert "TRIAGE_APPROVERS" in ask(bot, f"switch {CANDIDATE}")
    assert bot.rows(SwitchRequest) == []


def test_status_and_digest_show_the_answer_format_the_live_model_gets(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    assert "*Answer format*\\nstrict schema" in ask(bot, "status")

    bot.openai.reject_json_schema_models.add(LIVE_MODEL)
    _response, url = bot.send.command("/triage", "I was charged twice")
    bot.slack.wait_for("response_url", lambda c: c.params["_token"] == url.rsplit("/", 1)[1], timeout=10)

    assert "*Answer format*\\nJSON mode (the endpoint refused the strict schema" in ask(bot, "status")
    bot.send.command("/digest", "", user_id="U0LEAD")
    (digest,) = bot.slack.wait_for(
        "response_url", lambda c: "Triage model digest" in str(c.params.get("blocks"))
    )
    assert "Answer format: JSON mode" in str(digest.params["blocks"])


def test_list_marks_a_model_that_gets_json_mode(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    bot.openai.add_model(LIVE_MODEL, fine_tune_of="gpt-4o-mini-2024-07-18")
    other = "ft:gpt-4o-mini-2024-07-18:acme:triage:new0004"
    bot.openai.add_model(other, fine_tune_of="gpt-4o-mini-2024-07-18")
    bot.openai.fail_next("reject_json_schema")
    _response, url = bot.send.command("/triage", "I was charged twice")
    bot.slack.wait_for("response_url", lambda c: c.params["_token"] == url.rsplit("/", 1)[1], timeout=10)

    lines = ask(bot, "list").split("\\n")
    assert "JSON mode" in next(line for line in lines if LIVE_MODEL in line)
    assert "JSON mode" not in next(line for line in lines if other in line)
