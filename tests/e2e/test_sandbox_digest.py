"""In the sandbox console: a lead reads the digest. /digest is its own feature; this runs once it exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.world import LIVE_MODEL
from commands.ids import SlashCommand
from tests.support.terminal import quit_sandbox, screen, start_sandbox, type_line

pytestmark = pytest.mark.skipif(
    "/digest" not in {c.value for c in SlashCommand}, reason="/digest is not built yet"
)


def test_a_lead_reads_the_digest(tmp_path: Path) -> None:
    child = start_sandbox(tmp_path)
    try:
        type_line(child, "/triage The export button is broken")
        assert "High urgency" in screen(child)
        type_line(child, "as lead")
        type_line(child, "/digest")
        shown = screen(child)
        assert "digest" in shown.lower()
        assert LIVE_MODEL in shown
        assert "only visible to @lead" in shown
    finally:
        quit_sandbox(child)
