"""`triagebot eval import|export|run` and `triagebot export-training`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.errors import TriagebotError
from bot.services import Services, build_services
from bot.settings import Settings
from storage.statuses import EvalRunStatus

T = TypeVar("T")


def add_commands(sub: Any) -> None:
    eval_parser = sub.add_parser("eval", help="the golden eval set and eval runs")
    eval_sub = eval_parser.add_subparsers(dest="eval_command", required=True, metavar="ACTION")
    imp = eval_sub.add_parser(
        "import", help="add golden cases from JSONL or a promptfoo config (all or nothing)"
    )
    imp.add_argument("file", type=Path, help='one {"input": ..., "expected": {"urgency", "category"}} a line')
    imp.set_defaults(handler=eval_import_command)
    exp = eval_sub.add_parser("export", help="write the eval set as JSONL")
    exp.add_argument("--output", type=Path, default=None, help="file to write (default: standard output)")
    exp.add_argument(
        "--format",
        choices=("jsonl", "promptfoo"),
        default="jsonl",
        help="jsonl (default) or a promptfoo config",
    )
    exp.add_argument("--model", default=None, help="promptfoo: the model to test (default: the live one)")
    exp.add_argument(
        "--endpoint", default=None, help="promptfoo: its endpoint (default: the live deployment's)"
    )
    exp.set_defaults(handler=eval_export_command)
    run = eval_sub.add_parser("run", help="run every case against a model (default: the live one)")
    run.add_argument("--model", default=None, help="model ID (default: the live model)")
    run.add_argument("--endpoint", default=None, help="endpoint name (default: the live deployment's)")
    run.set_defaults(handler=eval_run_command)
    show = eval_sub.add_parser("show", help="one eval run: its figures and the cases it failed")
    show.add_argument("run_id", type=int, metavar="RUN", help="the run's number")
    show.add_argument("--failed", type=int, default=20, help="how many failed cases to list (default 20)")
    show.set_defaults(handler=eval_show_command)
    edit = eval_sub.add_parser("edit", help="correct a golden case (recorded)")
    edit.add_argument("case_id", type=int, metavar="ID", help="the case's number (`triagebot eval export`)")
    edit.add_argument("--urgency", default=None, help="the right urgency")
    edit.add_argument("--category", default=None, help="the right category")
    edit.add_argument("--note", default=None, help="a note on the case (empty to clear it)")
    edit.add_argument("--input", dest="input_text", default=None, help="the customer's message")
    edit.add_argument("--reason", default=None, help="why it changed (kept in the record)")
    edit.set_defaults(handler=eval_edit_command)
    retire = eval_sub.add_parser(
        "delete", help="retire a golden case: no longer run, its history kept (recorded)"
    )
    retire.add_argument("case_id", type=int, metavar="ID", help="the case's number")
    retire.add_argument("--reason", default=None, help="why (kept in the record)")
    retire.set_defaults(handler=eval_delete_command)

    training = sub.add_parser("export-training", help="reviewed triages as OpenAI chat fine-tuning JSONL")
    training.add_argument("--since", type=date.fromisoformat, default=None, help="YYYY-MM-DD (UTC)")
    training.add_argument("--output", type=Path, default=None, help="file to write (default: stdout)")
    training.set_defaults(handler=export_training_command)


def run_with_services(settings: Settings, work: Callable[[Services], Awaitable[T]]) -> T:
    """Migrate, build the services, run `work`, and close everything, in one event loop."""
    from storage.migrate import upgrade

    upgrade(settings.database_url)

    async def main() -> T:
        services = build_services(settings)
        try:
            return await work(services)
        finally:
            await services.close()

    return asyncio.run(main())


def reported(handler: Callable[[argparse.Namespace, Settings], int]) -> Callable[..., int]:
    """Domain errors are the operator's message, printed as is, exit code 1."""

    def wrapper(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return handler(args, settings)
        except TriagebotError as exc:
            print(exc.user_message, file=sys.stderr)
            return 1

    return wrapper


def write_lines(lines: list[str], output: Path | None) -> None:
    text = "".join(line + "\n" for line in lines)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@reported
def eval_import_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.quality.eval_set import import_cases, parse_jsonl
    from bot.quality.promptfoo import looks_like_promptfoo, parse_promptfoo

    try:
        content = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"Cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    limits = (settings.triage_categories, settings.triage_max_input_chars)
    if args.file.suffix in (".yaml", ".yml") or looks_like_promptfoo(content):
        cases = parse_promptfoo(content, *limits)
    else:
        cases = parse_jsonl(content.splitlines(), *limits)
    report = run_with_services(settings, lambda services: import_cases(services.db, cases))
    print(
        f"Imported {report.imported} case(s) from {args.file}"
        + (f" ({report.already_present} already in the eval set, skipped)" if report.already_present else "")
        + f". The eval set now has {report.total_cases} case(s)."
    )
    return 0


@reported
def eval_export_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.quality.eval_set import export_lines

    if args.format == "promptfoo":
        return export_promptfoo(args, settings)
    lines = run_with_services(settings, lambda services: export_lines(services.db))
    write_lines(lines, args.output)
    if args.output is not None:
        print(f"Wrote {len(lines)} case(s) to {args.output}.")
    return 0


def export_promptfoo(args: argparse.Namespace, settings: Settings) -> int:
    """A promptfoo config against the live model (or --model/--endpoint), runnable as it is."""
    from bot.quality.eval_runs import target_deployment
    from bot.quality.promptfoo import promptfoo_config, to_yaml
    from storage import eval_cases

    async def work(services: Services) -> str:
        endpoint, model_id = await target_deployment(services.db, args.model, args.endpoint)
        base_url = services.models.endpoint(endpoint).base_url
        async with services.db.session() as session:
            cases = list((await session.exec(eval_cases.active_cases_query())).all())
        config = promptfoo_config(
            cases,
            endpoint=endpoint,
            base_url=base_url,
            model_id=model_id,
            categories=settings.triage_categories,
        )
        return to_yaml(config)

    text = run_with_services(settings, work)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"Wrote a promptfoo config to {args.output}: `npx promptfoo@latest eval -c {args.output}`.")
    return 0


