"""Shared fixtures: real databases, the two HTTP stand-ins, and the real app served over HTTP."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn, live_standins
from tests.support.app_under_test import (  # re-exported: tests on other branches import them from here
    BOT_TOKEN,
    LIVE_MODEL,
    OPENAI_KEY,
    SIGNING_SECRET,
    Bot,
    make_settings,
)

# Fixtures shared by several test folders, defined next to the helpers they go with.
from tests.support.cli_process import cli_env  # noqa: F401
from tests.support.databases import (
    derived_url,
    migrated_postgres_template,
    migrated_sqlite_file,
    recreate_database,
    sqlite_copy,
)
from tests.support.raw_requests import app, module_bot  # noqa: F401
from tests.support.registry_setup import registry  # noqa: F401
from tests.support.server import serve_app
from tests.support.slack_checks import unescaped_mentions
from tests.support.slack_requests import SlackSender


@pytest.fixture(autouse=True)
def no_unescaped_mentions() -> Iterator[None]:
    """Fail any test after which a Slack stand-in it used received an unescaped <!channel>-style
    mention in mrkdwn: in a real workspace that message would have pinged everyone."""
    before = set(live_standins())
    yield
    if found := unescaped_mentions(since=before):
        pytest.fail("unescaped special mention sent to Slack:\n" + "\n".join(found), pytrace=False)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database migrated to head per worker; each test gets a copy of it."""
    return migrated_sqlite_file(tmp_path_factory.mktemp("migrated"))


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    return sqlite_copy(migrated_sqlite, tmp_path)


@pytest.fixture(scope="session")
def postgres_template(worker_id: str) -> str | None:
    """This worker's PostgreSQL template, migrated to head once per session from TEST_DATABASE_URL."""
    admin_url = os.environ.get("TEST_DATABASE_URL")
    return migrated_postgres_template(admin_url, worker_id) if admin_url else None


@pytest.fixture
def postgres_url(postgres_template: str | None, worker_id: str) -> str:
    """A database of this worker's own, migrated to head: `<TEST_DATABASE_URL's database>_<worker>`."""
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url or not postgres_template:
        pytest.skip("TEST_DATABASE_URL is not set (PostgreSQL tests run in CI)")
    url = derived_url(admin_url, worker_id)
    recreate_database(admin_url, url, template_url=postgres_template)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Run a test on SQLite, and again on PostgreSQL where TEST_DATABASE_URL is set."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def openai_standin() -> Iterator[OpenAIStandIn]:
    stand_in = OpenAIStandIn(models=[LIVE_MODEL], api_key=OPENAI_KEY)
    with stand_in.serve():
        yield stand_in


@pytest.fixture
def slack_standin() -> Iterator[SlackStandIn]:
    stand_in = SlackStandIn(bot_token=BOT_TOKEN)
    with stand_in.serve():
        yield stand_in


@pytest.fixture
def bot_factory(slack_standin: SlackStandIn, openai_standin: OpenAIStandIn) -> Iterator[Callable[..., Bot]]:
    """Start the real app over HTTP; call with a db URL and setting overrides."""
    stack: list[Any] = []

    def start(db_url: str, **overrides: Any) -> Bot:
        settings = make_settings(db_url, slack_standin, openai_standin, **overrides)
        ctx = serve_app(settings)
        url, _services = ctx.__enter__()
        stack.append(ctx)
        sender = SlackSender(url, SIGNING_SECRET, slack_standin.response_url)
        return Bot(url, db_url, slack_standin, openai_standin, sender, settings)

    yield start
    for ctx in reversed(stack):
        ctx.__exit__(None, None, None)


@pytest.fixture
def bot(bot_factory: Callable[..., Bot], sqlite_url: str) -> Bot:
    return bot_factory(sqlite_url)
