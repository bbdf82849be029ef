"""Correcting the golden eval set: edit a case's expected answer or retire it, every change recorded.

A case is never deleted: its past checks belong to past runs, which must keep their meaning. A
retired case is simply no longer run. An edit counts as new evidence, so runs older than it are
stale for the eval gate, as with a newly added case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import InvalidInput, NotFound
from bot.triage import URGENCIES
from storage import eval_cases
from storage.db import Database
from storage.models import EvalCase, EvalCaseChange

FAILED_SHOWN = 5


@dataclass(frozen=True)
class CaseEdit:
    urgency: str | None = None
    category: str | None = None
    note: str | None = None
    input_text: str | None = None


def _snapshot(case: EvalCase) -> dict[str, str | None]:
    return {
        "input": case.input_text,
        "urgency": case.expected_urgency,
        "category": case.expected_category,
        "note": case.note,
    }


def _check_labels(edit: CaseEdit, categories: list[str]) -> None:
    if edit.urgency is not None and edit.urgency not in URGENCIES:
        raise InvalidInput(f"Urgency must be one of {', '.join(URGENCIES)} (got {edit.urgency!r}).")
    if edit.category is not None and edit.category not in categories:
        raise InvalidInput(f"Category must be one of {', '.join(categories)} (got {edit.category!r}).")
    if edit.input_text is not None and not edit.input_text.strip():
        raise InvalidInput("A golden case needs the customer's message; it cannot be empty.")


async def _active(session: AsyncSession, case_id: int) -> EvalCase:
    case = await eval_cases.get_case(session, case_id)
    if case is None:
        raise NotFound(f"There is no golden case #{case_id}.")
    if case.retired_at is not None:
        raise InvalidInput(
            f"Golden case #{case_id} was retired on {case.retired_at:%Y-%m-%d}; it cannot change."
        )
    return case


async def edit_case(
    db: Database, case_id: int, edit: CaseEdit, *, by: str, categories: list[str], reason: str | None = None
) -> EvalCase:
    """Change what a case expects (or its text or note). No change at all is refused, so the log
    only holds real corrections."""
    _check_labels(edit, categories)
    async with db.transaction() as session:
        case = await _active(session, case_id)
        before = _snapshot(case)
        if edit.urgency is not None:
            case.expected_urgency = edit.urgency
        if edit.category is not None:
            case.expected_category = edit.category
        if edit.note is not None:
            case.note = edit.note or None
        if edit.input_text is not None:
            case.input_text = edit.input_text.strip()
        after = _snapshot(case)
        if after == before:
            raise InvalidInput(f"Golden case #{case_id} already says that; nothing changed.")
        case.updated_at = datetime.now(UTC)
        session.add(case)
        session.add(
            EvalCaseChange(
                case_id=case_id, changed_by=by, action="edit", before=before, after=after, reason=reason
            )
        )
    return case


async def retire_case(db: Database, case_id: int, *, by: str, reason: str | None = None) -> EvalCase:
    async with db.transaction() as session:
        case = await _active(session, case_id)
        case.retired_at = datetime.now(UTC)
        session.add(case)
        session.add(
            EvalCaseChange(
                case_id=case_id, changed_by=by, action="retire", before=_snapshot(case), reason=reason
            )
        )
    return case


@dataclass(frozen=True)
class FailedCase:
    case_id: int
    input_text: str
    expected: str  # "urgency / category"
    got: str  # the model's labels, or its error


async def failed_cases(db: Database, run_id: int, limit: int = FAILED_SHOWN) -> tuple[int, list[FailedCase]]:
    """How many cases a run failed, and the first few, for its summary."""
    async with db.session() as session:
        total, rows = await eval_cases.failed_checks(session, run_id, limit)
    found = []
    for check, case in rows:
        output = check.output or {}
        got = check.error or f"{output.get('urgency', '?')} / {output.get('category', '?')}"
        expected = f"{check.expected_urgency or case.expected_urgency} / {check.expected_category or case.expected_category}"
        found.append(FailedCase(case.id or 0, case.input_text, expected, got))
    return total, found
