"""`triagebot check`: the configuration held against the real services, one line each, with the fix.

Slack is reached through a small probe (commands/slack_probe.py supplies the slack_sdk one), so
this module stays free of Slack's SDK. Messages name settings, never their values.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy.engine import make_url

from bot.errors import ModelAuthFailed, ModelError, ModelUnknown, ModelUnreachable
from bot.model_client import MODEL_LIST, ModelClient
from bot.settings import DEFAULT_ENDPOINT, WHERE_TO_GET, Settings
from storage import crud
from storage.db import Database, is_sqlite
from storage.migrate import pending_revisions

Status = Literal["ok", "failed", "warning"]
SHUTDOWN_WARNING_DAYS = 30
AUTH_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


@dataclass(frozen=True)
class CheckLine:
    name: str
    status: Status
    detail: str
    fix: str | None = None


@dataclass(frozen=True)
class SlackAuth:
    team: str
    bot_user: str
    scopes: list[str] | None  # None when Slack did not report them


@dataclass(frozen=True)
class ChannelInfo:
    name: str
    is_member: bool
    is_archived: bool


class SlackProbeFailed(Exception):
    """A Slack call failed; `error` is Slack's error code (invalid_auth…) or a short reason."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class SlackProbe(Protocol):
    async def auth_test(self) -> SlackAuth: ...

    async def channel(self, channel_id: str) -> ChannelInfo: ...


def manifest_scopes(search: list[Path] | None = None) -> list[str] | None:
    """Bot scopes app.yaml asks for: next to the source tree, or in the working directory (Docker)."""
    places = search or [Path(__file__).resolve().parent.parent / "app.yaml", Path.cwd() / "app.yaml"]
    for place in places:
        if place.is_file():
            manifest = yaml.safe_load(place.read_text(encoding="utf-8")) or {}
            return list(((manifest.get("oauth_config") or {}).get("scopes") or {}).get("bot") or [])
    return None


def _missing(name: str) -> str:
    return f"set {name} in .env or the environment ({WHERE_TO_GET.get(name, 'see README.md')})"


async def check_slack(settings: Settings, probe: SlackProbe | None) -> list[CheckLine]:
    if settings.slack_bot_token is None or probe is None:
        return [CheckLine("Slack token", "failed", "SLACK_BOT_TOKEN is not set", _missing("SLACK_BOT_TOKEN"))]
    try:
        auth = await probe.auth_test()
    except SlackProbeFailed as exc:
        if exc.error in AUTH_ERRORS:
            fix = "copy a fresh token: " + WHERE_TO_GET["SLACK_BOT_TOKEN"]
            return [CheckLine("Slack token", "failed", f"Slack rejected SLACK_BOT_TOKEN ({exc.error})", fix)]
        fix = f"check SLACK_API_URL ({settings.slack_api_url}) and the network"
        return [CheckLine("Slack token", "failed", f"auth.test failed: {exc.error}", fix)]
    lines = [CheckLine("Slack token", "ok", f'workspace "{auth.team}", bot user @{auth.bot_user}')]
    if not settings.slack_bot_token.get_secret_value().startswith("xoxb-"):
        lines.append(
            CheckLine(
                "Slack token type",
                "warning",
                "SLACK_BOT_TOKEN is not a bot token (xoxb-…)",
                WHERE_TO_GET["SLACK_BOT_TOKEN"],
            )
        )
    lines.append(scope_line(auth.scopes, manifest_scopes()))
    return lines


def scope_line(granted: list[str] | None, wanted: list[str] | None) -> CheckLine:
    if wanted is None:
        return CheckLine("Slack scopes", "warning", "app.yaml not found, so the scopes were not compared")
    if granted is None:
        return CheckLine("Slack scopes", "warning", "Slack did not report the token's scopes")
    missing = sorted(set(wanted) - set(granted))
    if missing:
        return CheckLine(
            "Slack scopes",
            "failed",
            f"the token lacks {', '.join(missing)} (app.yaml asks for them)",
            "add them under OAuth & Permissions > Bot Token Scopes (or update the app from app.yaml), "
            "reinstall the app to the workspace, and put the new token in SLACK_BOT_TOKEN",
        )
    return CheckLine("Slack scopes", "ok", f"all {len(wanted)} scopes app.yaml asks for are granted")


def check_request_secret(settings: Settings) -> CheckLine:
    if settings.slack_signing_secret is not None:
        return CheckLine("Slack signing secret", "ok", "SLACK_SIGNING_SECRET is set (HTTP mode)")
    if settings.slack_app_token is not None:
        if not settings.slack_app_token.get_secret_value().startswith("xapp-"):
            fix = WHERE_TO_GET["SLACK_APP_TOKEN"]
            return CheckLine("Slack app token", "failed", "SLACK_APP_TOKEN is not an app token (xapp-…)", fix)
        return CheckLine("Slack app token", "ok", "SLACK_APP_TOKEN is set (Socket Mode only, no HTTP)")
    return CheckLine(
        "Slack signing secret", "failed", "SLACK_SIGNING_SECRET is not set", _missing("SLACK_SIGNING_SECRET")
    )


