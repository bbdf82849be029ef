"""Reviewer verdicts on triage results, and turning a reviewed triage into a golden eval case."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from bot.errors import InvalidInput, NotFound
from bot.quality.golden_cases import CaseEdit, edit_case
from bot.triage import URGENCIES
from storage import reviews as review_rows
from storage.db import Database
from storage.models import EvalCase, QualityCheck, Triage
from storage.statuses import QualityCheckKind, TriageStatus

MAX_NOTE_CHARS = 2000


@dataclass(frozen=True)
class Review:
    check_id: int
    triage_id: int
    model_id: str
    passed: bool
    urgency: str  # the label the reviewer vouches for
    category: str
    note: str | None


@dataclass(frozen=True)
class SecondOpinion:
    """A request for another reviewer's verdict on a reviewed triage. The first verdict is not part
    of it: a second opinion given without seeing the first is what makes their agreement mean something."""

    triage_id: int
    model_id: str
    input_text: str
    urgency: str  # the model's labels
    category: str
    asked_by: str


@dataclass(frozen=True)
class AddedCase:
    case_id: int
    created: bool  # False: the triage was already in the eval set
    # When it already was: what the case expects, and what this review says, if they differ (the
    # review corrects the case: it can be updated from it, see update_case_from_review).
    expected: tuple[str, str] | None = None
    reviewed: tuple[str, str] | None = None

    @property
    def differs(self) -> bool:
        return not self.created and self.expected is not None and self.expected != self.reviewed


@dataclass(frozen=True)
class UpdatedCase:
    case_id: int
    before: tuple[str, str]
    after: tuple[str, str]


class ReviewService:
    def __init__(self, db: Database, *, categories: list[str]) -> None:
        self.db = db
        self.categories = categories

    async def confirm(self, triage_id: int, reviewer: str, *, second_opinion: bool = False) -> Review:
        triage = await self._triage(triage_id)
        if second_opinion:
            await self.check_second_reviewer(triage_id, reviewer)
        return await self._record(triage, reviewer, True, triage.urgency or "", triage.category or "", None)

    async def correct(
        self,
        triage_id: int,
        reviewer: str,
        urgency: str,
        category: str,
        note: str | None,
        *,
        second_opinion: bool = False,
    ) -> Review:
        if urgency not in URGENCIES or category not in self.categories:
            raise InvalidInput("Pick an urgency and a category from the lists.")
        note = (note or "").strip() or None
        if note and len(note) > MAX_NOTE_CHARS:
            raise InvalidInput(f"Keep the note under {MAX_NOTE_CHARS} characters.")
        triage = await self._triage(triage_id)
        if second_opinion:
            await self.check_second_reviewer(triage_id, reviewer)
        if (urgency, category) == (triage.urgency, triage.category) and not note:
            raise InvalidInput(
                "Those are the labels the model gave. Pick the right ones, or say in the note what was wrong."
            )
        return await self._record(triage, reviewer, False, urgency, category, note)

    async def ask_second_opinion(self, check_id: int, asked_by: str) -> SecondOpinion:
        """Anyone may ask; the answer must come from someone who has not reviewed the triage yet."""
        async with self.db.session() as session:
            check = await session.get(QualityCheck, check_id)
        if check is None or check.kind != "review" or check.triage_id is None:
            raise NotFound("That review no longer exists.")
        triage = await self._triage(check.triage_id)
        assert triage.id is not None
        return SecondOpinion(
            triage.id,
            triage.model_id,
            triage.input_text,
            triage.urgency or "",
            triage.category or "",
            asked_by,
        )

    async def check_second_reviewer(self, triage_id: int, reviewer: str) -> None:
        """The first reviewer's click on a second-opinion request would only replace their own first
        verdict, leaving no second one. A later reviewer clicking again changes their own mind."""
        async with self.db.session() as session:
            first = await review_rows.first_reviewer(session, triage_id)
        if reviewer == first:
            raise InvalidInput(
                f"You already reviewed triage #{triage_id}: a second opinion has to come from another "
                "reviewer. (To change your own verdict, use the buttons on the result.)"
            )

    async def triage_labels(self, triage_id: int) -> tuple[str, str]:
        triage = await self._triage(triage_id)
        return triage.urgency or "", triage.category or ""

    async def _triage(self, triage_id: int) -> Triage:
        async with self.db.session() as session:
            triage = await session.get(Triage, triage_id)
        if triage is None or triage.status != TriageStatus.OK:
            raise NotFound("That triage result no longer exists, so it cannot be reviewed.")
        return triage

    async def _record(
        self, triage: Triage, reviewer: str, passed: bool, urgency: str, category: str, note: str | None
    ) -> Review:
        """One verdict per reviewer and triage: changing your mind replaces your earlier verdict."""
        async with self.db.transaction() as session:
            check = (
                await session.exec(
                    select(QualityCheck).where(
                        col(QualityCheck.kind) == QualityCheckKind.REVIEW,
                        col(QualityCheck.triage_id) == triage.id,
                        col(QualityCheck.reviewer) == reviewer,
                    )
                )
            ).first() or QualityCheck(
                kind=QualityCheckKind.REVIEW,
                endpoint=triage.endpoint,
                model_id=triage.model_id,
                triage_id=triage.id,
                reviewer=reviewer,
                passed=passed,
            )
            check.passed = passed
            check.urgency_match = urgency == triage.urgency
            check.category_match = category == triage.category
            check.expected_urgency = None if passed else urgency
            check.expected_category = None if passed else category
            check.note = note
            check.output = {"urgency": triage.urgency, "category": triage.category}
            session.add(check)
            await session.flush()
            assert check.id is not None and triage.id is not None
        return Review(check.id, triage.id, triage.model_id, passed, urgency, category, note)

    async def add_to_eval_set(self, check_id: int) -> AddedCase:
        """The reviewed triage as a golden case with the reviewer's labels; at most once per triage."""
        async with self.db.transaction() as session:
            check = await session.get(QualityCheck, check_id)
            if check is None or check.kind != QualityCheckKind.REVIEW or check.triage_id is None:
                raise NotFound("That review no longer exists.")
            triage = await session.get(Triage, check.triage_id)
            if triage is None:
                raise NotFound("That triage result no longer exists.")
            existing = (
                await session.exec(select(EvalCase).where(col(EvalCase.source_triage_id) == triage.id))
            ).first()
            existing = (
                existing
                or (
                    await session.exec(select(EvalCase).where(col(EvalCase.input_text) == triage.input_text))
                ).first()
            )
            if existing is not None:
                assert existing.id is not None
                return AddedCase(
                    existing.id,
                    created=False,
                    expected=(existing.expected_urgency, existing.expected_category),
                    reviewed=_reviewed_labels(check, triage),
                )
            urgency, category = _reviewed_labels(check, triage)
            case = EvalCase(
                input_text=triage.input_text,
                expected_urgency=urgency,
                expected_category=category,
                note=check.note,
                source_triage_id=triage.id,
            )
            session.add(case)
            await session.flush()
            assert case.id is not None
        return AddedCase(case.id, created=True)

    async def update_case_from_review(self, check_id: int, case_id: int, by: str) -> UpdatedCase:
        """Make a golden case expect what a later review says (a *Wrong* after *Add to eval set*),
        recorded as an edit with before and after like any other correction."""
        async with self.db.session() as session:
            check = await session.get(QualityCheck, check_id)
            triage = await session.get(Triage, check.triage_id) if check and check.triage_id else None
            case = await session.get(EvalCase, case_id)
        if check is None or check.kind != QualityCheckKind.REVIEW or triage is None:
            raise NotFound("That review no longer exists.")
        if case is None or (case.source_triage_id != triage.id and case.input_text != triage.input_text):
            raise NotFound(f"Golden case #{case_id} is not the one for triage #{triage.id}.")
        before = (case.expected_urgency, case.expected_category)
        urgency, category = _reviewed_labels(check, triage)
        reason = f"review of triage #{triage.id} by {check.reviewer or 'a reviewer'}"
        edit = CaseEdit(urgency=urgency, category=category, note=check.note if check.note else None)
        await edit_case(self.db, case_id, edit, by=by, categories=self.categories, reason=reason)
        return UpdatedCase(case_id, before, (urgency, category))


def _reviewed_labels(check: QualityCheck, triage: Triage) -> tuple[str, str]:
    """What the reviewer vouches for: their correction, or the model's labels they confirmed."""
    return (
        check.expected_urgency or triage.urgency or "",
        check.expected_category or triage.category or "",
    )
