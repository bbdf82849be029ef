"""`make run` (= `triagebot run`): the sandbox without Slack credentials, real Slack with all of them,
and with only some, exactly what is missing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pexpect

from tests.support.terminal import PROMPT, TRIAGEBOT, clean_env, screen, spawn, type_line


def test_make_run_without_credentials_starts_the_sandbox(tmp_path: Path) -> None:
    child = spawn(tmp_path, "run")
    child.expect("No Slack credentials")
    child.expect("SANDBOX")
    child.expect(PROMPT)
    type_line(child, "/triage I cannot log in to my account")
    assert "Triaging with" in screen(child)
    child.sendline("quit")
    child.expect(pexpect.EOF, timeout=15)
    child.close()
    assert child.exitstatus == 0
    assert (tmp_path / "sandbox.db").exists()


def test_make_run_with_some_credentials_names_what_is_missing(tmp_path: Path) -> None:
    env = clean_env(tmp_path) | {"SLACK_BOT_TOKEN": "xoxb-1234-only-the-token-is-set"}
    result = subprocess.run(
        [str(TRIAGEBOT), "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    for name in ("SLACK_SIGNING_SECRET", "OPENAI_API_KEY", "TRIAGE_DEFAULT_MODEL"):
        assert name in result.stderr
    assert "SLACK_BOT_TOKEN:" not in result.stderr  # it is set: not reported missing
    assert "xoxb-1234-only-the-token-is-set" not in result.stderr + result.stdout
    assert not (tmp_path / "sandbox.db").exists()
