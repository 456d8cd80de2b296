"""scanned sheets: what each page read, its sheet, and one page N per student and exam

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add student_sheet_page and page.sheet_first_page_id, reading, recognised_at."""
    op.create_table(
        "student_sheet_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("page_number", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_student_sheet_page_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["page.id"],
            name=op.f("fk_student_sheet_page_page_id_page"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_student_sheet_page_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_sheet_page")),
        sa.UniqueConstraint(
            "assessment_id",
            "student_id",
            "page_number",
            name=op.f("uq_student_sheet_page_assessment_id_student_id_page_number"),
        ),
    )
    with op.batch_alter_table("student_sheet_page", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_student_sheet_page_page_id"), ["page_id"], unique=False
        )

    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sheet_first_page_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reading", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("recognised_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_page_sheet_first_page_id_page"),
            "page",
            ["sheet_first_page_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    """Remove them again."""
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_page_sheet_first_page_id_page"), type_="foreignkey")
        batch_op.drop_column("recognised_at")
        batch_op.drop_column("reading")
        batch_op.drop_column("sheet_first_page_id")

    with op.batch_alter_table("student_sheet_page", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_student_sheet_page_page_id"))

    op.drop_table("student_sheet_page")
