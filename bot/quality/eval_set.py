"""The golden eval set: import from JSONL (all or nothing, errors by line number), export to JSONL."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from bot.errors import InvalidInput
from bot.triage import URGENCIES, clean_input
from storage import eval_cases
from storage.db import Database
from storage.models import EvalCase

# Enough to fix a file in one pass without flooding the terminal.
MAX_REPORTED_PROBLEMS = 20


@dataclass(frozen=True)
class CaseInput:
    line: int
    input_text: str
    urgency: str
    category: str
    note: str | None


@dataclass(frozen=True)
class ImportReport:
    imported: int
    already_present: int
    total_cases: int


def _problem(obj: Any, categories: list[str], max_chars: int) -> tuple[str | None, CaseInput | None]:
    if not isinstance(obj, dict):
        return "expected a JSON object", None
    expected = obj.get("expected")
    if not isinstance(expected, dict):
        return 'missing "expected" object with "urgency" and "category"', None
    urgency, category, note = expected.get("urgency"), expected.get("category"), obj.get("note")
    raw = obj.get("input")
    if not isinstance(raw, str):
        return 'missing "input" text', None
    try:
        text = clean_input(raw, max_chars)
    except InvalidInput:
        if not raw.strip():
            return '"input" is empty', None
        return f'"input" is longer than {max_chars:,} characters (TRIAGE_MAX_INPUT_CHARS)', None
    if urgency not in URGENCIES:
        return f"expected.urgency {json.dumps(urgency)} is not one of {', '.join(URGENCIES)}", None
    if category not in categories:
        return (
            f"expected.category {json.dumps(category)} is not one of {', '.join(categories)} "
            "(TRIAGE_CATEGORIES)",
            None,
        )
    if note is not None and not isinstance(note, str):
        return '"note" must be text', None
    return None, CaseInput(0, text, urgency, category, (note or "").strip() or None)


def parse_jsonl(lines: Iterable[str], categories: list[str], max_chars: int) -> list[CaseInput]:
    """Every case of the file, or InvalidInput listing each bad line by number."""
    cases: list[CaseInput] = []
    problems: list[str] = []
    first_seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not valid JSON ({exc.msg})")
            continue
        problem, case = _problem(obj, categories, max_chars)
        if case is not None and case.input_text in first_seen:
            problem = f"same input as line {first_seen[case.input_text]}"
        if problem or case is None:
            problems.append(f"line {number}: {problem}")
            continue
        first_seen[case.input_text] = number
        cases.append(CaseInput(number, case.input_text, case.urgency, case.category, case.note))
    if problems:
        raise InvalidInput(_problems_message(problems))
    if not cases:
        raise InvalidInput(
            'The file has no cases. Each line needs {"input": "...", "expected": '
            '{"urgency": "...", "category": "..."}}.'
        )
    return cases


def _problems_message(problems: list[str]) -> str:
    shown = problems[:MAX_REPORTED_PROBLEMS]
    more = len(problems) - len(shown)
    tail = f"\n… and {more} more" if more else ""
    return f"Nothing was imported: {len(problems)} line(s) need fixing.\n" + "\n".join(shown) + tail


async def import_cases(db: Database, cases: list[CaseInput]) -> ImportReport:
    """One transaction: cases already in the set with the same labels are skipped, conflicts refused."""
    async with db.transaction() as session:
        existing = {
            case.input_text: case for case in (await session.exec(eval_cases.active_cases_query())).all()
        }
        problems: list[str] = []
        fresh: list[EvalCase] = []
        for case in cases:
            known = existing.get(case.input_text)
            if known is None:
                fresh.append(
                    EvalCase(
                        input_text=case.input_text,
                        expected_urgency=case.urgency,
                        expected_category=case.category,
                        note=case.note,
                    )
                )
            elif (known.expected_urgency, known.expected_category) != (case.urgency, case.category):
                problems.append(
                    f"line {case.line}: already in the eval set as case #{known.id} with "
                    f"{known.expected_urgency}/{known.expected_category}"
                )
        if problems:
            raise InvalidInput(_problems_message(problems))
        session.add_all(fresh)
        await session.flush()
        total = len(existing) + len(fresh)
    return ImportReport(imported=len(fresh), already_present=len(cases) - len(fresh), total_cases=total)


def case_json(case: EvalCase) -> str:
    obj: dict[str, Any] = {
        "input": case.input_text,
        "expected": {"urgency": case.expected_urgency, "category": case.expected_category},
    }
    if case.note:
        obj["note"] = case.note
    obj["id"] = case.id
    return json.dumps(obj, ensure_ascii=False)


async def export_lines(db: Database) -> list[str]:
    async with db.session() as session:
        cases = (await session.exec(eval_cases.active_cases_query())).all()
    return [case_json(case) for case in cases]


async def count_cases(db: Database) -> int:
    async with db.session() as session:
        active = col(EvalCase.retired_at).is_(None)
        return int((await session.exec(select(func.count()).select_from(EvalCase).where(active))).one())
