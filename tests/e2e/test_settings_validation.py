"""Settings that would break later (the review modal, PostgreSQL, the scheduler, the database
driver) stop start-up at once: exit 2 and one message naming each variable, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from tests.support.cli_process import run

MANY = ",".join(f"label{i}" for i in range(101))


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (MANY, "at most 100"),
        ("billing," + "x" * 65, "64 characters"),
        ("billing,Bug Reports", "lowercase"),
        ("billing,<!channel>", "lowercase"),
        ("billing,bug,billing", "billing repeated"),
        (" , ,", "at least one"),
    ],
    ids=["too-many", "too-long", "spaces", "markup", "duplicate", "empty"],
)
def test_unusable_categories_are_refused(value: str, says: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None, triage_categories=value)
    assert "TRIAGE_CATEGORIES" in str(refused.value) and says in str(refused.value)


def test_usable_categories_pass() -> None:
    labels = ",".join(f"c{i}-x_{i}" for i in range(100))
    assert len(load_settings(_env_file=None, triage_categories=labels).triage_categories) == 100
    load_settings(_env_file=None, triage_categories="a" * 64)


@pytest.mark.parametrize(
    "url", ["postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db", "sqlite:///x.db"]
)
def test_supported_database_urls_pass(url: str) -> None:
    assert load_settings(_env_file=None, database_url=url).database_url == url


def test_every_bad_setting_is_named_at_once_with_exit_2(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "migrate",
        DATABASE_URL="mysql://root@localhost/triage",
        TRIAGE_EVAL_CRON="61 2 * * *",
        TRIAGE_DIGEST_CRON="every morning",
        TRIAGE_CATEGORIES=MANY,
    )
    assert result.returncode == 2, result.stderr
    for name in ("DATABASE_URL", "TRIAGE_EVAL_CRON", "TRIAGE_DIGEST_CRON", "TRIAGE_CATEGORIES"):
        assert name in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "foo"),
        ("DATABASE_URL", "postgresql+pg9000://u@h/db"),
        # Each connection would get a database of its own: the bot's several would not share it.
        ("DATABASE_URL", "sqlite:///:memory:"),
        ("TRIAGE_EVAL_CRON", "* * *"),
    ],
)
def test_serve_refuses_before_serving(tmp_path: Path, name: str, value: str) -> None:
    result = run(tmp_path, "serve", **{name: value})
    assert result.returncode == 2, result.stderr
    assert name in result.stderr and "Traceback" not in result.stderr + result.stdout
