"""/model status asks endpoints for shutdown dates at most every few minutes per model; the daily
watch always asks (bot.shutdowns.refresh's `fresh_for`)."""

from __future__ import annotations

from datetime import date, timedelta

from bot import shutdowns
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from tests.support.app_under_test import LIVE_MODEL
from tests.support.deployments import NOW
from tests.support.quality_services import services  # noqa: F401

FIRST, MOVED = date(2027, 1, 14), date(2027, 2, 1)
BASE = "gpt-4o-mini-2024-07-18"  # the base of LIVE_MODEL


async def test_a_fresh_reading_is_not_asked_again(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    openai_standin.add_model(LIVE_MODEL, shutdown_date=FIRST)
    (live,) = await shutdowns.refresh(services.db, services.models, NOW)
    assert live.shutdown_date == FIRST

    openai_standin.remove_model(LIVE_MODEL)
    openai_standin.add_model(LIVE_MODEL, shutdown_date=MOVED)  # the provider moves the date
    fresh = timedelta(minutes=5)
    (soon,) = await shutdowns.refresh(services.db, services.models, NOW + timedelta(minutes=1), fresh_for=fresh)
    assert (soon.shutdown_date, soon.read_at) == (FIRST, NOW)  # the minute-old reading stands

    later = NOW + timedelta(minutes=6)
    (stale,) = await shutdowns.refresh(services.db, services.models, later, fresh_for=fresh)
    assert (stale.shutdown_date, stale.read_at) == (MOVED, later)  # older than 5 minutes: asked again

    (daily,) = await shutdowns.refresh(services.db, services.models, later + timedelta(seconds=1))
    assert daily.read_at == later + timedelta(seconds=1)  # without fresh_for, always asked



async def test_an_endpoint_that_did_not_answer_is_not_asked_on_every_status(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    # The live fine-tune's base is unknown to the endpoint at first (404): its date counts once known.
    fresh = timedelta(minutes=5)
    (live,) = await shutdowns.refresh(services.db, services.models, NOW, fresh_for=fresh)
    assert live.shutdown_date is None

    openai_standin.add_model(BASE, shutdown_date=FIRST)  # the endpoint knows the base now
    (soon,) = await shutdowns.refresh(services.db, services.models, NOW + timedelta(minutes=1), fresh_for=fresh)
    assert soon.shutdown_date is None  # tried a minute ago: not asked again yet

    later = NOW + timedelta(minutes=6)
    (asked,) = await shutdowns.refresh(services.db, services.models, later, fresh_for=fresh)
    assert asked.shutdown_date == FIRST  # the base's date, read once the window passed
