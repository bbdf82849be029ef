"""The sandbox as a new team meets it (issue 15, item 14): start over only when asked, say what was
picked up, show model faults on purpose, and leave cleanly on Ctrl-C."""

from __future__ import annotations

from pathlib import Path

import pexpect

from bot.sandbox.faults import plan
from tests.support.terminal import PROMPT, quit_sandbox, screen, spawn, type_line


def _triage_once_and_quit(tmp_path: Path) -> None:
    child = spawn(tmp_path, "sandbox")
    child.expect(PROMPT)
    type_line(child, "/triage The export button is broken")
    assert "urgency" in screen(child)
    quit_sandbox(child)


def test_a_restart_says_what_it_picked_up_and_fresh_asks_before_deleting(tmp_path: Path) -> None:
    _triage_once_and_quit(tmp_path)

    child = spawn(tmp_path, "sandbox")
    child.expect("Picked up the data already in sandbox.db: 1 triage")
    child.expect("ARGS=--fresh")
    child.expect(PROMPT)
    quit_sandbox(child)

    child = spawn(tmp_path, "sandbox", "--fresh")
    child.expect(r"sandbox.db holds 1 triage\(s\)\. Delete them and start over\? \[y/N\] ")
    child.sendline("n")
    child.expect("Nothing was deleted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1

    child = spawn(tmp_path, "sandbox", "--fresh")
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect(PROMPT)
    assert "Picked up" not in child.before
    quit_sandbox(child)


def test_fault_command_shows_what_agents_read_when_the_model_is_rate_limited(tmp_path: Path) -> None:
    child = spawn(tmp_path, "sandbox", "--fresh")
    child.expect(PROMPT)
    type_line(child, "fault rate-limit")
    assert "will fail: the endpoint answers 429" in screen(child)
    type_line(child, "/triage I was charged twice")
    shown = screen(child, settle=3)
    assert "rate" in shown.lower() and "urgency" not in shown.lower()
    type_line(child, "/triage I was charged twice")  # the fault is used up: the next one works
    assert "urgency" in screen(child)
    type_line(child, "fault lightning")
    assert "usage: fault <rate-limit|" in screen(child)
    quit_sandbox(child)


def test_ctrl_c_at_the_prompt_quits_cleanly(tmp_path: Path) -> None:
    child = spawn(tmp_path, "sandbox", "--fresh")
    child.expect(PROMPT)
    child.sendintr()
    child.expect(pexpect.EOF, timeout=15)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in (child.before or "")


def test_fault_plans_fail_every_attempt_of_one_triage_unless_told() -> None:
    assert plan("timeout", 3).times == 3
    assert plan("off-schema", 3).times == 1
    assert plan("server_error 5", 3).times == 5


def test_the_command_line_can_be_pointed_at_a_running_sandbox(tmp_path: Path) -> None:
    import subprocess

    from tests.support.terminal import TRIAGEBOT, clean_env

    child = spawn(tmp_path, "sandbox", "--fresh")
    child.expect(r"\(set -a; \. \./sandbox\.env; \.venv/bin/triagebot eval run\)")
    child.expect(PROMPT)
    env_file = tmp_path / "sandbox.env"
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    env = clean_env(tmp_path) | {key: value.strip("'") for key, value in values.items()}
    ran = subprocess.run(
        [str(TRIAGEBOT), "eval", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    assert "Pass rate:" in ran.stdout
    assert values["OPENAI_API_KEY"].strip("'") not in child.before  # the key is in the file, never on screen
    quit_sandbox(child)
