"""Issue 15 items 2, 4 and 5: break-glass rollbacks read as break-glass, stale requests are refused
on the click and closed as soon as the live model changes, and a rollback that would undo a rollback
asks first."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.registry import Registry, RequestClosed
from bot.standins.openai_api import OpenAIStandIn
from commands.ids import Action
from storage.db import sync_url
from storage.migrate import upgrade
from storage.models import Deployment, SwitchRequest
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import (
    APPROVALS,
    CANDIDATE,
    approvals_bot,
    ask,
    click,
    request_switch,
    switched,
)
from tests.support.registry_setup import NOW, make_registry, published
from tests.support.waiting import wait_until

NEXT = "ft:gpt-4o-mini:acme::next"


def live(bot: Bot) -> Deployment:
    return max(bot.rows(Deployment), key=lambda d: d.id)


def home(bot: Bot, user: str = "U0LEAD") -> str:
    before = len(bot.slack.calls_to("views.publish"))
    bot.send.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"})
    return json.dumps(bot.slack.wait_for("views.publish", count=before + 1)[-1].params["view"])


# ---- item 2: break-glass --------------------------------------------------------------------------


def test_a_lead_rollback_is_break_glass_everywhere_never_a_self_approval(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    switched(bot)
    assert "is live again" in ask(bot, "rollback labels went wrong", user="U0LEAD2")
    back = live(bot)
    assert (back.break_glass, back.approved_by, back.reason) == (True, None, "labels went wrong")
    said = "break-glass by <@U0LEAD2>: labels went wrong"
    (note,) = bot.slack.wait_for(
        "chat.postMessage", lambda c: "rolled back the live model" in c.params["text"]
    )
    assert note.params["channel"] == APPROVALS and said in note.params["text"]
    for view in (ask(bot, "history"), ask(bot, "status"), home(bot)):
        assert said in view
        assert "approved by <@U0LEAD2>" not in view


async def test_break_glass_is_recorded_without_an_approver(
    sqlite_url: str, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.add_model(CANDIDATE)
    registry = await make_registry(sqlite_url, openai_standin)
    try:
        await registry.approve((await published(registry)).id, "U0LEAD", now=NOW)
        plan = await registry.plan_rollback("U0LEAD2", "wrong labels", now=NOW)
        deployment = (await registry.rollback_now(plan, now=NOW)).deployment
        assert (deployment.break_glass, deployment.approved_by, deployment.requested_by) == (
            True,
            None,
            "U0LEAD2",
        )
    finally:
        await registry.models.close()
        await registry.db.dispose()


# ---- item 4: stale requests -----------------------------------------------------------------------


@pytest.fixture
async def registry(sqlite_url: str, openai_standin: OpenAIStandIn) -> AsyncIterator[Registry]:
    openai_standin.add_model(CANDIDATE)
    openai_standin.add_model(NEXT)
    reg = await make_registry(sqlite_url, openai_standin)
    yield reg
    await reg.models.close()
    await reg.db.dispose()


async def test_requests_go_stale_as_soon_as_the_live_model_changes(registry: Registry) -> None:
    first = await published(registry, ts="1.1")
    plan = await registry.plan_switch("U0AGENT", NEXT, None, None, now=NOW)
    # Opened but not yet published (so it did not supersede `first`): both are pending.
    second = await registry.open_request(plan, requester_channel_id="C1", now=NOW)
    await registry.approve(first.id, "U0LEAD", now=NOW)
    async with registry.db.session() as session:
        assert (await session.get(SwitchRequest, second.id)).status == "stale"  # type: ignore[union-attr]


async def test_a_click_on_a_request_made_before_the_live_model_changed_is_refused_at_once(
    registry: Registry,
) -> None:
    request = await published(registry)
    async with registry.db.transaction() as session:  # the live model changed by another path (the CLI)
        session.add(Deployment(endpoint="openai", model_id=NEXT, kind="switch", requested_by="ops"))
    with pytest.raises(RequestClosed, match="live model has changed"):
        await registry.check_can_decide(request.id, "U0LEAD", now=NOW, rejecting=False)
    async with registry.db.session() as session:
        assert (await session.get(SwitchRequest, request.id)).status == "stale"  # type: ignore[union-attr]


def test_a_rollback_marks_pending_requests_stale_and_updates_their_messages(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url, triage_quality_bar=0.99)
    switched(bot)
    bot.openai.add_model(NEXT)
    pending = request_switch(bot, NEXT, user="U0AGENT2")
    ask(bot, "rollback labels went wrong", user="U0LEAD2")
    wait_until(lambda: next(r for r in bot.rows(SwitchRequest) if r.id == pending.id).status == "stale")
    bot.slack.wait_for(
        "chat.update", lambda c: c.params["ts"] == pending.message_ts and "Stale" in json.dumps(c.params)
    )
    opened = len(bot.slack.calls_to("views.open"))
    click(bot, Action.APPROVE_SWITCH, pending, "U0LEAD")
    said = bot.slack.wait_for("response_url", lambda c: "live model has changed" in json.dumps(c.params))
    assert said
    assert len(bot.slack.calls_to("views.open")) == opened  # no override modal for a request that can't pass
    assert live(bot).model_id == LIVE_MODEL


# ---- item 5: a rollback that undoes a rollback ----------------------------------------------------


def test_a_second_rollback_asks_before_putting_back_the_model_the_first_removed(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    switched(bot)
    ask(bot, "rollback labels went wrong", user="U0LEAD2")
    assert live(bot).model_id == LIVE_MODEL
    for user in ("U0LEAD", "U0AGENT"):
        said = ask(bot, "rollback back again", user=user)
        assert f"`{CANDIDATE}` on `openai` was itself rolled back" in said
        assert "break-glass by <@U0LEAD2>" in said and "labels went wrong" in said
        assert "/model rollback confirm back again" in said and "Nothing was changed" in said
    assert live(bot).model_id == LIVE_MODEL and bot.rows(SwitchRequest)[-1].kind == "switch"
    assert "is live again" in ask(bot, "rollback confirm fixed upstream", user="U0LEAD")
    assert (live(bot).model_id, live(bot).reason) == (CANDIDATE, "fixed upstream")


def test_the_migration_marks_earlier_lead_rollbacks_as_break_glass(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0008")
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        for kind, request_id, approved_by in (
            ("rollback", None, "U0LEAD"),
            ("rollback", 1, "U0LEAD2"),
            ("switch", None, "U0LEAD"),
        ):
            conn.execute(
                text(
                    "INSERT INTO deployments (created_at, endpoint, model_id, kind, requested_by, approved_by, request_id, break_glass) "
                    "VALUES ('2026-11-01 00:00:00', 'openai', 'm', :kind, 'U0LEAD', :approved_by, :request_id, 0)"
                ),
                {"kind": kind, "approved_by": approved_by, "request_id": request_id},
            )
    upgrade(url)
    with engine.begin() as conn:
        rows = conn.execute(
            text("SELECT kind, request_id, approved_by, break_glass FROM deployments ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("rollback", None, None, 1),
        ("rollback", 1, "U0LEAD2", 0),
        ("switch", None, "U0LEAD", 0),
    ]
