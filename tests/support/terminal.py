"""Drive `triagebot` in a pseudo-terminal the way a person would: type a line, read the screen."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pexpect

from tests.support.paths import REPO_ROOT as ROOT

TRIAGEBOT = ROOT / ".venv" / "bin" / "triagebot"
PROMPT = re.compile(r"@(\w+) in #support> ")
# How long an expected screen may take (a deadline, not a wait): a cold `triagebot sandbox` on a loaded
# machine has printed nothing for 30 s.
SCREEN_DEADLINE_SECONDS = 60


def clean_env(home: Path) -> dict[str, str]:
    """Nothing from the developer's environment: no credentials (and the cwd holds no .env)."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "TERM": "dumb", "NO_COLOR": "1"}


def spawn(cwd: Path, *args: str, env: dict[str, str] | None = None) -> pexpect.spawn:
    command = str(TRIAGEBOT) if TRIAGEBOT.exists() else sys.executable
    argv = list(args) if TRIAGEBOT.exists() else ["-m", "bot.cli", *args]
    return pexpect.spawn(
        command,
        argv,
        cwd=str(cwd),
        env=env or clean_env(cwd),
        encoding="utf-8",
        timeout=SCREEN_DEADLINE_SECONDS,
        dimensions=(60, 200),
    )


def start_sandbox(cwd: Path) -> pexpect.spawn:
    child = spawn(cwd, "sandbox", "--fresh")
    child.expect("SANDBOX")
    child.expect(PROMPT)
    return child


def quit_sandbox(child: pexpect.spawn) -> None:
    if child.isalive():
        child.sendline("quit")
        child.expect(pexpect.EOF, timeout=15)
    child.close()


def type_line(child: pexpect.spawn, line: str) -> None:
    child.sendline(line)
    child.expect_exact(line)  # the terminal echoes what the person typed


def screen(child: pexpect.spawn, settle: float = 0.5) -> str:
    """Everything shown until the prompt is back and nothing more arrives for `settle` seconds."""
    child.expect(PROMPT)
    shown = child.before + child.after
    while True:
        index = child.expect([PROMPT, pexpect.TIMEOUT], timeout=settle)
        shown += child.before + (child.after if index == 0 else "")
        if index == 1:
            return shown


def button(text: str, label: str) -> str:
    """The number of the newest button called `label` in `text`."""
    numbers = re.findall(rf"\[(\d+)\] {re.escape(label)}", text)
    assert numbers, f"no [{label}] button on screen:\n{text}"
    return numbers[-1]


def click(child: pexpect.spawn, number: str) -> str:
    """Click [number]; when its message changed meanwhile, click the same button on the newest version."""
    for _ in range(5):
        type_line(child, f"click {number}")
        shown = screen(child)
        newer = re.search(r"its newest version has it as \[(\d+)\]", shown)
        if newer is None:
            return shown
        number = newer.group(1)
    raise AssertionError(f"[{number}] kept changing")
