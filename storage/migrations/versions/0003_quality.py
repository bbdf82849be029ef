"""quality: covering indexes for the digest's aggregates

Revision ID: 0003_quality
Revises: 0001
Create Date: 2026-11-25

The digest counts triages and reviews per period and takes latency percentiles. With these
indexes SQLite and PostgreSQL answer from the index alone (no table rows read), and percentiles
walk latency in index order instead of sorting: see tests/bench/digest_scale.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003_quality"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    (
        "triages",
        "ix_triages_model_created_status_latency",
        ["model_id", "created_at", "status", "latency_ms"],
    ),
    ("triages", "ix_triages_model_status_latency", ["model_id", "status", "latency_ms", "created_at"]),
    ("quality_checks", "ix_quality_checks_kind_created_model", ["kind", "created_at", "model_id", "passed"]),
]


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
