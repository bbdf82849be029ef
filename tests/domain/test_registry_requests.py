"""Domain: checking candidates and opening, publishing and superseding requests (no Slack)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta

import pytest

from bot.errors import InvalidInput, ModelUnknown, NotAllowed, NotFound
from bot.registry import Approvers, Registry
from bot.registry.model_ids import validate_model_id
from bot.standins.openai_api import OpenAIStandIn
from storage.models import SwitchRequest
from tests.support.app_under_test import LIVE_MODEL, OPENAI_KEY
from tests.support.model_requests import CANDIDATE
from tests.support.registry_setup import NOW, make_registry


@pytest.fixture
def second_openai() -> Iterator[OpenAIStandIn]:
    stand_in = OpenAIStandIn(api_key=OPENAI_KEY)
    with stand_in.serve():
        yield stand_in


@pytest.fixture
async def registry(sqlite_url: str, openai_standin: OpenAIStandIn) -> AsyncIterator[Registry]:
    openai_standin.add_model(CANDIDATE)
    reg = await make_registry(sqlite_url, openai_standin)
    yield reg
    await reg.models.close()
    await reg.db.dispose()


@pytest.mark.parametrize(
    "model_id",
    [
        "ft:gpt-4o-mini-2024-07-18:acme::abc123",
        "meta-llama/Llama-3.1-8B-Instruct",
        "accounts/fireworks/models/triage-v2",
        "gpt-4o-mini",
        "triage-lora@v3",
        "x" * 256,
    ],
)
def test_well_formed_model_ids_pass(model_id: str) -> None:
    assert validate_model_id(model_id) == model_id


@pytest.mark.parametrize("model_id", ["", "two words", "`ft:abc`", "ft:abc`", "x" * 257, "-leading", "a\nb"])
def test_malformed_model_ids_are_refused(model_id: str) -> None:
    with pytest.raises(InvalidInput):
        validate_model_id(model_id)


async def test_plan_switch_checks_the_candidate_with_the_endpoint(registry: Registry) -> None:
    plan = await registry.plan_switch("U0AGENT", CANDIDATE, None, "  better on billing  ", now=NOW)
    assert (plan.kind, plan.endpoint, plan.model_id, plan.reason) == (
        "switch",
        "openai",
        CANDIDATE,
        "better on billing",
    )
    assert plan.live.model_id == LIVE_MODEL


async def test_unknown_model_is_refused_with_openai_wording(registry: Registry) -> None:
    with pytest.raises(ModelUnknown) as raised:
        await registry.plan_switch("U0AGENT", "ft:gpt-4o-mini:acme::nope", None, None, now=NOW)
    assert raised.value.user_message.startswith(
        "OpenAI has no model `ft:gpt-4o-mini:acme::nope` visible to this key"
    )


async def test_live_model_cannot_be_requested_again(registry: Registry) -> None:
    with pytest.raises(InvalidInput, match="already the live model"):
        await registry.plan_switch("U0AGENT", LIVE_MODEL, "openai", None, now=NOW)


async def test_unknown_endpoint_lists_the_configured_ones(registry: Registry) -> None:
    with pytest.raises(NotFound, match="Configured endpoints: openai"):
        await registry.plan_switch("U0AGENT", CANDIDATE, "azure", None, now=NOW)


async def test_model_past_its_shutdown_date_is_refused(
    registry: Registry, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.add_model("ft:old:acme::retired", shutdown_date=date(2026, 11, 1))
    with pytest.raises(InvalidInput, match="reached its shutdown date on 2026-11-01"):
        await registry.plan_switch("U0AGENT", "ft:old:acme::retired", None, None, now=NOW)


async def test_model_near_its_shutdown_date_is_planned_with_the_date(
    registry: Registry, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.add_model("ft:soon:acme::x", shutdown_date=date(2026, 12, 10))
    plan = await registry.plan_switch("U0AGENT", "ft:soon:acme::x", None, None, now=NOW)
    assert plan.shutdown_date == date(2026, 12, 10)


async def test_endpoint_without_retrieve_is_checked_against_its_list(
    sqlite_url: str, openai_standin: OpenAIStandIn, second_openai: OpenAIStandIn
) -> None:
    second_openai.add_model("meta-llama/triage-lora")
    reg = await make_registry(sqlite_url, openai_standin, vllm=second_openai)
    try:
        plan = await reg.plan_switch("U0AGENT", "meta-llama/triage-lora", "vllm", None, now=NOW)
        assert plan.endpoint == "vllm"
        with pytest.raises(ModelUnknown, match="Endpoint `vllm` has no model"):
            await reg.plan_switch("U0AGENT", "meta-llama/other", "vllm", None, now=NOW)
        assert not any(r.path.startswith("/v1/models/") for r in second_openai.requests)
    finally:
        await reg.models.close()
        await reg.db.dispose()


async def test_no_configured_approvers_means_no_requests(
    sqlite_url: str, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.add_model(CANDIDATE)
    reg = await make_registry(sqlite_url, openai_standin, Approvers())
    try:
        with pytest.raises(NotAllowed, match="TRIAGE_APPROVERS"):
            await reg.plan_switch("U0AGENT", CANDIDATE, None, None, now=NOW)
    finally:
        await reg.models.close()
        await reg.db.dispose()


async def test_open_request_records_live_and_candidate_and_expiry(registry: Registry) -> None:
    plan = await registry.plan_switch("U0AGENT", CANDIDATE, None, "why not", now=NOW)
    request = await registry.open_request(plan, requester_channel_id="C0SUPPORT", now=NOW)
    assert request.status == "pending"
    assert request.expires_at == NOW + timedelta(hours=24)
    assert (request.from_model_id, request.model_id) == (LIVE_MODEL, CANDIDATE)
    assert request.from_deployment_id == plan.live.id


async def test_publishing_a_request_supersedes_older_pending_ones(registry: Registry) -> None:
    plan = await registry.plan_switch("U0AGENT", CANDIDATE, None, None, now=NOW)
    first = await registry.open_request(plan, requester_channel_id="C1", now=NOW)
    await registry.publish_request(first.id, channel_id="C0APPROVALS", message_ts="1.1", now=NOW)
    second = await registry.open_request(plan, requester_channel_id="C1", now=NOW)
    published, superseded = await registry.publish_request(
        second.id, channel_id="C0APPROVALS", message_ts="1.2", now=NOW
    )
    assert published.message_ts == "1.2"
    assert [(r.id, r.status, r.message_ts) for r in superseded] == [(first.id, "superseded", "1.1")]
    assert superseded[0].decision_reason == f"superseded by request #{second.id}"
    assert [r.id for r in await registry.pending(now=NOW)] == [second.id]


async def test_discarded_request_leaves_nothing_pending(registry: Registry) -> None:
    plan = await registry.plan_switch("U0AGENT", CANDIDATE, None, None, now=NOW)
    request = await registry.open_request(plan, requester_channel_id="C1", now=NOW)
    await registry.discard_request(request.id)
    async with registry.db.session() as session:
        assert await session.get(SwitchRequest, request.id) is None
    assert await registry.pending(now=NOW) == []


async def test_overdue_requests_are_expired_in_one_sweep(registry: Registry) -> None:
    plan = await registry.plan_switch("U0AGENT", CANDIDATE, None, None, now=NOW)
    old = await registry.open_request(plan, requester_channel_id="C1", now=NOW - timedelta(hours=30))
    fresh = await registry.open_request(plan, requester_channel_id="C1", now=NOW)
    expired = await registry.expire_overdue(now=NOW)
    assert [(r.id, r.status) for r in expired] == [(old.id, "expired")]
    assert [r.id for r in await registry.pending(now=NOW)] == [fresh.id]
    assert await registry.expire_overdue(now=NOW) == []
