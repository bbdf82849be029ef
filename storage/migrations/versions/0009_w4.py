"""shadow routing: a candidate model mirrored on live triages, and its answers beside the live ones

Revision ID: 0009_w4
Revises: 0008
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.models import UTCDateTime

revision: str = "0009_w4"
down_revision: str | None = "0009_w1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shadow_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("started_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("endpoint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("model_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("skipped_by_cap", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shadow_routes_state", "shadow_routes", ["state", "id"], unique=False)
    op.create_table(
        "shadow_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("triage_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("model_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("urgency", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("error_kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("verdict", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("verdict_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("verdict_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["route_id"], ["shadow_routes.id"]),
        sa.ForeignKeyConstraint(["triage_id"], ["triages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("triage_id", name="uq_shadow_pairs_triage"),
    )
    op.create_index("ix_shadow_pairs_route_id", "shadow_pairs", ["route_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_shadow_pairs_route_id", table_name="shadow_pairs")
    op.drop_table("shadow_pairs")
    op.drop_index("ix_shadow_routes_state", table_name="shadow_routes")
    op.drop_table("shadow_routes")
