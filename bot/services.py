"""The domain services one bot process uses, built once from settings and shared by every listener."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot import startup
from bot.limits import TriageLimits
from bot.model_client import ModelClient
from bot.monitors.specs import MonitorSpec
from bot.quality.costs import Price
from bot.registry import Approvers, Registry
from bot.settings import Settings
from bot.triage import TriageService
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    models: ModelClient
    triage: TriageService
    registry: Registry
    monitor_specs: list[MonitorSpec] = field(default_factory=list)
    prices: list[Price] = field(default_factory=list)

    async def close(self) -> None:
        await self.models.close()
        await self.db.dispose()


def build_services(settings: Settings) -> Services:
    db = Database(settings.database_url)
    models = ModelClient(
        settings.endpoints,
        timeout=settings.triage_model_timeout,
        max_retries=settings.triage_model_max_retries,
        strict_validation=settings.openai_strict_validation,
    )
    triage = TriageService(
        db, models, categories=settings.triage_categories, max_input_chars=settings.triage_max_input_chars
    )
    triage.limits = TriageLimits(db, per_minute=settings.triage_rate_limit_per_user)
    from bot.routing.canary import CanaryRouter  # bot.routing imports this module

    triage.router = CanaryRouter(db)
    triage.candidate_budget = settings.triage_model_timeout
    registry = Registry(
        db,
        models,
        Approvers(settings.triage_approvers, settings.triage_approver_group),
        approval_ttl=timedelta(hours=settings.triage_approval_ttl_hours),
    )
    return Services(
        settings=settings,
        db=db,
        models=models,
        triage=triage,
        registry=registry,
        monitor_specs=startup.monitor_specs(settings),
        prices=startup.prices(settings),
    )
