"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:43:09.394046
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("station", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("entity", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_entity", ["entity", "entity_id"], unique=False)

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "failed", name="outboxstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_message_idempotency_key")),
    )
    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("county_code", sa.String(length=50), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
        sa.UniqueConstraint("name", name=op.f("uq_school_name")),
    )
    op.create_table(
        "subject",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject")),
        sa.UniqueConstraint("code", name=op.f("uq_subject_code")),
        sa.UniqueConstraint("name", name=op.f("uq_subject_name")),
    )
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("exam", "homework", name="assessmentkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("grade_level", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_assessment_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_assessment_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        sa.UniqueConstraint("school_id", "name", name=op.f("uq_assessment_school_id_name")),
    )
    op.create_table(
        "grade",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_grade_school_id_school"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade")),
        sa.UniqueConstraint("school_id", "level", name=op.f("uq_grade_school_id_level")),
    )
    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("stem", sa.Text(), nullable=False),
        sa.Column(
            "item_type",
            sa.Enum(
                "single_choice",
                "multiple_choice",
                "true_false",
                "fill_blank",
                "subjective",
                name="itemtype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("option_count", sa.Integer(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.Column("answer", sa.String(length=500), nullable=False),
        sa.Column("points", sa.Double(), nullable=False),
        sa.Column(
            "scoring_rule",
            sa.Enum(
                "exact",
                "partial_half",
                "per_option",
                "manual",
                name="scoringrule",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subject.id"],
            name=op.f("fk_item_subject_id_subject"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item")),
    )
    op.create_table(
        "knowledge_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("grades", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["knowledge_point.id"],
            name=op.f("fk_knowledge_point_parent_id_knowledge_point"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subject.id"],
            name=op.f("fk_knowledge_point_subject_id_subject"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_point")),
        sa.UniqueConstraint("code", name=op.f("uq_knowledge_point_code")),
    )
    with op.batch_alter_table("knowledge_point", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_point_parent_id"), ["parent_id"], unique=False
        )

    op.create_table(
        "student",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("student_number", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "gender",
            sa.Enum("male", "female", "unknown", name="gender", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_student_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student")),
        sa.UniqueConstraint(
            "school_id", "student_number", name=op.f("uq_student_school_id_student_number")
        ),
    )
    op.create_table(
        "teacher",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("staff_number", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_teacher_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teacher")),
        sa.UniqueConstraint(
            "school_id", "staff_number", name=op.f("uq_teacher_school_id_staff_number")
        ),
    )
    op.create_table(
        "answer_sheet_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("layout", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_answer_sheet_template_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_sheet_template")),
        sa.UniqueConstraint(
            "assessment_id", "version", name=op.f("uq_answer_sheet_template_assessment_id_version")
        ),
    )
    op.create_table(
        "assessment_section",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_section_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_section")),
        sa.UniqueConstraint(
            "assessment_id", "name", name=op.f("uq_assessment_section_assessment_id_name")
        ),
    )
    op.create_table(
        "item_knowledge_point",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("knowledge_point_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["item.id"],
            name=op.f("fk_item_knowledge_point_item_id_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["knowledge_point_id"],
            ["knowledge_point.id"],
            name=op.f("fk_item_knowledge_point_knowledge_point_id_knowledge_point"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "item_id", "knowledge_point_id", name=op.f("pk_item_knowledge_point")
        ),
    )
    with op.batch_alter_table("item_knowledge_point", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_item_knowledge_point_knowledge_point_id"),
            ["knowledge_point_id"],
            unique=False,
        )

    op.create_table(
        "mastery_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("knowledge_point_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column("method", sa.String(length=50), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_mastery_snapshot_assessment_id_assessment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["knowledge_point_id"],
            ["knowledge_point.id"],
            name=op.f("fk_mastery_snapshot_knowledge_point_id_knowledge_point"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_mastery_snapshot_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mastery_snapshot")),
    )
    with op.batch_alter_table("mastery_snapshot", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mastery_snapshot_student_kp",
            ["student_id", "knowledge_point_id", "computed_at"],
            unique=False,
        )

    op.create_table(
        "optional_question_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("choose_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_optional_question_group_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_optional_question_group")),
        sa.UniqueConstraint(
            "assessment_id", "name", name=op.f("uq_optional_question_group_assessment_id_name")
        ),
    )
    op.create_table(
        "recommendation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("knowledge_point_id", sa.Integer(), nullable=True),
        sa.Column("predicted_success", sa.Double(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "assigned",
                "done",
                "dismissed",
                name="recommendationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["item.id"],
            name=op.f("fk_recommendation_item_id_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["knowledge_point_id"],
            ["knowledge_point.id"],
            name=op.f("fk_recommendation_knowledge_point_id_knowledge_point"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_recommendation_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation")),
    )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_student_id"), ["student_id"], unique=False
        )

    op.create_table(
        "scan_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("station", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "paused",
                "finished",
                "cancelled",
                name="batchstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_scan_batch_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_batch")),
    )
    op.create_table(
        "school_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("grade_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["grade_id"],
            ["grade.id"],
            name=op.f("fk_school_class_grade_id_grade"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_school_class_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_class")),
        sa.UniqueConstraint("school_id", "name", name=op.f("uq_school_class_school_id_name")),
    )
    op.create_table(
        "teacher_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin", "academic_office", "teacher", name="rolekind", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"],
            ["teacher.id"],
            name=op.f("fk_teacher_role_teacher_id_teacher"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teacher_role")),
        sa.UniqueConstraint("teacher_id", "role", name=op.f("uq_teacher_role_teacher_id_role")),
    )
    op.create_table(
        "assessment_class",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_class_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["school_class.id"],
            name=op.f("fk_assessment_class_class_id_school_class"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assessment_id", "class_id", name=op.f("pk_assessment_class")),
    )
    op.create_table(
        "assessment_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("points", sa.Double(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("optional_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_item_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_assessment_item_item_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["optional_group_id"],
            ["optional_question_group.id"],
            name=op.f("fk_assessment_item_optional_group_id_optional_question_group"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["assessment_section.id"],
            name=op.f("fk_assessment_item_section_id_assessment_section"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_item")),
        sa.UniqueConstraint(
            "assessment_id", "label", name=op.f("uq_assessment_item_assessment_id_label")
        ),
    )
    op.create_table(
        "class_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["school_class.id"],
            name=op.f("fk_class_membership_class_id_school_class"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_class_membership_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_membership")),
    )
    with op.batch_alter_table("class_membership", schema=None) as batch_op:
        batch_op.create_index(
            "ix_class_membership_current", ["student_id", "ended_on"], unique=False
        )

    op.create_table(
        "page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("file_path", sa.String(length=1000), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("station", sa.String(length=100), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "stored",
                "recognised",
                "flagged",
                "failed",
                "replaced",
                name="pagestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("page_number", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["scan_batch.id"],
            name=op.f("fk_page_batch_id_scan_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_page_student_id_student"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["answer_sheet_template.id"],
            name=op.f("fk_page_template_id_answer_sheet_template"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page")),
        sa.UniqueConstraint("batch_id", "sequence", name=op.f("uq_page_batch_id_sequence")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_page_content_hash")),
    )
    op.create_table(
        "teaching_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["school_class.id"],
            name=op.f("fk_teaching_assignment_class_id_school_class"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subject.id"],
            name=op.f("fk_teaching_assignment_subject_id_subject"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"],
            ["teacher.id"],
            name=op.f("fk_teaching_assignment_teacher_id_teacher"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teaching_assignment")),
        sa.UniqueConstraint(
            "teacher_id",
            "class_id",
            "subject_id",
            name=op.f("uq_teaching_assignment_teacher_id_class_id_subject_id"),
        ),
    )
    op.create_table(
        "recognition_exception",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=True),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "unknown_student",
                "duplicate_student",
                "missing_page",
                "extra_page",
                "other_exam",
                "absent_marked",
                "wrong_page_order",
                "unreadable_page",
                "ambiguous_mark",
                name="exceptionkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "resolved",
                "dismissed",
                name="exceptionstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_recognition_exception_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["page.id"],
            name=op.f("fk_recognition_exception_page_id_page"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_recognition_exception_student_id_student"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition_exception")),
    )
    with op.batch_alter_table("recognition_exception", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recognition_exception_open", ["assessment_id", "status"], unique=False
        )

    op.create_table(
        "response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_item_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=True),
        sa.Column("marks_read", sa.JSON(), nullable=True),
        sa.Column("value", sa.String(length=500), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column(
            "scored_by",
            sa.Enum(
                "machine",
                "teacher",
                "import",
                "simulation",
                name="scoredby",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("scorer", sa.String(length=100), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_item_id"],
            ["assessment_item.id"],
            name=op.f("fk_response_assessment_item_id_assessment_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["page_id"], ["page.id"], name=op.f("fk_response_page_id_page"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_response_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response")),
        sa.UniqueConstraint(
            "assessment_item_id",
            "student_id",
            name=op.f("uq_response_assessment_item_id_student_id"),
        ),
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_response_student_id"), ["student_id"], unique=False)

    op.create_table(
        "marking_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("marker", sa.String(length=100), nullable=False),
        sa.Column("old_score", sa.Double(), nullable=True),
        sa.Column("new_score", sa.Double(), nullable=True),
        sa.Column("seconds_spent", sa.Double(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_marking_event_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marking_event")),
    )
    with op.batch_alter_table("marking_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marking_event_response_id"), ["response_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("marking_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marking_event_response_id"))

    op.drop_table("marking_event")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_student_id"))

    op.drop_table("response")
    with op.batch_alter_table("recognition_exception", schema=None) as batch_op:
        batch_op.drop_index("ix_recognition_exception_open")

    op.drop_table("recognition_exception")
    op.drop_table("teaching_assignment")
    op.drop_table("page")
    with op.batch_alter_table("class_membership", schema=None) as batch_op:
        batch_op.drop_index("ix_class_membership_current")

    op.drop_table("class_membership")
    op.drop_table("assessment_item")
    op.drop_table("assessment_class")
    op.drop_table("teacher_role")
    op.drop_table("school_class")
    op.drop_table("scan_batch")
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_student_id"))

    op.drop_table("recommendation")
    op.drop_table("optional_question_group")
    with op.batch_alter_table("mastery_snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_mastery_snapshot_student_kp")

    op.drop_table("mastery_snapshot")
    with op.batch_alter_table("item_knowledge_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_knowledge_point_knowledge_point_id"))

    op.drop_table("item_knowledge_point")
    op.drop_table("assessment_section")
    op.drop_table("answer_sheet_template")
    op.drop_table("teacher")
    op.drop_table("student")
    with op.batch_alter_table("knowledge_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_point_parent_id"))

    op.drop_table("knowledge_point")
    op.drop_table("item")
    op.drop_table("grade")
    op.drop_table("assessment")
    op.drop_table("subject")
    op.drop_table("school")
    op.drop_table("outbox_message")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_entity")

    op.drop_table("audit_entry")
