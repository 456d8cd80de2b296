"""learning records: the wrong-item book and stored analyses

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add wrong_item_entry and analysis_result."""
    op.create_table(
        "analysis_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_analysis_result_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_result")),
    )
    with op.batch_alter_table("analysis_result", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analysis_result_assessment_kind", ["assessment_id", "kind"], unique=False
        )

    op.create_table(
        "wrong_item_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=500), nullable=True),
        sa.Column("right_answer", sa.String(length=500), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("full_marks", sa.Double(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("picture", sa.String(length=1000), nullable=True),
        sa.Column("box", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("right_in_a_row", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_wrong_item_entry_assessment_id_assessment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["item.id"],
            name=op.f("fk_wrong_item_entry_item_id_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_wrong_item_entry_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wrong_item_entry")),
        sa.UniqueConstraint(
            "student_id", "item_id", name=op.f("uq_wrong_item_entry_student_id_item_id")
        ),
    )
    with op.batch_alter_table("wrong_item_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wrong_item_entry_student_id"), ["student_id"], unique=False
        )


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("wrong_item_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wrong_item_entry_student_id"))

    op.drop_table("wrong_item_entry")
    with op.batch_alter_table("analysis_result", schema=None) as batch_op:
        batch_op.drop_index("ix_analysis_result_assessment_kind")

    op.drop_table("analysis_result")
