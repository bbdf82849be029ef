"""The `triagebot` command as an operator meets it: configuration errors, migrate, serve + /healthz."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from bot.standins.openai_api import OpenAIStandIn
from tests.support.app_under_test import BOT_TOKEN, LIVE_MODEL, OPENAI_KEY, SIGNING_SECRET
from tests.support.cli_process import TRIAGEBOT, clean_env, run


def test_serve_without_configuration_names_every_missing_setting(tmp_path: Path) -> None:
    result = run(tmp_path, "serve")
    assert result.returncode == 2
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "OPENAI_API_KEY", "TRIAGE_DEFAULT_MODEL"):
        assert name in result.stderr
    assert "api.slack.com" in result.stderr or "Slack app settings" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_invalid_setting_is_named_with_exit_code_2(tmp_path: Path) -> None:
    result = run(tmp_path, "migrate", TRIAGE_MAX_INPUT_CHARS="lots", TRIAGE_TIMEZONE="Mars/Olympus")
    assert result.returncode == 2
    assert "TRIAGE_MAX_INPUT_CHARS" in result.stderr
    assert "TRIAGE_TIMEZONE" in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_are_read_from_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TRIAGE_MAX_INPUT_CHARS=oops\n")
    result = run(tmp_path, "migrate")
    assert result.returncode == 2 and "TRIAGE_MAX_INPUT_CHARS" in result.stderr


def test_migrate_creates_the_database(tmp_path: Path) -> None:
    result = run(tmp_path, "migrate", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 0, result.stderr
    assert "Created the database schema" in result.stdout
    again = run(tmp_path, "migrate", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert again.returncode == 0 and "already up to date" in again.stdout
    assert (tmp_path / "x.db").exists()
    again = run(tmp_path, "migrate", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert again.returncode == 0


def test_unreachable_database_is_one_readable_line(tmp_path: Path) -> None:
    result = run(tmp_path, "migrate", DATABASE_URL="postgresql+psycopg://nobody:secretpw@127.0.0.1:1/none")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "secretpw" not in result.stderr
    assert "triagebot migrate" in result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def openai_for_cli() -> OpenAIStandIn:
    stand_in = OpenAIStandIn(models=[LIVE_MODEL], api_key=OPENAI_KEY)
    with stand_in.serve():
        yield stand_in


def test_serve_answers_healthz_with_the_live_model(tmp_path: Path, openai_for_cli: OpenAIStandIn) -> None:
    port = free_port()
    env = clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        OPENAI_API_KEY=OPENAI_KEY,
        OPENAI_BASE_URL=f"{openai_for_cli.base_url}/v1",
        TRIAGE_DEFAULT_MODEL=LIVE_MODEL,
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    proc = subprocess.Popen(
        [TRIAGEBOT, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                body = response.json()
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert body is not None, "serve never answered /healthz"
        assert response.status_code == 200
        assert body == {
            "status": "ok",
            "database": True,
            "live_model": {"endpoint": "openai", "model_id": LIVE_MODEL},
        }
        unsigned = httpx.post(f"http://127.0.0.1:{port}/slack/events", content=b"command=/triage&text=hi")
        assert unsigned.status_code == 401
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status reports the signal.
    assert proc.returncode in (0, -15), output
    assert "Application shutdown complete" in output
    for secret in (BOT_TOKEN, SIGNING_SECRET, OPENAI_KEY):
        assert secret not in output
    assert "Traceback" not in output


def test_one_shot_commands_print_their_outcome_without_log_lines(tmp_path: Path) -> None:
    # `check` against services that do not answer: its own FAILED lines, no raw WARNING/INFO before them.
    result = run(
        tmp_path,
        "check",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        OPENAI_API_KEY=OPENAI_KEY,
        TRIAGE_DEFAULT_MODEL=LIVE_MODEL,
        SLACK_API_URL="http://127.0.0.1:9/api/",
        OPENAI_BASE_URL="http://127.0.0.1:9/v1",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert output.lstrip().startswith("FAILED") or output.lstrip().startswith("ok")
    assert " WARNING " not in output and " INFO " not in output
