"""`triagebot snapshot record|compare|list`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli_quality import cli_user, reported, run_with_services, terminal_progress
from bot.services import Services
from bot.settings import Settings


def add_commands(sub: Any) -> None:
    snapshot = sub.add_parser("snapshot", help="freeze a model's behaviour; compare models with it later")
    actions = snapshot.add_subparsers(dest="snapshot_command", required=True, metavar="ACTION")
    rec = actions.add_parser(
        "record", help="run the eval set and recent live inputs through a model, and keep the answers"
    )
    rec.add_argument("--model", default=None, help="model ID (default: the live model)")
    rec.add_argument("--endpoint", default=None, help="endpoint name (default: the live deployment's)")
    rec.add_argument(
        "--recent", type=int, default=500, help="how many recent distinct live inputs (default 500)"
    )
    rec.add_argument("--name", default=None, help="a name for it (default: model, endpoint and time)")
    rec.set_defaults(handler=record_command)
    cmp_ = actions.add_parser("compare", help="how a model answers a snapshot's inputs, against the snapshot")
    cmp_.add_argument("--model", required=True, help="the model to compare")
    cmp_.add_argument("--endpoint", default=None, help="its endpoint (default: the live deployment's)")
    cmp_.add_argument(
        "--snapshot", default=None, help="the snapshot's name or #id (default: the newest finished)"
    )
    cmp_.set_defaults(handler=compare_command)
    lst = actions.add_parser("list", help="the snapshots kept")
    lst.set_defaults(handler=list_command)


@reported
def record_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.quality.eval_runs import target_deployment
    from bot.snapshots.record import record
    from bot.snapshots.text import recording_lines

    if args.recent < 0:
        print("--recent must be 0 or more.", file=sys.stderr)
        return 1

    async def work(services: Services) -> Any:
        endpoint, model_id = await target_deployment(services.db, args.model, args.endpoint)
        print(f"Recording a snapshot of {model_id} on {endpoint}…")
        return await record(
            services.db,
            services.models,
            endpoint,
            model_id,
            by=cli_user(),
            categories=settings.triage_categories,
            concurrency=settings.triage_eval_concurrency,
            recent=args.recent,
            name=args.name,
            progress=terminal_progress("inputs"),
        )

    done = run_with_services(settings, work)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    print("\n".join(recording_lines(done)))
    return 0 if done.complete else 1


async def _reference(services: Services, wanted: str | None) -> Any:
    from bot.errors import NotFound
    from storage import snapshots
    from storage.models import Snapshot

    async with services.db.session() as session:
        if wanted is None:
            found = await snapshots.latest_finished(session)
        elif wanted.lstrip("#").isdigit():
            found = await session.get(Snapshot, int(wanted.lstrip("#")))
        else:
            found = await snapshots.by_name(session, wanted)
    if found is None:
        raise NotFound(
            "No such snapshot: record one with `triagebot snapshot record`, list them with `triagebot snapshot list`."
        )
    return found


@reported
def compare_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.quality.eval_runs import target_deployment
    from bot.snapshots.compare import compare_with_model
    from bot.snapshots.text import comparison_lines, recording_lines

    async def work(services: Services) -> list[str]:
        reference = await _reference(services, args.snapshot)
        endpoint, model_id = await target_deployment(services.db, args.model, args.endpoint)
        result, done = await compare_with_model(
            services.db,
            services.models,
            reference,
            endpoint,
            model_id,
            by=cli_user(),
            categories=settings.triage_categories,
            concurrency=settings.triage_eval_concurrency,
            progress=terminal_progress("inputs"),
        )
        lines = comparison_lines(result)
        if done.failed:
            lines += recording_lines(done)[1:]
        return lines

    print("\n".join(run_with_services(settings, work)))
    return 0


@reported
def list_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.snapshots.text import snapshot_line
    from storage import snapshots

    async def work(services: Services) -> list[str]:
        async with services.db.session() as session:
            found = await snapshots.all_snapshots(session)
            return [snapshot_line(s, await snapshots.answered_count(session, s.id or 0)) for s in found]

    lines = run_with_services(settings, work)
    print("\n".join(lines) if lines else "No snapshots yet: `triagebot snapshot record` makes one.")
    return 0