def progress_bar(done: int, total: int, width: int = 30, unit: str = "cases") -> str:
    filled = round(width * done / total) if total else width
    return f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {unit}"


def terminal_progress(unit: str) -> Callable[[int, int], None] | None:
    """A progress bar on stderr while a person watches; None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        sys.stderr.write(progress_bar(done, total, unit=unit))
        sys.stderr.flush()

    return show


@reported
def eval_run_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.quality.eval_runs import check_eval_target, target_deployment
    from bot.quality.eval_set import count_cases
    from bot.quality.text import summary_lines

    progress = terminal_progress("cases")
    show = progress is not None

    async def work(services: Services) -> Any:
        from bot.deployments import ensure_initial_deployment

        await ensure_initial_deployment(services.db, settings.triage_default_model)
        endpoint, model_id = await target_deployment(services.db, args.model, args.endpoint)
        if await count_cases(services.db):  # an empty set gets its own advice from run()
            await check_eval_target(
                services.db,
                services.models,
                None,
                user_id=None,
                endpoint=endpoint,
                model_id=model_id,
                now=datetime.now(UTC),
            )
        print(f"Running the eval set against {model_id} on {endpoint}…")
        return await services.eval_runner.run(endpoint, model_id, trigger="cli", progress=progress)

    summary = run_with_services(settings, work)
    if show:
        sys.stderr.write("\n")
    print("\n".join(summary_lines(summary)))
    print("\n".join(run_with_services(settings, lambda services: failed_lines(services, summary.run_id, 5))))
    return 1 if summary.status == EvalRunStatus.FAILED else 0  # every case errored: not a result to act on


async def failed_lines(services: Services, run_id: int, limit: int) -> list[str]:
    from bot.quality.golden_cases import failed_cases
    from bot.quality.text import failed_case_lines

    total, shown = await failed_cases(services.db, run_id, limit)
    return failed_case_lines(run_id, total, shown)


@reported
def eval_show_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.quality.eval_runs import run_summary
    from bot.quality.text import summary_lines

    async def work(services: Services) -> list[str]:
        summary = await run_summary(services.db, args.run_id)
        return summary_lines(summary) + await failed_lines(services, args.run_id, max(args.failed, 0))

    print("\n".join(run_with_services(settings, work)))
    return 0


def cli_user() -> str:
    """Who changed a case from the command line, for the record."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):  # no login name in a bare container
        return "cli"


@reported
def eval_edit_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.quality.golden_cases import CaseEdit, edit_case

    change = CaseEdit(
        urgency=args.urgency, category=args.category, note=args.note, input_text=args.input_text
    )
    if change == CaseEdit():
        print("Say what to change: --urgency, --category, --note or --input.", file=sys.stderr)
        return 1

    async def work(services: Services) -> str:
        case = await edit_case(
            services.db,
            args.case_id,
            change,
            by=cli_user(),
            categories=settings.triage_categories,
            reason=args.reason,
        )
        return (
            f"Golden case #{case.id} now expects {case.expected_urgency} / {case.expected_category}. "
            "Runs before this change are stale for the eval gate."
        )

    print(run_with_services(settings, work))
    return 0


@reported
def eval_delete_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.quality.golden_cases import retire_case

    async def work(services: Services) -> str:
        case = await retire_case(services.db, args.case_id, by=cli_user(), reason=args.reason)
        return f"Golden case #{case.id} is retired: it is no longer run; its past results are kept."

    print(run_with_services(settings, work))
    return 0


@reported
def export_training_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.quality.training import training_lines

    since = datetime.combine(args.since, datetime.min.time(), UTC) if args.since else None
    lines = run_with_services(
        settings, lambda services: training_lines(services.db, settings.triage_categories, since)
    )
    write_lines(lines, args.output)
    where = f" to {args.output}" if args.output else ""
    print(
        f"Wrote {len(lines)} training example(s){where}.", file=sys.stderr if not args.output else sys.stdout
    )
    return 0
