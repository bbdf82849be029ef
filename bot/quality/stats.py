"""Aggregates computed by the database: counts, ratios and nearest-rank percentiles.

A percentile is `ORDER BY column LIMIT 1 OFFSET k` after a COUNT: portable to SQLite and
PostgreSQL, and with an index that has the column in order (migration 0003_quality) the database
walks k index entries instead of sorting; no row is loaded into Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession


def rank_offset(count: int, quantile: float) -> int:
    """Zero-based offset of the nearest-rank percentile in a sorted list of `count` values."""
    return max(0, math.ceil(quantile * count) - 1)


async def percentiles(
    session: AsyncSession,
    column: Any,
    where: Sequence[ColumnElement[bool]],
    quantiles: Sequence[float] = (0.5, 0.95),
    count: int | None = None,
) -> list[int | None]:
    """The given percentiles of `column` over the rows matching `where` (None where no rows).

    Pass `count` (rows matching `where` with a non-null column) when it is already known."""
    conditions = [*where, column.is_not(None)]
    if count is None:
        count = int((await session.exec(select(func.count()).where(*conditions))).one())
    if count == 0:
        return [None for _ in quantiles]
    found: list[int | None] = []
    for quantile in quantiles:
        stmt = (
            select(column).where(*conditions).order_by(column).offset(rank_offset(count, quantile)).limit(1)
        )
        value = (await session.exec(stmt)).first()
        found.append(None if value is None else int(value))
    return found


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
