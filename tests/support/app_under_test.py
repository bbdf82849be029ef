"""The app under test: its credentials, its settings against the stand-ins, and the `Bot` view tests use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine
from sqlmodel import Session, SQLModel, select

from bot.settings import Settings
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.db import sync_url
from tests.support.server import in_flight
from tests.support.slack_requests import SlackSender
from tests.support.waiting import wait_until

LIVE_MODEL = "ft:gpt-4o-mini-2024-07-18:acme:triage:base0001"
SIGNING_SECRET = "test-signing-secret-8d7c6b5a"
BOT_TOKEN = "xoxb-0000-test-bot-token"
OPENAI_KEY = "sk-test-0123456789abcdefghij"


def make_settings(db_url: str, slack: SlackStandIn, openai: OpenAIStandIn, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": f"{slack.base_url}/api/",
        "openai_api_key": OPENAI_KEY,
        "openai_base_url": f"{openai.base_url}/v1",
        "database_url": db_url,
        "triage_default_model": LIVE_MODEL,
        "openai_strict_validation": True,
        "triage_model_timeout": 2.0,
        "triage_model_max_retries": 1,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class Bot:
    """The app under test with everything it talks to."""

    url: str
    db_url: str
    slack: SlackStandIn
    openai: OpenAIStandIn
    send: SlackSender
    settings: Settings

    def rows(self, model: type[SQLModel], *where: Any) -> list[Any]:
        engine = create_engine(sync_url(self.db_url))
        try:
            with Session(engine) as session:
                return list(session.exec(select(model).where(*where)).all())
        finally:
            engine.dispose()

    def wait_until_idle(self, timeout: float = 10.0) -> None:
        """Wait until the app has finished everything its listeners acknowledged: after this, what did not
        happen will not happen, short of the outbox worker and scheduled jobs (instead of sleeping "long enough")."""
        wait_until(lambda: in_flight(self.url) == 0, timeout)
