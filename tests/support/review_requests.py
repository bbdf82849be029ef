"""Reviewer flows end to end: a triage's buttons, the review modal's submission, a golden case in the eval set."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import create_engine
from sqlmodel import Session

from storage.db import sync_url
from storage.models import EvalCase
from tests.support.app_under_test import Bot
from tests.support.slack_requests import TEAM_ID

SITE_DOWN = "Our whole site is down since 9am, customers cannot log in!"


def triage_and_get_buttons(bot: Bot, text: str = SITE_DOWN) -> dict[str, str]:
    def is_result(call: Any) -> bool:
        return "blocks" in call.params and "Correct" in str(call.params)

    before = len([c for c in bot.slack.calls_to("response_url") if is_result(c)])
    bot.send.command("/triage", text)
    delivered = bot.slack.wait_for("response_url", is_result, count=before + 1)[-1]
    buttons = {}
    for block in delivered.params["blocks"]:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                buttons[element["action_id"]] = element["value"]
    return buttons


def submit_view(bot: Bot, view: dict[str, Any], values: dict[str, Any], user_id: str = "U0LEAD") -> Any:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0TRIAGEBOT",
        "token": "legacy-verification-token",
        "trigger_id": f"{int(time.time())}.123.xyz",
        "view": {**view, "state": {"values": values}},
        "response_urls": [],
    }
    return bot.send.interaction(payload)


def select(value: str) -> dict[str, Any]:
    return {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
    }


def add_eval_case(bot: Bot) -> None:
    engine = create_engine(sync_url(bot.db_url))
    with Session(engine) as session:
        session.add(EvalCase(input_text="Site down", expected_urgency="critical", expected_category="outage"))
        session.commit()
    engine.dispose()
