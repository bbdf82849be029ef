"""canary routing: canaries and their history, each triage's arm, shadow/canary approval requests

Revision ID: 0010_c1
Revises: 0009_w2
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.models import UTCDateTime

revision: str = "0010_c1"
down_revision: str | None = "0009_w2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "canary_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("started_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("approved_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("endpoint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("model_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_canary_routes_state", "canary_routes", ["state", "id"], unique=False)
    op.create_table(
        "canary_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canary_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("percent_before", sa.Integer(), nullable=True),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["canary_id"], ["canary_routes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_canary_events_canary_id", "canary_events", ["canary_id"], unique=False)
    op.add_column("triages", sa.Column("arm", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.add_column("triages", sa.Column("canary_id", sa.Integer(), nullable=True))
    op.add_column(
        "triages", sa.Column("candidate_error", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
    )
    op.create_index(
        "ix_triages_canary_arm_created", "triages", ["canary_id", "arm", "created_at"], unique=False
    )
    op.add_column("switch_requests", sa.Column("percent", sa.Integer(), nullable=True))
    op.add_column(
        "shadow_routes", sa.Column("approved_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
    )
    op.add_column("shadow_routes", sa.Column("request_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shadow_routes") as batch:
        batch.drop_column("request_id")
        batch.drop_column("approved_by")
    with op.batch_alter_table("switch_requests") as batch:
        batch.drop_column("percent")
    op.drop_index("ix_triages_canary_arm_created", table_name="triages")
    with op.batch_alter_table("triages") as batch:
        batch.drop_column("candidate_error")
        batch.drop_column("canary_id")
        batch.drop_column("arm")
    op.drop_index("ix_canary_events_canary_id", table_name="canary_events")
    op.drop_table("canary_events")
    op.drop_index("ix_canary_routes_state", table_name="canary_routes")
    op.drop_table("canary_routes")
