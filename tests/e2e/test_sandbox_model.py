"""In the sandbox console: a switch rejected in a modal, one approved by a lead, and a rollback.

/model is its own feature; these steps run once that command exists.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.world import BETTER_MODEL, LIVE_MODEL, WORSE_MODEL
from commands.ids import SlashCommand
from tests.support.terminal import button, click, quit_sandbox, screen, start_sandbox, type_line

pytestmark = pytest.mark.skipif(
    "/model" not in {c.value for c in SlashCommand}, reason="/model is not built yet"
)


def test_reject_in_a_modal_approve_by_a_lead_then_roll_back(tmp_path: Path) -> None:
    child = start_sandbox(tmp_path)
    try:
        type_line(child, f"/model switch {WORSE_MODEL} trying the experiment")
        reject = button(screen(child), "Reject")
        type_line(child, "as lead")
        shown = click(child, reject)
        assert "modal opened for @lead" in shown and "submit" in shown
        type_line(child, "submit it scores worse on the golden set")
        shown = screen(child)
        assert "modal submitted and closed" in shown
        assert "it scores worse on the golden set" in shown

        type_line(child, "as agent")
        type_line(child, f"/model switch {BETTER_MODEL} better on billing")
        approve = button(screen(child), "Approve")
        click(child, approve)  # four eyes: not the requester
        type_line(child, "/triage I was charged twice this month")
        assert f"Triaging with `{LIVE_MODEL}`" in screen(child)

        type_line(child, "as lead")
        shown = click(child, approve)
        if "modal opened for @lead" in shown:  # the eval gate had not finished: approve with a reason
            type_line(child, "submit the test does not wait for the eval")
            shown = screen(child)
        assert "@lead" in shown
        type_line(child, "as agent")
        type_line(child, "/triage I was charged twice this month")
        shown = screen(child)
        assert f"Triaging with `{BETTER_MODEL}`" in shown and "billing" in shown

        type_line(child, "as lead")
        type_line(child, "/model rollback v2 misroutes refunds")
        assert LIVE_MODEL in screen(child)
        type_line(child, "/triage Where is my invoice?")
        assert f"Triaging with `{LIVE_MODEL}`" in screen(child)
    finally:
        quit_sandbox(child)
