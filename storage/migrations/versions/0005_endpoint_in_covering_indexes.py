"""the digest's covering indexes know the endpoint: a model is an endpoint plus an ID

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

The digest now filters the live model's triages and groups reviews by endpoint and model ID. The
indexes of 0003_quality led with the model ID alone, so the endpoint had to be read from each row;
these include it, and the figures are again answered from the index alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = [
    ("triages", "ix_triages_model_created_status_latency", ["model_id", "created_at", "status", "latency_ms"]),
    ("triages", "ix_triages_model_status_latency", ["model_id", "status", "latency_ms", "created_at"]),
    ("quality_checks", "ix_quality_checks_kind_created_model", ["kind", "created_at", "model_id", "passed"]),
]
NEW = [
    (
        "triages",
        "ix_triages_model_endpoint_created_status_latency",
        ["model_id", "endpoint", "created_at", "status", "latency_ms"],
    ),
    (
        "triages",
        "ix_triages_model_endpoint_status_latency",
        ["model_id", "endpoint", "status", "latency_ms", "created_at"],
    ),
    (
        "quality_checks",
        "ix_quality_checks_kind_created_endpoint_model",
        ["kind", "created_at", "endpoint", "model_id", "passed"],
    ),
]


def upgrade() -> None:
    for table, name, columns in NEW:
        op.create_index(name, table, columns, unique=False)
    for table, name, _columns in OLD:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in OLD:
        op.create_index(name, table, columns, unique=False)
    for table, name, _columns in NEW:
        op.drop_index(name, table_name=table)
