"""incidents: one row per monitor crossing, edited in place and resolved once

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.models import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monitor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("endpoint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("model_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("worst_level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("muted_until", UTCDateTime(), nullable=True),
        sa.Column("muted_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incidents_monitor_resolved", "incidents", ["monitor", "resolved_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_incidents_monitor_resolved", table_name="incidents")
    op.drop_table("incidents")
