"""The `triagebot` command: as a child process with a clean environment, or in-process with its variables set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.standins.openai_api import OpenAIStandIn
from tests.support.app_under_test import LIVE_MODEL, OPENAI_KEY

TRIAGEBOT = str(Path(sys.executable).parent / "triagebot")


def clean_env(**values: str) -> dict[str, str]:
    """Only what the test sets: nothing from the developer's shell or .env leaks in."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    env.update(values)
    return env


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRIAGEBOT, *args], cwd=tmp_path, env=clean_env(**env), capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, openai_standin: OpenAIStandIn, tmp_path: Path
) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{openai_standin.base_url}/v1")
    monkeypatch.setenv("TRIAGE_DEFAULT_MODEL", LIVE_MODEL)
    return sqlite_url
