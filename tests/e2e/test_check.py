"""`triagebot check` against the local stand-ins: a healthy setup, then each misconfiguration."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.check import manifest_scopes
from bot.settings import Settings
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import DEFAULT_SCOPES, SlackStandIn
from tests.support.app_under_test import BOT_TOKEN, LIVE_MODEL
from tests.support.check_setup import APPROVALS, check, healthy, line

ALL_SCOPES = sorted(set(DEFAULT_SCOPES) | set(manifest_scopes() or []))


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    stand_in = SlackStandIn(bot_token=BOT_TOKEN, scopes=ALL_SCOPES, missing_channels=["C0GONE"])
    with stand_in.serve():
        yield stand_in


def test_a_healthy_setup_passes_every_check(
    sqlite_url: str, slack: SlackStandIn, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(healthy(sqlite_url, slack, openai_standin), capsys)
    assert code == 0, out
    assert "FAILED" not in out and "warning " not in out
    assert line(out, "Slack token").startswith("ok")
    assert "Stand-in Workspace" in line(out, "Slack token")
    assert line(out, "Slack scopes").startswith("ok")
    assert line(out, "Migrations").startswith("ok")
    assert LIVE_MODEL in line(out, "Live model")
    assert f"({APPROVALS})" in line(out, "Approval channel")
    assert "next run" in line(out, "TRIAGE_DIGEST_CRON")
    assert "0 failed" in out


def test_a_rejected_token_says_invalid_auth_and_where_to_get_one(
    sqlite_url: str, slack: SlackStandIn, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = healthy(sqlite_url, slack, openai_standin, slack_bot_token="xoxb-1111-revoked-token-value")
    code, out = check(settings, capsys)
    assert code == 1
    token = line(out, "Slack token")
    assert token.startswith("FAILED") and "invalid_auth" in token
    assert "OAuth & Permissions" in token
    assert "xoxb-1111-revoked-token-value" not in out
    assert "not checked" in line(out, "Approval channel")


def test_a_missing_scope_is_named(
    sqlite_url: str, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    scopes = [s for s in ALL_SCOPES if s != "chat:write"]
    stand_in = SlackStandIn(bot_token=BOT_TOKEN, scopes=scopes)
    with stand_in.serve():
        code, out = check(healthy(sqlite_url, stand_in, openai_standin), capsys)
    assert code == 1
    scope_line = line(out, "Slack scopes")
    assert scope_line.startswith("FAILED") and "lacks chat:write" in scope_line
    assert "reinstall" in scope_line


def test_an_unknown_model_and_a_wrong_key(
    sqlite_url: str, slack: SlackStandIn, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(healthy(sqlite_url, slack, openai_standin, triage_default_model="ft:nope:gone"), capsys)
    assert code == 1
    model = line(out, "Live model")
    assert model.startswith("FAILED") and "no model `ft:nope:gone`" in model

    code, out = check(
        healthy(sqlite_url, slack, openai_standin, openai_api_key="sk-wrong-000000000000000"), capsys
    )
    assert code == 1
    assert "rejected our API key" in line(out, "Live model")
    assert "OPENAI_API_KEY" in line(out, "Live model")


def test_a_model_near_its_shutdown_date_is_a_warning(
    sqlite_url: str, slack: SlackStandIn, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    soon = "ft:gpt-4o-mini-2024-07-18:acme:triage:retiring"
    openai_standin.add_model(soon, shutdown_date=date.today() + timedelta(days=10))
    code, out = check(healthy(sqlite_url, slack, openai_standin, triage_default_model=soon), capsys)
    assert code == 0
    assert line(out, "Live model").startswith("warning") and "days left" in line(out, "Live model")


def test_an_unreachable_database(
    slack: SlackStandIn, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+psycopg://triage:s3cret-pw@127.0.0.1:9/triagebot"
    code, out = check(healthy(url, slack, openai_standin), capsys)
    assert code == 1
    database = line(out, "Database")
    assert database.startswith("FAILED") and "cannot connect" in database and "DATABASE_URL" in database
    assert LIVE_MODEL in line(out, "Live model")  # still checked, from TRIAGE_DEFAULT_MODEL


def test_an_unmigrated_or_missing_database(
    tmp_path: Path, slack: SlackStandIn, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    code, out = check(healthy(f"sqlite:///{empty}", slack, openai_standin), capsys)
    assert code == 1
    migrations = line(out, "Migrations")
    assert migrations.startswith("FAILED") and "not applied" in migrations
    assert "triagebot migrate" in migrations

    missing = tmp_path / "nowhere.db"
    code, out = check(healthy(f"sqlite:///{missing}", slack, openai_standin), capsys)
    assert code == 1
    assert "does not exist" in line(out, "Database")
    assert not missing.exists()  # checking never creates the database


def test_a_missing_channel(
    sqlite_url: str, slack: SlackStandIn, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(healthy(sqlite_url, slack, openai_standin, triage_digest_channel="C0GONE"), capsys)
    assert code == 1
    digest = line(out, "Digest channel")
    assert digest.startswith("FAILED") and "channel_not_found" in digest and "TRIAGE_DIGEST_CHANNEL" in digest
    assert line(out, "Approval channel").startswith("ok")


def test_a_bad_cron_expression(
    sqlite_url: str, slack: SlackStandIn, openai_standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = healthy(sqlite_url, slack, openai_standin).model_copy(
        update={"triage_eval_cron": "0 25 * * *"}
    )
    code, out = check(settings, capsys)
    assert code == 1
    cron = line(out, "TRIAGE_EVAL_CRON")
    assert cron.startswith("FAILED") and "five fields" in cron
    assert line(out, "TRIAGE_DIGEST_CRON").startswith("ok")


def test_nothing_configured_names_every_missing_setting(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(_env_file=None, database_url=sqlite_url)  # type: ignore[call-arg]
    code, out = check(settings, capsys)
    assert code == 1
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "TRIAGE_DEFAULT_MODEL", "OPENAI_API_KEY"):
        assert name in out
