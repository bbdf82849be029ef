"""The sandbox console driven as a person would, in a pseudo-terminal: triage, share, mistakes."""

from __future__ import annotations

import re
from pathlib import Path

import pexpect

from bot.sandbox.world import LIVE_MODEL
from tests.support.terminal import PROMPT, button, quit_sandbox, screen, spawn, type_line


def test_a_newcomer_triages_and_shares_a_message(tmp_path: Path) -> None:
    child = spawn(tmp_path, "sandbox")
    child.expect("SANDBOX")
    child.expect("local stand-ins")
    child.expect("app.yaml")
    child.expect(r"\.env")
    child.expect("make run")
    child.expect(PROMPT)

    type_line(child, "/triage Our checkout page is down and customers cannot pay!")
    shown = screen(child)
    assert f"Triaging with `{LIVE_MODEL}`" in shown
    assert "Critical urgency" in shown
    assert "Page the on-call engineer" in shown
    assert "only visible to @agent" in shown

    type_line(child, f"click {button(shown, 'Share in channel')}")
    shown = screen(child)
    assert "shared by @agent" in shown
    assert re.search(r"── #support ── triagebot ──\s", shown)  # in the channel, for everyone

    type_line(child, "/triage")
    assert "Paste the customer's message" in screen(child)

    type_line(child, "click 999")
    assert "there is no [999] on screen" in screen(child)
    type_line(child, "submit")
    assert "no modal is open" in screen(child)
    type_line(child, "hello")
    assert "type `help`" in screen(child)
    type_line(child, "help")
    assert "click N" in screen(child)
    type_line(child, "/nosuchcommand hi")
    assert "no listener" in screen(child)
    type_line(child, "as lead")
    assert "You are now @lead" in screen(child)
    type_line(child, "who")
    assert "← you" in screen(child)

    child.sendline("quit")
    child.expect(pexpect.EOF, timeout=15)
    child.close()
    assert child.exitstatus == 0
    assert (tmp_path / "sandbox.db").exists()
    log = (tmp_path / "sandbox.log").read_text()
    assert "slack request" in log and "model call" in log
    assert "xoxb-sandbox-" not in log and "sk-sandbox-" not in log
    quit_sandbox(child)
