"""Domain: approving, rejecting and rolling back, with every refusal, on a real database (no Slack)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from bot.errors import Conflict, InvalidInput, ModelUnknown, NotAllowed, NotFound
from bot.registry import Registry, RequestClosed
from bot.standins.openai_api import OpenAIStandIn
from tests.support.app_under_test import LIVE_MODEL
from tests.support.model_requests import CANDIDATE
from tests.support.registry_setup import NOW, deployments, make_registry, published


async def test_approve_records_the_whole_trail_in_one_deployment(registry: Registry) -> None:
    request = await published(registry)
    approval = await registry.approve(request.id, "U0LEAD", now=NOW + timedelta(minutes=5))
    assert approval.request is not None and approval.request.status == "approved"
    assert approval.request.decided_by == "U0LEAD"
    initial, switched = await deployments(registry)
    assert (switched.endpoint, switched.model_id, switched.kind) == ("openai", CANDIDATE, "switch")
    assert (switched.previous_endpoint, switched.previous_model_id) == ("openai", LIVE_MODEL)
    assert (switched.requested_by, switched.approved_by) == ("U0AGENT", "U0LEAD")
    assert switched.reason == "fewer wrong billing labels"
    assert switched.request_id == request.id
    assert switched.created_at == NOW + timedelta(minutes=5)
    assert initial.model_id == LIVE_MODEL


async def test_override_reason_is_recorded(registry: Registry) -> None:
    request = await published(registry)
    await registry.approve(request.id, "U0LEAD", now=NOW, override_reason="eval set is outdated")
    assert (await deployments(registry))[-1].override_reason == "eval set is outdated"


async def test_second_click_is_told_who_approved_first(registry: Registry) -> None:
    request = await published(registry)
    await registry.approve(request.id, "U0LEAD", now=NOW)
    with pytest.raises(RequestClosed, match="already approved by @U0LEAD") as raised:
        await registry.approve(request.id, "U0LEAD2", now=NOW)
    assert raised.value.changed is False
    assert len(await deployments(registry)) == 2


async def test_self_approval_is_refused_even_for_an_approver(registry: Registry) -> None:
    request = await published(registry, by="U0LEAD")
    with pytest.raises(NotAllowed, match="four eyes"):
        await registry.approve(request.id, "U0LEAD", now=NOW)
    assert len(await deployments(registry)) == 1


async def test_non_approver_is_refused_and_nothing_changes(registry: Registry) -> None:
    request = await published(registry)
    with pytest.raises(NotAllowed, match="Only approvers"):
        await registry.approve(request.id, "U0RANDOM", now=NOW)
    assert [r.id for r in await registry.pending(now=NOW)] == [request.id]
    assert len(await deployments(registry)) == 1


async def test_expired_request_cannot_be_approved(registry: Registry) -> None:
    request = await published(registry)
    later = NOW + timedelta(hours=24)
    with pytest.raises(RequestClosed, match="expired at 2026-11-26 09:00 UTC") as raised:
        await registry.approve(request.id, "U0LEAD", now=later)
    assert raised.value.changed is True and raised.value.request.status == "expired"
    assert await registry.pending(now=NOW) == []
    assert len(await deployments(registry)) == 1


async def test_just_before_expiry_still_approves(registry: Registry) -> None:
    request = await published(registry)
    await registry.approve(request.id, "U0LEAD", now=NOW + timedelta(hours=23, minutes=59))
    assert len(await deployments(registry)) == 2


async def test_superseded_request_cannot_be_approved(
    registry: Registry, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.add_model("ft:other:acme::x")
    first = await published(registry)
    await published(registry, model_id="ft:other:acme::x", ts="1.2")
    with pytest.raises(RequestClosed, match=f"superseded by request #{first.id + 1}"):
        await registry.approve(first.id, "U0LEAD", now=NOW)
    assert len(await deployments(registry)) == 1


async def test_stale_request_cannot_be_approved(registry: Registry) -> None:
    plan = await registry.plan_switch("U0AGENT", CANDIDATE, None, None, now=NOW)
    older = await registry.open_request(plan, requester_channel_id="C1", now=NOW)
    newer = await registry.open_request(plan, requester_channel_id="C1", now=NOW)
    # Both were made against the same live model; approving one makes the other stale.
    await registry.approve(newer.id, "U0LEAD", now=NOW)
    with pytest.raises(RequestClosed, match=f"made while `{LIVE_MODEL}` was live") as raised:
        await registry.approve(older.id, "U0LEAD", now=NOW)
    assert raised.value.request.status == "stale"
    assert [d.request_id for d in await deployments(registry)] == [None, newer.id]


async def test_candidate_deleted_while_waiting_is_not_switched_to(
    registry: Registry, openai_standin: OpenAIStandIn
) -> None:
    request = await published(registry)
    openai_standin.remove_model(CANDIDATE)
    with pytest.raises(ModelUnknown, match="OpenAI has no model"):
        await registry.approve(request.id, "U0LEAD", now=NOW)
    assert len(await deployments(registry)) == 1


async def test_candidate_past_shutdown_at_approval_is_refused(
    registry: Registry, openai_standin: OpenAIStandIn
) -> None:
    request = await published(registry)
    openai_standin.add_model(CANDIDATE, shutdown_date=date(2026, 11, 20))
    with pytest.raises(InvalidInput, match="reached its shutdown date"):
        await registry.approve(request.id, "U0LEAD", now=NOW)
    assert len(await deployments(registry)) == 1


async def test_two_approvers_at_once_make_exactly_one_switch(
    any_db_url: str, openai_standin: OpenAIStandIn
) -> None:
    """Two processes (two engines) approve the same request concurrently: one wins, one is told."""
    openai_standin.add_model(CANDIDATE)
    first = await make_registry(any_db_url, openai_standin)
    second = await make_registry(any_db_url, openai_standin)
    try:
        request = await published(first)
        for _ in range(3):  # repeat to give the race several chances to go wrong
            outcomes = await asyncio.gather(
                first.approve(request.id, "U0LEAD", now=NOW),
                second.approve(request.id, "U0LEAD2", now=NOW),
                return_exceptions=True,
            )
            wins = [o for o in outcomes if not isinstance(o, BaseException)]
            losses = [o for o in outcomes if isinstance(o, BaseException)]
            assert len(wins) == 1 and len(losses) == 1, outcomes
            assert isinstance(losses[0], RequestClosed)
            winner = wins[0].request.decided_by
            assert f"already approved by @{winner}" in losses[0].user_message
            switches = [d for d in await deployments(first) if d.request_id == request.id]
            assert len(switches) == 1
            # Next round: a fresh request against the new live model, back to the original one.
            target = LIVE_MODEL if wins[0].deployment.model_id == CANDIDATE else CANDIDATE
            request = await published(first, model_id=target, ts=f"2.{request.id}")
    finally:
        for reg in (first, second):
            await reg.models.close()
            await reg.db.dispose()


async def test_reject_by_approver_records_reason(registry: Registry) -> None:
    request = await published(registry)
    rejected = await registry.reject(request.id, "U0LEAD", "  eval scores dropped ", now=NOW)
    assert (rejected.status, rejected.decided_by, rejected.decision_reason) == (
        "rejected",
        "U0LEAD",
        "eval scores dropped",
    )
    with pytest.raises(RequestClosed, match="already rejected by @U0LEAD"):
        await registry.approve(request.id, "U0LEAD2", now=NOW)


async def test_requester_may_withdraw_but_others_may_not_reject(registry: Registry) -> None:
    request = await published(registry)
    with pytest.raises(NotAllowed):
        await registry.check_can_reject(request.id, "U0RANDOM", now=NOW)
    withdrawn = await registry.reject(request.id, "U0AGENT", None, now=NOW)
    assert withdrawn.status == "rejected" and withdrawn.decision_reason is None


async def test_unknown_request_is_not_found(registry: Registry) -> None:
    with pytest.raises(NotFound, match="Request #999"):
        await registry.approve(999, "U0LEAD", now=NOW)


async def test_nothing_to_roll_back_to_at_first(registry: Registry) -> None:
    with pytest.raises(NotFound, match="Nothing to roll back to"):
        await registry.plan_rollback("U0LEAD", None, now=NOW)


async def test_approver_rolls_back_at_once(registry: Registry) -> None:
    await registry.approve((await published(registry)).id, "U0LEAD", now=NOW)
    plan = await registry.plan_rollback("U0LEAD2", "wrong labels since switch", now=NOW)
    assert (plan.kind, plan.model_id) == ("rollback", LIVE_MODEL)
    assert await registry.may_roll_back_at_once("U0LEAD2", now=NOW)
    approval = await registry.rollback_now(plan, now=NOW)
    back = approval.deployment
    assert (back.kind, back.model_id, back.previous_model_id) == ("rollback", LIVE_MODEL, CANDIDATE)
    assert (back.requested_by, back.approved_by, back.reason) == (
        "U0LEAD2",
        None,  # break-glass: nobody approved it
        "wrong labels since switch",
    )


async def test_non_approver_rollback_needs_a_request(registry: Registry) -> None:
    await registry.approve((await published(registry)).id, "U0LEAD", now=NOW)
    plan = await registry.plan_rollback("U0AGENT", None, now=NOW)
    assert not await registry.may_roll_back_at_once("U0AGENT", now=NOW)
    with pytest.raises(NotAllowed):
        await registry.rollback_now(plan, now=NOW)
    request = await registry.open_request(plan, requester_channel_id="C1", now=NOW)
    await registry.publish_request(request.id, channel_id="C0APPROVALS", message_ts="3.1", now=NOW)
    approval = await registry.approve(request.id, "U0LEAD", now=NOW)
    assert (approval.deployment.kind, approval.deployment.model_id) == ("rollback", LIVE_MODEL)


async def test_rollback_after_the_live_model_changed_is_refused(registry: Registry) -> None:
    await registry.approve((await published(registry)).id, "U0LEAD", now=NOW)
    plan = await registry.plan_rollback("U0LEAD", None, now=NOW)
    await registry.rollback_now(plan, now=NOW)
    with pytest.raises(Conflict, match="live model changed"):
        await registry.rollback_now(plan, now=NOW)
