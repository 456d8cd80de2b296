"""What scanning an exam needs to know, loaded once: its sheet layouts, items and key.

Every printed version of the exam's answer sheet is read (a class may have the first
printing, another a corrected one), so all template versions are loaded. Items are
looked up by their label (题号), which is what the sheet's fields name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import ItemType, ScoringRule
from core.errors import BadInputError
from core.i18n import LocalisedText
from core.models import AnswerSheetTemplate, AssessmentItem, Item
from omr.layout import AnswerSheetLayout
from workflow.exam_queries import find_assessment


@dataclass(frozen=True, slots=True)
class ItemKey:
    """One exam item as scoring needs it: which row, what type, the key, points and rule."""

    assessment_item_id: int
    label: str
    item_type: ItemType
    answer: str
    points: float
    rule: ScoringRule


@dataclass(frozen=True)
class ExamSheets:
    """An exam's sheet layouts (by version, with their template rows) and items (by label)."""

    exam_id: int
    school_id: int
    layouts: tuple[AnswerSheetLayout, ...]
    template_ids: dict[int, int]
    items: dict[str, ItemKey]

    def layout(self, version: int | None) -> AnswerSheetLayout | None:
        """The layout of sheet version `version`, if the exam has it."""
        return next((layout for layout in self.layouts if layout.version == version), None)

    def pages_per_sheet(self, version: int | None) -> int:
        """How many pages one student's sheet of that version has (1 if unknown)."""
        layout = self.layout(version)
        return len(layout.pages) if layout else 1


def load_exam_sheets(session: Session, exam_id: int) -> ExamSheets:
    """Load the exam's layouts and items; errors a teacher can act on when they are missing."""
    exam = find_assessment(session, exam_id)
    templates = list(session.scalars(select(AnswerSheetTemplate).where(
        AnswerSheetTemplate.assessment_id == exam_id).order_by(AnswerSheetTemplate.version)))
    if not templates:
        raise BadInputError(LocalisedText(
            f"考试“{exam.name}”还没有答题卡：请先生成答题卡（ptw sheet make --exam {exam_id}），"
            "用它印刷、作答后再扫描。",
            f"The exam “{exam.name}” has no answer sheet yet: make it first (ptw sheet make "
            f"--exam {exam_id}), print it, and scan the answered copies."),
            detail=f"exam {exam_id} has no answer-sheet template")
    rows = session.execute(select(AssessmentItem, Item).join(
        Item, AssessmentItem.item_id == Item.id).where(AssessmentItem.assessment_id == exam_id))
    items = {entry.label: ItemKey(entry.id, entry.label, item.item_type, item.answer or "",
                                  entry.points, item.scoring_rule) for entry, item in rows}
    return ExamSheets(
        exam_id, exam.school_id,
        tuple(AnswerSheetLayout.from_dict(t.layout) for t in templates),
        {t.version: t.id for t in templates}, items)


__all__ = ["ExamSheets", "ItemKey", "load_exam_sheets"]
