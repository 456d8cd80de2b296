"""Making an answer sheet (答题卡) for an exam in the database, or from an answer-key file.

`make_sheet_for_exam` designs the sheet from the exam's items, prints it to PDF, keeps
the layout as a new version of the exam's `AnswerSheetTemplate` and writes it as JSON
for the recogniser. `make_sheet_from_key` does the same for a standalone answer-key file
(no database; exam id 0).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import BadInputError, NotFoundError
from core.i18n import LocalisedText
from core.models import AnswerSheetTemplate, Assessment, AssessmentItem, OptionalQuestionGroup
from omr.layout import AnswerSheetLayout, Paper
from omr.sheet_design import SUPPORTED_PAPER, ItemSpec, SheetSpec, design_sheet
from omr.sheet_pdf import render_sheet_pdf
from workflow.answer_key_import import KEY_COLUMNS, KeyEntry, parse_answer_key
from workflow.context import AppContext
from workflow.table_reader import Table, read_table

STANDALONE_EXAM_ID = 0
"""Exam id in the QR code of a sheet made from a key file, outside the database."""


@dataclass(frozen=True, slots=True)
class SheetFormat:
    """Paper and columns a sheet is printed with (landscape follows from the paper)."""

    paper: Paper = Paper.A4
    columns: int | None = None

    @property
    def landscape(self) -> bool:
        """A3 and 8K sheets are printed landscape, A4 portrait."""
        return self.paper is not Paper.A4

    @property
    def column_count(self) -> int:
        """The columns asked for, or the default: 1 on A4, 2 on A3 and 8K."""
        if self.columns is not None:
            return self.columns
        return 1 if self.paper is Paper.A4 else 2


@dataclass(frozen=True, slots=True)
class MadeSheet:
    """What making a sheet produced."""

    layout: AnswerSheetLayout
    pdf_path: Path
    layout_path: Path
    template_id: int | None

    @property
    def pages(self) -> int:
        """Printed sides of the sheet."""
        return len(self.layout.pages)


def parse_paper(text: str) -> Paper:
    """The paper named `text` (A4, A3, 8K; case-insensitive), or BadInputError."""
    for paper in Paper:
        if text.strip().upper() == paper.value.upper():
            return paper
    raise BadInputError(LocalisedText(
        f"纸张“{text}”不支持，可用：A4、A3、8K。",
        f"Paper '{text}' is not supported; use A4, A3 or 8K."))


def _check_format(sheet_format: SheetFormat) -> None:
    allowed = SUPPORTED_PAPER[(sheet_format.paper, sheet_format.landscape)]
    if sheet_format.column_count not in allowed:
        counts = "、".join(str(count) for count in allowed)
        paper, columns = sheet_format.paper.value, sheet_format.column_count
        raise BadInputError(LocalisedText(
            f"{paper} 纸不能分 {columns} 栏，可用：{counts} 栏。",
            f"{sheet_format.paper.value} paper cannot have {sheet_format.column_count} "
            f"column(s); use {', '.join(str(count) for count in allowed)}."))


def next_layout_version(session: Session, exam_id: int) -> int:
    """One more than the exam's newest answer-sheet template version (1 for the first)."""
    newest = session.scalar(select(func.max(AnswerSheetTemplate.version)).where(
        AnswerSheetTemplate.assessment_id == exam_id))
    return (newest or 0) + 1


