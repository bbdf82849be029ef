"""Aggregates computed by the database: counts, ratios and nearest-rank percentiles.

Percentiles are one query: ROW_NUMBER() and COUNT(*) windows over the matching rows, keeping only
the ranks wanted. SQLite (3.25+) and PostgreSQL both run it with a single sort, and no row is
loaded into Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

_SCALE = 1000  # quantiles to a thousandth, so the rank is integer arithmetic in SQL


def rank_offset(count: int, quantile: float) -> int:
    """Zero-based offset of the nearest-rank percentile in a sorted list of `count` values."""
    return max(0, math.ceil(quantile * count) - 1)


async def percentiles(
    session: AsyncSession,
    column: Any,
    where: Sequence[ColumnElement[bool]],
    quantiles: Sequence[float] = (0.5, 0.95),
) -> list[int | None]:
    """The given nearest-rank percentiles of `column` over the rows matching `where` (None if none)."""
    ranked = (
        select(
            column.label("value"),
            func.row_number().over(order_by=column).label("rank"),
            func.count().over().label("total"),
        )
        .where(*where, column.is_not(None))
        .subquery()
    )
    scaled = [round(q * _SCALE) for q in quantiles]
    # ceil(q * n) in integers; max(…, 1) because rank 0 does not exist.
    wanted = [(ranked.c.total * s + (_SCALE - 1)) // _SCALE for s in scaled]
    stmt = select(ranked.c.value, ranked.c.rank, ranked.c.total).where(
        or_(*(ranked.c.rank == w for w in wanted), ranked.c.rank == 1)
    )
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    if not rows:
        return [None for _ in quantiles]
    by_rank = {int(rank): value for value, rank, _ in rows}
    total = int(rows[0][2])
    return [_as_int(by_rank.get(max(1, math.ceil(s * total / _SCALE)))) for s in scaled]


def _as_int(value: Any) -> int | None:
    return None if value is None else int(value)


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
