"""In the sandbox console: a lead shadows v2, which fixes v1's billing mistake, and judges the disagreement."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.world import BETTER_MODEL
from tests.support.terminal import button, click, quit_sandbox, screen, start_sandbox, type_line


def test_a_lead_shadows_the_better_candidate_and_judges_it(tmp_path: Path) -> None:
    child = start_sandbox(tmp_path)
    try:
        type_line(child, "as lead")
        type_line(child, f"/model shadow {BETTER_MODEL} compare before switching")
        assert "Shadowing" in screen(child, settle=1.5)
        type_line(child, "as agent")
        type_line(child, "/triage I was charged twice for my subscription this month, please refund")
        shown = screen(child, settle=1.5)
        assert "Category" in shown and BETTER_MODEL not in shown  # the agent sees the live model only
        type_line(child, "as lead")
        type_line(child, "/model shadow review")
        shown = screen(child)
        assert "live said low/other, candidate said medium/billing" in shown
        shown = click(child, button(shown, "Candidate: medium/billing"))
        assert "the candidate was right" in shown
        type_line(child, "/model shadow")
        shown = screen(child)
        assert "Pairs recorded: 1" in shown.replace("*", "") and "candidate right 1" in shown
    finally:
        quit_sandbox(child)
