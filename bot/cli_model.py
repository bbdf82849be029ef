"""`triagebot model status|history|rollback|switch|retire-on`: the registry when Slack is down.

Rollback and switch here are break-glass: they take effect at once, with no approval (whoever runs
the CLI holds the database credentials already), and are recorded with the CLI as the channel, the
OS user and the name given with --as. Slack hears of it through the outbox, written in the change's
own transaction: the outbox worker of a running `triagebot serve` sends it once Slack answers again,
so this command never waits for Slack and never announces twice.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from bot.cli_quality import cli_user, reported, run_with_services
from bot.services import Services
from bot.settings import Settings
from storage.statuses import DeploymentKind

MAX_AS_CHARS = 40


def add_commands(sub: Any) -> None:
    model = sub.add_parser("model", help="the live model: status, history, break-glass rollback and switch")
    actions = model.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="the live model, pending requests and shutdown dates")
    status.add_argument(
        "--no-refresh", action="store_true", help="do not ask the endpoints for shutdown dates"
    )
    status.set_defaults(handler=status_command)
    history = actions.add_parser("history", help="the last deployments, newest first")
    history.add_argument("-n", type=int, default=10, help="how many (1 to 50, default 10)")
    history.set_defaults(handler=history_command)
    rollback = actions.add_parser("rollback", help="break-glass: back to the previous model now")
    _who_and_why(rollback)
    rollback.set_defaults(handler=rollback_command)
    switch = actions.add_parser("switch", help="break-glass: switch the live model now, without approval")
    switch.add_argument("model_id", metavar="MODEL", help="the model ID to switch to")
    switch.add_argument("--endpoint", default=None, help="its endpoint (default: the default endpoint)")
    _who_and_why(switch)
    switch.set_defaults(handler=switch_command)
    retire = actions.add_parser("retire-on", help="set (or clear with `none`) a model's shutdown date")
    retire.add_argument("model_id", metavar="MODEL")
    retire.add_argument("date", metavar="YYYY-MM-DD|none")
    retire.add_argument("--endpoint", default=None, help="its endpoint (default: the default endpoint)")
    retire.add_argument("--as", dest="as_name", required=True, help="your name, for the record")
    retire.set_defaults(handler=retire_on_command)


def _who_and_why(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", required=True, help="why, for the record and the announcement")
    parser.add_argument("--as", dest="as_name", required=True, help="your name, as colleagues know you")


def operator(as_name: str) -> str:
    """`cli:<os user> as <name>`: who acted, and that it was through the CLI (fits Deployment's 64)."""
    name = " ".join(as_name.split())[:MAX_AS_CHARS]
    if not name:
        raise SystemExit("--as needs your name.")
    return f"{cli_user()[: 64 - len(name) - 4]} as {name}"


async def _deployed(services: Services) -> None:
    """A fresh database (the bot never served yet) gets TRIAGE_DEFAULT_MODEL as its first deployment,
    as `triagebot serve` would record it."""
    from bot.deployments import ensure_initial_deployment

    await ensure_initial_deployment(services.db, services.settings.triage_default_model)


def _now() -> datetime:
    return datetime.now(UTC)


@reported
def status_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot import shutdowns

    async def work(services: Services) -> list[str]:
        now = _now()
        await _deployed(services)
        status = await services.registry.status(now=now)
        if args.no_refresh:
            found = await shutdowns.countdowns(services.db, now)
        else:
            found = await shutdowns.refresh(services.db, services.models, now)
        live = status.live
        lines = [
            f"Live model: {live.model_id} on {live.endpoint}",
            f"  since {live.created_at:%Y-%m-%d %H:%M} UTC ({live.kind}), requested by {live.requested_by}"
            + (f", approved by {live.approved_by}" if live.approved_by else ""),
            f"  reason: {live.reason or '(none given)'}",
            f"  previous: {live.previous_model_id} on {live.previous_endpoint}"
            if live.previous_model_id
            else "  previous: none (the first model this bot ran)",
            f"  answer format: {status.response_mode}",
        ]
        lines.append("Pending requests:" if status.pending else "Pending requests: none.")
        for request in status.pending:
            lines.append(
                f"  #{request.id} {request.kind} to {request.model_id} on {request.endpoint}, requested by "
                f"{request.requested_by}, expires {request.expires_at:%Y-%m-%d %H:%M} UTC"
            )
        lines.append("Shutdown dates:" if found else "Shutdown dates: none known.")
        lines += [f"  {_mark(c, now)}{shutdowns.describe(c, now)}" for c in found]
        return lines

    print("\n".join(run_with_services(settings, work)))
    return 0


def _mark(countdown: Any, now: datetime) -> str:
    threshold = countdown.warning(now)
    if threshold is None:
        return ""
    return "SHUT DOWN: " if threshold == 0 else f"WARNING (<= {threshold} days): "


@reported
def history_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.registry.status import MAX_HISTORY

    if not 1 <= args.n <= MAX_HISTORY:
        print(f"-n must be from 1 to {MAX_HISTORY}.", file=sys.stderr)
        return 1
    limit = args.n

    async def work(services: Services) -> list[str]:
        await _deployed(services)
        lines = []
        for d in await services.registry.history(limit):
            change = f"{d.model_id} on {d.endpoint}"
            if d.previous_model_id:
                change = f"{d.previous_model_id} -> {change}"
            who = f"requested by {d.requested_by}" + (
                f", approved by {d.approved_by}" if d.approved_by else ""
            )
            lines.append(
                f"#{d.id} {d.created_at:%Y-%m-%d %H:%M} UTC {d.kind}: {change}; {who}; reason: {d.reason or '-'}"
            )
        return lines

    print("\n".join(run_with_services(settings, work)) or "No deployments yet.")
    return 0


@reported
def rollback_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.registry import requests

    who = operator(args.as_name)

    async def work(services: Services) -> Any:
        await _deployed(services)
        plan = await requests.plan_rollback(
            services.db, services.models, requested_by=who, reason=args.reason, now=_now()
        )
        return await _act_now(services, plan)

    return _report(run_with_services(settings, work), settings)


@reported
def switch_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.registry import requests

    who = operator(args.as_name)

    async def work(services: Services) -> Any:
        await _deployed(services)
        plan = await requests.plan_switch(
            services.db,
            services.models,
            requested_by=who,
            model_id=args.model_id,
            endpoint=args.endpoint or services.registry.default_endpoint,
            reason=args.reason,
            now=_now(),
        )
        return await _act_now(services, plan)

    return _report(run_with_services(settings, work), settings)


async def _act_now(services: Services, plan: Any) -> Any:
    from bot.registry import approvals

    channel = services.settings.triage_approval_channel
    effects = break_glass_announcement(channel) if channel else None
    if effects is None:
        return await approvals.rollback_now(services.db, plan, now=_now())
    return await approvals.rollback_now(services.db, plan, now=_now(), effects=effects)


def _report(approval: Any, settings: Settings) -> int:
    d = approval.deployment
    verb = "Rolled back" if d.kind == DeploymentKind.ROLLBACK else "Switched"
    print(
        f"{verb}: {d.model_id} on {d.endpoint} is live now (deployment #{d.id}, recorded as {d.requested_by})."
    )
    if settings.triage_approval_channel:
        print(
            f"The announcement for {settings.triage_approval_channel} is queued: a running `triagebot serve` "
            "posts it as soon as Slack answers."
        )
    else:
        print("TRIAGE_APPROVAL_CHANNEL is not set, so nothing will be announced in Slack: tell your team.")
    return 0


@reported
def retire_on_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot import shutdowns

    who = operator(args.as_name)
    when = shutdowns.parse_date_or_none(args.date)

    async def work(services: Services) -> None:
        endpoint = args.endpoint or services.registry.default_endpoint
        await shutdowns.set_operator_date(
            services.db, services.models, None, who, endpoint, args.model_id, when, now=_now()
        )

    run_with_services(settings, work)
    print(
        f"Cleared the shutdown date set for {args.model_id}."
        if when is None
        else f"{args.model_id} shuts down on {when}."
    )
    return 0


def break_glass_announcement(channel: str) -> Any:
    """The Slack message of a CLI break-glass change, as an outbox effect (rendered here, at decision
    time, like every decision's effects; the CLI is its only caller)."""
    from bot.outbox.effects import SlackEffect
    from commands import render, text

    def render_change(approval: Any) -> list[SlackEffect]:
        d = approval.deployment
        what = "rolled back" if d.kind == DeploymentKind.ROLLBACK else "switched"
        lines = [
            f":rotating_light: *Break-glass: {render.person(d.requested_by)} {what} the live model from the "
            "command line* (Slack was unreachable or the CLI was used; no approval)",
            f"{render.model(d.previous_model_id or '?', d.previous_endpoint or '?')} → {render.model(d.model_id, d.endpoint)}",
            f"Reason: {render.reason(d.reason)}",
            f"At {render.moment(d.created_at)}. The next `/triage` uses it. Undo with `/model rollback`.",
        ]
        payload = {
            "channel": channel,
            "text": text.truncate("\n".join(lines), text.SECTION_TEXT_MAX),
            "unfurl_links": False,
        }
        return [SlackEffect("announce", "chat.postMessage", payload)]

    return render_change