def _database_problem(url: str) -> str | None:
    if is_sqlite(url):
        path = make_url(url).database
        if path and path != ":memory:" and not Path(path).exists():
            return f"the SQLite file {path} does not exist yet"
    return None


async def check_database(settings: Settings, db: Database) -> list[CheckLine]:
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    migrate_fix = "run `triagebot migrate` (`triagebot serve` also migrates when it starts)"
    if problem := _database_problem(settings.database_url):
        return [CheckLine("Database", "failed", problem, migrate_fix)]
    if not await db.ping():
        fix = "check DATABASE_URL (host, port, user, password, database name) and that the server is up"
        return [CheckLine("Database", "failed", f"cannot connect to {where}", fix)]
    lines = [CheckLine("Database", "ok", f"connected to {where}")]
    try:
        pending = await asyncio.to_thread(pending_revisions, settings.database_url)
    except Exception as exc:
        detail = f"could not read the migration state ({type(exc).__name__})"
        return [*lines, CheckLine("Migrations", "failed", detail, migrate_fix)]
    if pending:
        detail = f"{len(pending)} migration(s) not applied: {', '.join(pending)}"
        return [*lines, CheckLine("Migrations", "failed", detail, migrate_fix)]
    return [*lines, CheckLine("Migrations", "ok", "the schema is up to date")]


async def live_target(settings: Settings, db: Database, database_ok: bool) -> tuple[str, str, str] | None:
    """(endpoint, model ID, where it came from): the live deployment, or TRIAGE_DEFAULT_MODEL before one."""
    if database_ok:
        async with db.session() as session:
            deployment = await crud.get_live_deployment(session)
        if deployment is not None:
            return deployment.endpoint, deployment.model_id, "live deployment"
    if settings.triage_default_model:
        return DEFAULT_ENDPOINT, settings.triage_default_model, "TRIAGE_DEFAULT_MODEL"
    return None


async def check_live_model(
    settings: Settings, models: ModelClient, target: tuple[str, str, str] | None, now: datetime
) -> CheckLine:
    if target is None:
        if settings.openai_api_key is None:
            detail = "no model is deployed, and OPENAI_API_KEY is not set"
            fix = _missing("TRIAGE_DEFAULT_MODEL") + "; " + _missing("OPENAI_API_KEY")
            return CheckLine("Live model", "failed", detail, fix)
        return CheckLine("Live model", "failed", "no model is deployed", _missing("TRIAGE_DEFAULT_MODEL"))
    endpoint, model_id, source = target
    ep = settings.endpoints.get(endpoint)
    key_name = "OPENAI_API_KEY" if endpoint == DEFAULT_ENDPOINT else f"TRIAGE_ENDPOINTS.{endpoint}.api_key"
    if ep is None:
        fix = f"add `{endpoint}` to TRIAGE_ENDPOINTS, or switch to a model on a configured endpoint"
        return CheckLine(
            "Live model", "failed", f"{source} {model_id} is on unknown endpoint {endpoint}", fix
        )
    if ep.api_key is None:
        return CheckLine("Live model", "failed", f"{key_name} is not set", _missing(key_name))
    try:
        info = await models.retrieve_model(endpoint, model_id)
    except ModelError as exc:
        return CheckLine("Live model", "failed", exc.user_message, _model_fix(exc, key_name))
    detail = f"{model_id} on {endpoint} answers ({source})"
    if info.shutdown_date is None:
        return CheckLine("Live model", "ok", detail)
    days = (info.shutdown_date - now.date()).days
    detail += f"; shutdown date {info.shutdown_date.isoformat()}"
    fix = "plan a replacement and `/model switch` to it before that date"
    if days < 0:
        return CheckLine("Live model", "failed", detail + " has passed", fix)
    if days < SHUTDOWN_WARNING_DAYS:
        return CheckLine("Live model", "warning", detail + f", {days} days left", fix)
    return CheckLine("Live model", "ok", detail + f", {days} days left")


def _model_fix(exc: ModelError, key_name: str) -> str:
    if isinstance(exc, ModelAuthFailed):
        return f"check {key_name} ({WHERE_TO_GET['OPENAI_API_KEY']})"
    if isinstance(exc, ModelUnknown):
        return (
            "set TRIAGE_DEFAULT_MODEL (before the first start) or `/model switch` to a model this key can use"
        )
    if isinstance(exc, ModelUnreachable):
        return "check OPENAI_BASE_URL / the endpoint's base_url, and that the server is up"
    return "try again; if it persists, check the endpoint's status page"


