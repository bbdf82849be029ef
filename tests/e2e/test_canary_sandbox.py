"""In the sandbox console: an agent asks to canary v2, the lead approves, agents' results name the
model that answered, and the lead stops it (issue 10)."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.world import BETTER_MODEL, LIVE_MODEL
from tests.support.terminal import button, click, quit_sandbox, screen, start_sandbox, type_line


def test_an_agent_asks_for_a_canary_of_v2_and_the_lead_approves_then_stops_it(tmp_path: Path) -> None:
    child = start_sandbox(tmp_path)
    try:
        type_line(child, f"/model canary {BETTER_MODEL} 100% try it on real tickets")
        shown = screen(child, settle=1.5)
        assert "Canary request" in shown
        approve = button(shown, "Approve")
        type_line(child, "as lead")
        shown = click(child, approve)
        if "modal opened for @lead" in shown:  # the eval gate had not finished: approve with a reason
            type_line(child, "submit the test does not wait for the eval")
            shown = screen(child)
        assert "Canary of" in shown
        type_line(child, "as agent")
        type_line(child, "/triage I was charged twice for my subscription this month, please refund")
        assert BETTER_MODEL in screen(child, settle=1.5)  # the result names the model that answered
        type_line(child, "as lead")
        type_line(child, "/model canary stop enough for today")
        assert "Stopped the canary" in screen(child)
        type_line(child, "as agent")
        type_line(child, "/triage I was charged twice for my subscription this month, please refund")
        shown = screen(child, settle=1.5)
        assert LIVE_MODEL in shown.split("Stopped the canary")[-1]
    finally:
        quit_sandbox(child)
