"""`/model status`, the App Home and the digest show the routing and its counters (issue 10)."""

from __future__ import annotations

import json
from collections.abc import Callable

from storage.models import ShadowPair
from tests.support.app_under_test import Bot
from tests.support.model_requests import CANDIDATE, approvals_bot, responses, wait_until
from tests.support.routing_requests import start_canary, triage

OTHER = "ft:gpt-4o-mini-2024-07-18:acme:triage:cand0003"


def test_status_home_and_digest_show_live_shadow_and_canary_with_counters(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    bot.openai.add_model(OTHER)
    _, url = bot.send.command("/model", f"shadow {OTHER} 100%", user_id="U0LEAD")
    (said,) = responses(bot, url)
    assert "Shadowing" in said["text"]
    start_canary(bot, 100)
    bot.openai.fail_next("off_schema", model=CANDIDATE)
    for n in range(3):
        triage(bot, f"Customer {n}: the app logs me out")
    wait_until(lambda: len(bot.rows(ShadowPair)) == 1)  # only the fallback was answered by live

    _, url = bot.send.command("/model", "status", user_id="U0AGENT")
    (status,) = responses(bot, url)
    shown = json.dumps(status["blocks"])
    assert "*Routing*: the live model serves 0% of triages" in shown
    assert (
        f"Shadow: `{OTHER}` on `openai` on 100%" in shown and "1 pairs recorded, 0 candidate errors" in shown
    )
    assert "0 skipped by the daily cap" in shown
    assert f"Canary: `{CANDIDATE}` on `openai` serves 100%: 2 served, 1 failed" in shown

    bot.send.event({"type": "app_home_opened", "user": "U0AGENT", "channel": "D0HOME", "tab": "home"})
    (home,) = bot.slack.wait_for("views.publish")
    assert "2 served, 1 failed" in json.dumps(home.params["view"]) and "1 pairs recorded" in json.dumps(
        home.params["view"]
    )

    bot.send.command("/digest", "", user_id="U0LEAD")
    (digest,) = bot.slack.wait_for(
        "response_url", lambda c: "Triage model digest" in str(c.params.get("blocks"))
    )
    assert "2 served, 1 failed" in str(digest.params["blocks"]) and "Shadow:" in str(digest.params["blocks"])
