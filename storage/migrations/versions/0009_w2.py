"""triage shares: *Share in channel* posts a triage once; break-glass rollbacks recorded as such

Revision ID: 0009_w2
Revises: 0008
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.models import UTCDateTime

revision: str = "0009_w2"
down_revision: str | None = "0009_w3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "triage_shares",
        sa.Column("triage_id", sa.Integer(), nullable=False),
        sa.Column("shared_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("shared_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["triage_id"], ["triages.id"]),
        sa.PrimaryKeyConstraint("triage_id"),
    )
    # Lead rollbacks taken at once used to be stored as approved by the lead who did them (a
    # self-approval four eyes forbids). They are the rollbacks without a request: mark them.
    op.execute(
        sa.text(
            "UPDATE deployments SET break_glass = :yes, approved_by = NULL "
            "WHERE kind = 'rollback' AND request_id IS NULL AND approved_by = requested_by"
        ).bindparams(yes=True)
    )


def downgrade() -> None:
    op.drop_table("triage_shares")
