"""Issue 15 item 12: the App Home has one heading style, the live model's quality figures, and
pending requests with their buttons (approvers) or a link to the request message (everyone else)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine
from sqlmodel import Session

from commands.ids import Action
from storage.db import sync_url
from storage.models import Deployment, EvalRun, QualityCheck, SwitchRequest
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import APPROVALS, approvals_bot, request_switch
from tests.support.waiting import wait_until


def home(bot: Bot, user: str) -> dict[str, Any]:
    before = len(bot.slack.calls_to("views.publish"))
    bot.send.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"})
    published = bot.slack.wait_for("views.publish", count=before + 1)[-1]
    assert published.params["user_id"] == user
    return published.params["view"]


def buttons(view: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e["value"]) for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]


def add_rows(bot: Bot, *rows: Any) -> None:
    engine = create_engine(sync_url(bot.db_url))
    with Session(engine, expire_on_commit=False) as session:
        for row in rows:
            session.add(row)
            session.commit()
    engine.dispose()


def test_pending_requests_have_one_heading(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request_switch(bot)
    shown = json.dumps(home(bot, "U0LEAD")).lower()
    assert shown.count("pending requests") == 1


def test_home_shows_the_live_models_latest_eval_and_review_agreement(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    assert "none yet: run `/model eval`" in json.dumps(home(bot, "U0LEAD"))
    finished = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    old = EvalRun(
        endpoint="openai", model_id=LIVE_MODEL, trigger="cli", status="finished", case_count=4, passed_count=1
    )
    other = EvalRun(
        endpoint="openai", model_id="ft:other", trigger="cli", status="finished", case_count=5, passed_count=5
    )
    latest = EvalRun(
        endpoint="openai",
        model_id=LIVE_MODEL,
        trigger="cli",
        status="finished",
        case_count=10,
        passed_count=8,
        finished_at=finished,
    )
    running = EvalRun(endpoint="openai", model_id=LIVE_MODEL, trigger="cli", status="running", case_count=10)
    reviews = [
        QualityCheck(kind="review", endpoint="openai", model_id=LIVE_MODEL, reviewer=f"U{i}", passed=i < 2)
        for i in range(3)
    ]
    add_rows(bot, old, other, latest, running, *reviews)
    shown = json.dumps(home(bot, "U0LEAD"), ensure_ascii=False)
    assert f"80% passed (8/10) · run #{latest.id}" in shown and "2026-11-20 09:30 UTC" in shown
    assert "67% (2 of 3 reviews said Correct)" in shown


def test_pending_requests_have_buttons_for_approvers_and_a_link_for_others(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot, user="U0AGENT")
    lead = home(bot, "U0LEAD")
    assert (Action.APPROVE_SWITCH, str(request.id)) in buttons(lead)
    assert (Action.REJECT_SWITCH, str(request.id)) in buttons(lead)
    for viewer in ("U0AGENT", "U0AGENT2"):  # the requester cannot approve; others are not approvers
        view = home(bot, viewer)
        assert buttons(view) == []
        link = f"https://standin.slack.com/archives/{APPROVALS}/p{request.message_ts.replace('.', '')}"
        assert f"<{link}|open the request>" in json.dumps(view)


def test_approve_from_the_home_tab_switches_and_refreshes_the_tab(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot, user="U0AGENT")
    home(bot, "U0LEAD")
    published = len(bot.slack.calls_to("views.publish"))
    payload = {
        "type": "block_actions",
        "team": {"id": "T0STANDIN", "domain": "acme"},
        "user": {"id": "U0LEAD", "username": "u0lead", "team_id": "T0STANDIN"},
        "api_app_id": "A0TRIAGEBOT",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": f"{int(time.time())}.123.home",
        "view": {"id": "V0HOME", "type": "home", "blocks": []},
        "actions": [
            {
                "type": "button",
                "action_id": Action.APPROVE_SWITCH,
                "block_id": f"switch_actions:{request.id}",
                "value": str(request.id),
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    assert bot.send.interaction(payload).status_code == 200
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
    assert next(r for r in bot.rows(SwitchRequest) if r.id == request.id).status == "approved"
    bot.slack.wait_for("chat.postMessage", lambda c: "Live model switched" in c.params["text"])
    refreshed = bot.slack.wait_for("views.publish", count=published + 1)[-1].params["view"]
    assert buttons(refreshed) == []
