"""Deployments written straight into the database: the model history a domain test starts from."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services import Services
from storage.models import Deployment
from tests.support.app_under_test import LIVE_MODEL

# The shutdown-dates tests' clock: switches made by `switch_to` happen at this time.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OTHER = "ft:gpt-4.1-mini-2025-04-14:acme:triage:next0003"


async def switch_to(services: Services, model_id: str) -> None:
    """Make `model_id` live (LIVE_MODEL becomes the previous model), as an approved switch does."""
    async with services.db.transaction() as session:
        session.add(
            Deployment(
                created_at=NOW,
                endpoint="openai",
                model_id=model_id,
                previous_endpoint="openai",
                previous_model_id=LIVE_MODEL,
                kind="switch",
                requested_by="U0AGENT",
                approved_by="U0LEAD",
            )
        )
