"""quality checks keep an eval answer's token counts, so a run has a cost per triage and per correct answer;
an index for the triages judged by two reviewers or more

Revision ID: 0010_e1
Revises: 0010_c1
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_e1"
down_revision: str | None = "0010_c1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: older checks have no counts, and their cost stays unknown, never zero.
    with op.batch_alter_table("quality_checks") as batch:
        batch.add_column(sa.Column("prompt_tokens", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("completion_tokens", sa.Integer(), nullable=True))
    # Triages judged by two reviewers or more (the human ceiling), without a sort.
    op.create_index(
        "ix_quality_checks_kind_triage_reviewer", "quality_checks", ["kind", "triage_id", "reviewer"]
    )


def downgrade() -> None:
    op.drop_index("ix_quality_checks_kind_triage_reviewer", table_name="quality_checks")
    with op.batch_alter_table("quality_checks") as batch:
        batch.drop_column("completion_tokens")
        batch.drop_column("prompt_tokens")
