"""The tables the code declares and the schema the migrations build are the same schema.

Without this, the next `alembic revision --autogenerate` proposes to drop whatever a migration
created that the models forgot (the digest's covering indexes once), or a model change ships with
no migration at all.
"""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)
from storage.db import sync_url


def _differences(url: str) -> list[Any]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    return [d for d in diff if not (isinstance(d, tuple) and d[0] == "remove_table" and d[1].name == "alembic_version")]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_database_migrated_to_head_matches_the_models(backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(f"{backend}_url")
    assert _differences(url) == []


def test_a_forgotten_index_is_caught(sqlite_url: str) -> None:
    # The check itself can fail: drop one declared index and the comparison names it.
    engine = create_engine(sync_url(sqlite_url))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_triages_model_endpoint_status_latency")
    engine.dispose()
    names = [getattr(d[1], "name", None) for d in _differences(sqlite_url) if isinstance(d, tuple)]
    assert "ix_triages_model_endpoint_status_latency" in names
