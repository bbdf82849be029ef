"""outbox.result: what Slack answered to a queued call (a post's channel and ts), so edits queued
before the post went out can name it; and at most one open incident per monitor (issue 11)

Revision ID: 0009_w1
Revises: 0008
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_w1"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("result", sa.JSON(), nullable=True))
    op.create_index(
        "ux_incidents_open_monitor",
        "incidents",
        ["monitor"],
        unique=True,
        sqlite_where=sa.text("resolved_at IS NULL"),
        postgresql_where=sa.text("resolved_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ux_incidents_open_monitor", table_name="incidents")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("result")
