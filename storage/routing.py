"""Queries of shadow routing: the active shadow candidate, its pairs, and reviewers' verdicts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ShadowPair, ShadowPairStatus, ShadowRoute, ShadowState, Triage

# pg_advisory_xact_lock key for starting/stopping shadows ("shadow" in ASCII, like the deployment lock).
SHADOW_LOCK_ID = 0x736861646F77


async def lock_routes(session: AsyncSession) -> None:
    """Serialise start/stop across processes until the transaction ends (SQLite writers are serial already)."""
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        # sqlmodel types exec() for select/update/delete only; a TextClause runs all the same.
        await session.exec(text("SELECT pg_advisory_xact_lock(:id)").bindparams(id=SHADOW_LOCK_ID))  # type: ignore[call-overload]


async def active_route(session: AsyncSession) -> ShadowRoute | None:
    stmt = (
        select(ShadowRoute)
        .where(col(ShadowRoute.state) == ShadowState.ACTIVE)
        .order_by(col(ShadowRoute.id).desc())
        .limit(1)
    )
    return (await session.exec(stmt)).first()


async def latest_route(session: AsyncSession) -> ShadowRoute | None:
    stmt = select(ShadowRoute).order_by(col(ShadowRoute.id).desc()).limit(1)
    return (await session.exec(stmt)).first()


async def end_active_routes(
    session: AsyncSession, state: ShadowState, by: str, reason: str | None, now: datetime
) -> list[ShadowRoute]:
    """End every active route (there is at most one, but a crash mid-way must not leave two)."""
    rows = list(
        (await session.exec(select(ShadowRoute).where(col(ShadowRoute.state) == ShadowState.ACTIVE))).all()
    )
    for row in rows:
        row.state = state
        row.ended_at, row.ended_by, row.end_reason = now, by, reason
        session.add(row)
    await session.flush()
    return rows


async def add_skipped_by_cap(session: AsyncSession, route_id: int) -> None:
    await session.exec(
        update(ShadowRoute)
        .where(col(ShadowRoute.id) == route_id)
        .values(skipped_by_cap=col(ShadowRoute.skipped_by_cap) + 1)
    )


async def add_pair(session: AsyncSession, pair: ShadowPair) -> None:
    """Store the pair; IntegrityError when this live triage already has one (run it in its own transaction)."""
    session.add(pair)
    await session.flush()


async def pair_counts(session: AsyncSession, route_id: int) -> dict[str, int]:
    """Pairs of one route by status (ShadowPairStatus values)."""
    stmt = (
        select(ShadowPair.status, func.count())
        .where(col(ShadowPair.route_id) == route_id)
        .group_by(col(ShadowPair.status))
    )
    return {status: int(count) for status, count in (await session.exec(stmt)).all()}


async def verdict_counts(session: AsyncSession, route_id: int) -> dict[str, int]:
    stmt = (
        select(ShadowPair.verdict, func.count())
        .where(col(ShadowPair.route_id) == route_id, col(ShadowPair.verdict).is_not(None))
        .group_by(col(ShadowPair.verdict))
    )
    return {str(verdict): int(count) for verdict, count in (await session.exec(stmt)).all()}


async def answered_pairs(session: AsyncSession, route_id: int) -> list[tuple[ShadowPair, Triage]]:
    """Pairs where both the live model and the candidate answered, oldest first."""
    stmt = (
        select(ShadowPair, Triage)
        .join(Triage, col(Triage.id) == col(ShadowPair.triage_id))
        .where(
            col(ShadowPair.route_id) == route_id,
            col(ShadowPair.status) == ShadowPairStatus.OK,
            col(Triage.status) == "ok",
        )
        .order_by(col(ShadowPair.id))
    )
    return [(pair, triage) for pair, triage in (await session.exec(stmt)).all()]


async def next_unreviewed_disagreement(
    session: AsyncSession, route_id: int
) -> tuple[ShadowPair, Triage] | None:
    """The oldest pair of the route whose labels differ and that nobody has judged yet."""
    stmt = (
        select(ShadowPair, Triage)
        .join(Triage, col(Triage.id) == col(ShadowPair.triage_id))
        .where(
            col(ShadowPair.route_id) == route_id,
            col(ShadowPair.status) == ShadowPairStatus.OK,
            col(ShadowPair.verdict).is_(None),
            col(Triage.status) == "ok",
            (col(ShadowPair.urgency) != col(Triage.urgency))
            | (col(ShadowPair.category) != col(Triage.category)),
        )
        .order_by(col(ShadowPair.id))
        .limit(1)
    )
    row = (await session.exec(stmt)).first()
    return (row[0], row[1]) if row is not None else None


async def pair_with_triage(session: AsyncSession, pair_id: int) -> tuple[ShadowPair, Triage] | None:
    stmt = (
        select(ShadowPair, Triage)
        .join(Triage, col(Triage.id) == col(ShadowPair.triage_id))
        .where(col(ShadowPair.id) == pair_id)
    )
    row = (await session.exec(stmt)).first()
    return (row[0], row[1]) if row is not None else None


async def set_verdict(session: AsyncSession, pair_id: int, verdict: str, by: str, now: datetime) -> bool:
    """Record the verdict unless one is already there; True when this call recorded it."""
    result = await session.exec(
        update(ShadowPair)
        .where(col(ShadowPair.id) == pair_id, col(ShadowPair.verdict).is_(None))
        .values(verdict=verdict, verdict_by=by, verdict_at=now)
    )
    return bool(result.rowcount)


async def latest_route_of(session: AsyncSession, endpoint: str, model_id: str) -> ShadowRoute | None:
    """The newest shadowing of this model (active or ended)."""
    stmt = (
        select(ShadowRoute)
        .where(col(ShadowRoute.endpoint) == endpoint, col(ShadowRoute.model_id) == model_id)
        .order_by(col(ShadowRoute.id).desc())
        .limit(1)
    )
    return (await session.exec(stmt)).first()
