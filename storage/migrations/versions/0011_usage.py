"""the spend of a period read from indexes: the triages' covering index gains the token counts, and
answered eval checks get a partial covering index per model

Revision ID: 0011_usage
Revises: 0010_e1
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_usage"
down_revision: str | None = "0010_e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIAGE_USAGE = ["model_id", "endpoint", "created_at", "status", "latency_ms", "prompt_tokens", "completion_tokens"]
_EVAL_USAGE = ["kind", "model_id", "endpoint", "created_at", "prompt_tokens", "completion_tokens", "latency_ms"]
_ANSWERED = sa.text("error IS NULL")


def upgrade() -> None:
    # The new index covers everything the old one did (same leading columns), and the spend too.
    op.create_index("ix_triages_model_endpoint_created_usage", "triages", _TRIAGE_USAGE)
    op.drop_index("ix_triages_model_endpoint_created_status_latency", table_name="triages")
    op.create_index(
        "ix_quality_checks_answered_usage",
        "quality_checks",
        _EVAL_USAGE,
        sqlite_where=_ANSWERED,
        postgresql_where=_ANSWERED,
    )


def downgrade() -> None:
    op.drop_index("ix_quality_checks_answered_usage", table_name="quality_checks")
    op.create_index(
        "ix_triages_model_endpoint_created_status_latency",
        "triages",
        ["model_id", "endpoint", "created_at", "status", "latency_ms"],
    )
    op.drop_index("ix_triages_model_endpoint_created_usage", table_name="triages")