def spec_from_exam(session: Session, exam_id: int, layout_version: int | None = None, *,
                   paper: Paper = Paper.A4, columns: int | None = None) -> SheetSpec:
    """The sheet an exam needs: its items in position order with types, options, points.

    `layout_version` defaults to the next version of the exam's answer-sheet template.
    """
    sheet_format = SheetFormat(paper, columns)
    exam = session.get(Assessment, exam_id)
    if exam is None:
        raise NotFoundError(LocalisedText(
            f"找不到编号为 {exam_id} 的考试（用 ptw exams list 查看）。",
            f"No exam with id {exam_id} (see ptw exams list)."))
    placements = list(session.scalars(select(AssessmentItem).where(
        AssessmentItem.assessment_id == exam_id).order_by(AssessmentItem.position)))
    if not placements:
        raise BadInputError(LocalisedText(
            f"考试“{exam.name}”还没有题目，请先导入答案（ptw import key）。",
            f"Exam '{exam.name}' has no items yet; import its answer key first "
            "(ptw import key)."))
    groups = dict(session.execute(select(OptionalQuestionGroup.id, OptionalQuestionGroup.name)
                                  .where(OptionalQuestionGroup.assessment_id == exam_id)).all())
    items = [ItemSpec(p.label, p.item.item_type, p.item.option_count, p.points,
                      groups.get(p.optional_group_id)) for p in placements]
    full_marks = sum(p.points for p in placements)
    subtitle = f"{exam.subject.name} · {exam.held_on.isoformat()} · 满分 {full_marks:g} 分"
    return SheetSpec(
        exam_id=exam.id,
        layout_version=layout_version or next_layout_version(session, exam_id),
        title=exam.name, subtitle=subtitle, paper=sheet_format.paper,
        landscape=sheet_format.landscape, columns=sheet_format.column_count, items=items)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _print(layout: AnswerSheetLayout, pdf_path: Path, layout_path: Path) -> None:
    """Render the PDF and write the layout JSON, each atomically."""
    pdf_path, layout_path = Path(pdf_path), Path(layout_path)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = pdf_path.with_name(pdf_path.name + ".tmp")
    render_sheet_pdf(layout, temporary)
    os.replace(temporary, pdf_path)
    _write_atomically(layout_path, (layout.to_json() + "\n").encode("utf-8"))


def make_sheet_for_exam(context: AppContext, exam_id: int, pdf_path: Path, layout_path: Path,
                        *, paper: Paper = Paper.A4, columns: int | None = None) -> MadeSheet:
    """Design and print the exam's sheet; store its layout as a new template version."""
    _check_format(SheetFormat(paper, columns))

    def work(session: Session) -> MadeSheet:
        spec = spec_from_exam(session, exam_id, paper=paper, columns=columns)
        layout = design_sheet(spec)
        _print(layout, pdf_path, layout_path)
        template = AnswerSheetTemplate(assessment_id=exam_id, version=layout.version,
                                       layout=layout.to_dict())
        session.add(template)
        session.flush()
        return MadeSheet(layout, Path(pdf_path), Path(layout_path), template.id)

    return context.database.run(work)


def _item_spec(entry: KeyEntry) -> ItemSpec:
    return ItemSpec(entry.label, entry.item_type, entry.option_count, entry.points,
                    entry.group)


def _codes_in(table: Table) -> set[str]:
    """Every knowledge-point code the key names: a standalone sheet checks none of them."""
    separators = str.maketrans({mark: " " for mark in ";；,，、"})
    return {code for row in table.rows for code in row.get("kps").translate(separators).split()}


def make_sheet_from_key(key_path: Path, pdf_path: Path, layout_path: Path,
                        title: str | None = None, *, paper: Paper = Paper.A4,
                        columns: int | None = None) -> MadeSheet:
    """Design and print a sheet for the items of an answer-key file (exam id 0).

    Knowledge-point codes are not checked: a standalone sheet needs no database.
    """
    sheet_format = SheetFormat(paper, columns)
    _check_format(sheet_format)
    key_path = Path(key_path)
    table = read_table(key_path, KEY_COLUMNS)
    entries = parse_answer_key(table, _codes_in(table))
    full_marks = sum(entry.points for entry in entries)
    spec = SheetSpec(
        exam_id=STANDALONE_EXAM_ID, layout_version=1, title=title or key_path.stem,
        subtitle=f"{dt.date.today().isoformat()} · 满分 {full_marks:g} 分",
        paper=sheet_format.paper, landscape=sheet_format.landscape,
        columns=sheet_format.column_count, items=[_item_spec(entry) for entry in entries])
    layout = design_sheet(spec)
    _print(layout, pdf_path, layout_path)
    return MadeSheet(layout, Path(pdf_path), Path(layout_path), None)
