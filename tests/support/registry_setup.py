"""The model registry on a real database and the OpenAI stand-in, without Slack, at a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.deployments import ensure_initial_deployment
from bot.model_client import ModelClient
from bot.registry import Approvers, Registry
from bot.settings import Endpoint
from bot.standins.openai_api import OpenAIStandIn
from storage.db import Database
from storage.models import Deployment, SwitchRequest
from tests.support.app_under_test import LIVE_MODEL, OPENAI_KEY
from tests.support.model_requests import CANDIDATE

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def endpoints(openai: OpenAIStandIn, **extra: OpenAIStandIn) -> dict[str, Endpoint]:
    from pydantic import SecretStr

    found = {
        "openai": Endpoint(name="openai", base_url=f"{openai.base_url}/v1", api_key=SecretStr(OPENAI_KEY))
    }
    for name, stand_in in extra.items():
        found[name] = Endpoint(
            name=name,
            base_url=f"{stand_in.base_url}/v1",
            api_key=SecretStr(OPENAI_KEY),
            supports_retrieve=False,
        )
    return found


async def make_registry(
    db_url: str, openai: OpenAIStandIn, approvers: Approvers | None = None, **extra: OpenAIStandIn
) -> Registry:
    db = Database(db_url)
    await ensure_initial_deployment(db, LIVE_MODEL)
    models = ModelClient(endpoints(openai, **extra), timeout=2, max_retries=0)
    return Registry(
        db, models, approvers or Approvers(["U0LEAD", "U0LEAD2"]), approval_ttl=timedelta(hours=24)
    )


@pytest.fixture
async def registry(sqlite_url: str, openai_standin: OpenAIStandIn) -> AsyncIterator[Registry]:
    openai_standin.add_model(CANDIDATE)
    reg = await make_registry(sqlite_url, openai_standin)
    yield reg
    await reg.models.close()
    await reg.db.dispose()


async def published(
    reg: Registry, model_id: str = CANDIDATE, by: str = "U0AGENT", ts: str = "1.1"
) -> SwitchRequest:
    plan = await reg.plan_switch(by, model_id, None, "fewer wrong billing labels", now=NOW)
    request = await reg.open_request(plan, requester_channel_id="C0SUPPORT", now=NOW)
    request, _ = await reg.publish_request(request.id, channel_id="C0APPROVALS", message_ts=ts, now=NOW)
    return request


async def deployments(reg: Registry) -> list[Deployment]:
    return list(reversed(await reg.history(50)))