async def check_extra_endpoints(settings: Settings, models: ModelClient) -> list[CheckLine]:
    lines = []
    for name in settings.triage_endpoints:
        label = f"Endpoint {name}"
        try:
            listing = await models.list_fine_tuned_models(name)
        except ModelError as exc:
            key = f"TRIAGE_ENDPOINTS.{name}.api_key"
            lines.append(CheckLine(label, "failed", exc.user_message, _model_fix(exc, key)))
        else:
            detail = "reachable, key accepted"
            if listing.source == MODEL_LIST:
                detail += "; no fine-tuning API, so `/model list` reads its model list"
            lines.append(CheckLine(label, "ok", detail))
    return lines


async def check_channel(
    label: str, setting: str, channel_id: str | None, probe: SlackProbe | None, unset: CheckLine
) -> CheckLine:
    if not channel_id:
        return unset
    if probe is None:
        return CheckLine(label, "warning", f"{setting} not checked: no working Slack token")
    try:
        info = await probe.channel(channel_id)
    except SlackProbeFailed as exc:
        if exc.error == "missing_scope":
            fix = "add the channels:read and groups:read scopes (app.yaml) and reinstall the app"
        else:
            fix = f"set {setting} to the channel's ID (C…, from the channel's details); invite the bot if private"
        return CheckLine(label, "failed", f"{setting}={channel_id}: {exc.error}", fix)
    if info.is_archived:
        return CheckLine(label, "failed", f"#{info.name} is archived", f"pick another channel for {setting}")
    if not info.is_member:
        fix = f"type `/invite @triagebot` in #{info.name}"
        return CheckLine(label, "failed", f"the bot is not a member of #{info.name}", fix)
    return CheckLine(label, "ok", f"#{info.name} ({channel_id}) is reachable")


def check_approvers(settings: Settings) -> CheckLine:
    if settings.triage_approvers or settings.triage_approver_group:
        who = []
        if settings.triage_approvers:
            who.append(f"{len(settings.triage_approvers)} user(s) in TRIAGE_APPROVERS")
        if settings.triage_approver_group:
            who.append(f"user group {settings.triage_approver_group}")
        return CheckLine("Approvers", "ok", " and ".join(who))
    fix = "set TRIAGE_APPROVERS (Slack user IDs, comma-separated) or TRIAGE_APPROVER_GROUP"
    return CheckLine("Approvers", "warning", "nobody can approve a model switch", fix)


def check_schedule(name: str, expression: str, timezone: str, now: datetime) -> CheckLine:
    from apscheduler.triggers.cron import CronTrigger

    try:
        trigger = CronTrigger.from_crontab(expression, timezone=ZoneInfo(timezone))
    except ValueError as exc:
        fix = f"{name} takes five fields: minute hour day-of-month month day-of-week, e.g. '0 9 * * 1-5'"
        return CheckLine(f"Schedule {name}", "failed", f"{expression!r} is not a cron expression: {exc}", fix)
    next_run = trigger.get_next_fire_time(None, now.astimezone(ZoneInfo(timezone)))
    when = next_run.strftime("%a %Y-%m-%d %H:%M %Z") if next_run else "never"
    return CheckLine(f"Schedule {name}", "ok", f"{expression!r}, next run {when}")


async def run_checks(
    settings: Settings, probe: SlackProbe | None, models: ModelClient, db: Database, now: datetime
) -> list[CheckLine]:
    lines = await check_slack(settings, probe)
    slack_ok = lines[0].status == "ok"
    lines.append(check_request_secret(settings))
    db_lines = await check_database(settings, db)
    lines += db_lines
    target = await live_target(settings, db, all(line.status == "ok" for line in db_lines))
    lines.append(await check_live_model(settings, models, target, now))
    lines += await check_extra_endpoints(settings, models)
    working = probe if slack_ok else None
    approvals_unset = CheckLine(
        "Approval channel", "ok", "not set: requests go to the channel where /model switch was typed"
    )
    lines.append(
        await check_channel(
            "Approval channel",
            "TRIAGE_APPROVAL_CHANNEL",
            settings.triage_approval_channel,
            working,
            approvals_unset,
        )
    )
    lines.append(check_approvers(settings))
    digest_unset = CheckLine(
        "Digest channel",
        "warning",
        "TRIAGE_DIGEST_CHANNEL is not set: scheduled digests are not posted",
        "set TRIAGE_DIGEST_CHANNEL to a channel ID and invite the bot there",
    )
    lines.append(
        await check_channel(
            "Digest channel", "TRIAGE_DIGEST_CHANNEL", settings.triage_digest_channel, working, digest_unset
        )
    )
    for name, expression in (
        ("TRIAGE_EVAL_CRON", settings.triage_eval_cron),
        ("TRIAGE_DIGEST_CRON", settings.triage_digest_cron),
    ):
        lines.append(check_schedule(name, expression, settings.triage_timezone, now))
    return lines
