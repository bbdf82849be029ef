"""The digest counts down to every model that matters' shutdown date, and warns about the ones other
than the live model once they are within 30 days (issue 12)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.digest.build import build_digest
from bot.digest.text import digest_text
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from commands.block_kit import as_dicts
from commands.digest.blocks import digest_blocks
from tests.support.app_under_test import LIVE_MODEL
from tests.support.deployments import OTHER, switch_to
from tests.support.quality_services import services  # noqa: F401

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def test_the_digest_counts_down_and_warns_about_the_rollback_target(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    openai_standin.add_model(LIVE_MODEL, shutdown_date=date(2026, 12, 15))  # the rollback target: 20 days
    openai_standin.add_model(OTHER, shutdown_date=date(2027, 1, 14))  # live: 50 days
    await switch_to(services, OTHER)
    digest = await build_digest(services.db, services.models, start=NOW - timedelta(days=1), end=NOW, now=NOW)
    assert digest.countdown_lines == [
        f"{LIVE_MODEL} on openai (previous): shuts down on 2026-12-15, 20 days left (published by the endpoint)",
        f"{OTHER} on openai (live): shuts down on 2027-01-14, 50 days left (published by the endpoint)",
    ]
    assert digest.warnings == [digest.countdown_lines[0]]  # the live model's 50 days are no warning yet
    said = digest_text(digest)
    assert f"!!! WARNING: {LIVE_MODEL} on openai (previous)" in said
    assert f"Shutdown: {OTHER} on openai (live): shuts down on 2027-01-14, 50 days left" in said
    blocks = str(as_dicts(digest_blocks(digest)))
    assert "Shutdown: " in blocks and "20 days left" in blocks


async def test_an_operator_date_for_the_live_model_is_warned_about(
    services: Services,  # noqa: F811
    openai_standin: OpenAIStandIn,
) -> None:
    from bot import shutdowns
    from bot.registry.approvers import Approvers

    openai_standin.add_model(LIVE_MODEL)  # its host publishes no date
    await shutdowns.set_operator_date(
        services.db,
        services.models,
        Approvers(["U0LEAD"], None),
        "U0LEAD",
        "openai",
        LIVE_MODEL,
        date(2026, 12, 2),
        now=NOW,
    )
    digest = await build_digest(services.db, services.models, start=NOW - timedelta(days=1), end=NOW, now=NOW)
    assert digest.warnings == [
        f"{LIVE_MODEL} on openai (live, date set by an operator): shuts down on 2026-12-02, 7 days left (set by U0LEAD)"
    ]
