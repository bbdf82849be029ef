"""The domain services one bot process uses, built once from settings and shared by every listener."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot import startup
from bot.digest.publish import DigestPublisher
from bot.limits import TriageLimits
from bot.model_client import ModelClient
from bot.monitors.specs import MonitorSpec
from bot.quality.costs import Price
from bot.quality.eval_runs import EvalRunner
from bot.quality.gate import gate_check
from bot.quality.reviews import ReviewService
from bot.registry import Approvers, Registry
from bot.routing import ShadowMirror, ShadowReviews, ShadowRoutes
from bot.routing.canary import CanaryRouter, CanaryRoutes
from bot.schedule.deps import JobDeps, JobRenderers
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
    eval_runner: EvalRunner
    reviews: ReviewService
    shadow_mirror: ShadowMirror
    shadow_routes: ShadowRoutes
    shadow_reviews: ShadowReviews
    canary_routes: CanaryRoutes
    monitor_specs: list[MonitorSpec] = field(default_factory=list)
    prices: list[Price] = field(default_factory=list)

    def job_deps(self, publisher: DigestPublisher, renderers: JobRenderers) -> JobDeps:
        """What the scheduled jobs use: these services, plus the Slack side the caller supplies."""
        return JobDeps(
            settings=self.settings,
            db=self.db,
            models=self.models,
            eval_runner=self.eval_runner,
            monitor_specs=self.monitor_specs,
            prices=self.prices,
            outbox=self.registry.outbox,
            publisher=publisher,
            renderers=renderers,
        )

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
    categories = settings.triage_categories
    triage.router = CanaryRouter(db)
    triage.candidate_budget = settings.triage_model_timeout
    registry = Registry(
        db,
        models,
        Approvers(settings.triage_approvers, settings.triage_approver_group),
        approval_ttl=timedelta(hours=settings.triage_approval_ttl_hours),
        gate=gate_check(
            db,
            settings.triage_quality_bar,
            categories=list(categories),
            max_class_drop=settings.max_class_drop,
        ),
    )
    return Services(
        settings=settings,
        db=db,
        models=models,
        triage=triage,
        registry=registry,
        eval_runner=EvalRunner(
            db, models, categories=categories, concurrency=settings.triage_eval_concurrency
        ),
        reviews=ReviewService(db, categories=categories),
        shadow_mirror=ShadowMirror(
            db,
            models,
            categories=categories,
            daily_cap=settings.triage_shadow_daily_calls,
            live_load=triage.load,
        ),
        # Same Approvers object as the registry's: the app factory's group lookup reaches both.
        shadow_routes=ShadowRoutes(db, models, registry.approvers),
        shadow_reviews=ShadowReviews(db),
        canary_routes=CanaryRoutes(db, registry.approvers),
        monitor_specs=startup.monitor_specs(settings),
        prices=startup.prices(settings),
    )
