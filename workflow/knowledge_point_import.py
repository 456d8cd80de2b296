"""Knowledge-point trees (知识点): importing them from a file and loading the shipped ones.

A tree file has the columns 编码, 名称, 上级编码, 学科, 年级 (code, name, parent, subject,
grades). Codes are the identity: importing again updates names, parents and grades.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.errors import ImportProblem, ImportRejectedError
from core.i18n import LocalisedText
from core.models import KnowledgePoint
from core.progress import ProgressCallback, ProgressUpdate, ignore_progress
from resources import resource_path
from workflow.audit_log import record_change
from workflow.context import AppContext
from workflow.school_records import ensure_subjects, parse_grade_level, standard_subject_name
from workflow.table_reader import ColumnSpec, Table, read_table

KP_COLUMNS = (
    ColumnSpec("code", ("编码", "知识点编码", "代码", "code")),
    ColumnSpec("name", ("名称", "知识点", "知识点名称", "name")),
    ColumnSpec("parent", ("上级编码", "父级编码", "上级", "parent", "parent code")),
    ColumnSpec("subject", ("学科", "科目", "subject")),
    ColumnSpec("grades", ("年级", "适用年级", "grades", "grade"), required=False),
)

SHIPPED_TREES = {
    "math": "math_junior_pep.csv",
    "physics": "physics_junior_pep.csv",
}
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,63}")


@dataclass(frozen=True, slots=True)
class KnowledgePointEntry:
    """One checked row of a knowledge-point tree."""

    row: int
    code: str
    name: str
    parent_code: str | None
    subject: str
    grades: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class KnowledgePointImportSummary:
    """What a tree import changed."""

    rows: int
    added: int
    updated: int
    unchanged: int


def parse_grades(text: str) -> tuple[int, ...] | None:
    """Grades named by "7;8", "7-9" or "七年级、八年级"; () for empty; None if not readable."""
    parts = [part for part in re.split(r"[;；,，、/\s]+", text.strip()) if part]
    grades: set[int] = set()
    for part in parts:
        span = re.fullmatch(r"(\d+)\s*[-~～]\s*(\d+)", part)
        if span:
            low, high = int(span.group(1)), int(span.group(2))
            if low > high:
                return None
            grades.update(range(low, high + 1))
            continue
        level = parse_grade_level(part)
        if level is None:
            return None
        grades.add(level)
    return tuple(sorted(grades))


def parse_knowledge_points(
    table: Table, known_codes: Mapping[str, str | None] | Iterable[str] = ()
) -> list[KnowledgePointEntry]:
    """Check every row and the tree as a whole; raise with all problems or return entries.

    `known_codes` are the codes already stored; given as a mapping to their stored parent
    codes, a loop through stored points (a point moved under its own descendant) is found too.
    """
    problems: list[ImportProblem] = []
    entries: list[KnowledgePointEntry] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        found: list[ImportProblem] = []
        code, name = row.get("code"), row.get("name")
        if not code:
            found.append(table.problem(row.number, "code", LocalisedText(
                "编码为空。", "The code is empty.")))
        elif not _CODE.fullmatch(code):
            found.append(table.problem(row.number, "code", LocalisedText(
                f"编码“{code}”格式不对：只能用字母、数字和 . _ -，最多 64 位。",
                f"Code '{code}' is not valid: letters, digits and . _ - only, at most 64.")))
        elif code in seen:
            found.append(table.problem(row.number, "code", LocalisedText(
                f"编码 {code} 与第 {seen[code]} 行重复。",
                f"Code {code} repeats row {seen[code]}.")))
        else:
            seen[code] = row.number
        if not name:
            found.append(table.problem(row.number, "name", LocalisedText(
                "名称为空。", "The name is empty.")))
        elif len(name) > 200:
            found.append(table.problem(row.number, "name", LocalisedText(
                "名称过长（超过 200 个字）。", "The name is longer than 200 characters.")))
        subject = standard_subject_name(row.get("subject"))
        if subject is None:
            found.append(table.problem(row.number, "subject", LocalisedText(
                f"学科“{row.get('subject')}”无法识别（例如：数学、物理、英语）。",
                f"Subject '{row.get('subject')}' is not recognised (e.g. 数学, math).")))
        grades = parse_grades(row.get("grades"))
        if grades is None:
            found.append(table.problem(row.number, "grades", LocalisedText(
                f"年级“{row.get('grades')}”无法识别，例如写“7;8”或“七年级”。",
                f"Grades '{row.get('grades')}' are not recognised; write e.g. 7;8.")))
        problems += found
        if not found:
            entries.append(KnowledgePointEntry(row.number, code, name,
                                               row.get("parent") or None, subject or "",
                                               grades or ()))
    known = (dict(known_codes) if isinstance(known_codes, Mapping)
             else dict.fromkeys(known_codes))
    problems += _tree_problems(table, entries, known)
    if not problems and not entries:
        problems.append(table.problem(None, None, LocalisedText(
            "表中没有知识点数据（只有表头）。",
            "The table has no knowledge points, only a header.")))
    if problems:
        raise ImportRejectedError(problems, source=table.source)
    return entries


def _tree_problems(
    table: Table, entries: list[KnowledgePointEntry], known_codes: dict[str, str | None]
) -> list[ImportProblem]:
    """Parents that do not exist, and parent chains that loop."""
    problems: list[ImportProblem] = []
    by_code = {entry.code: entry for entry in entries}
    for entry in entries:
        parent = entry.parent_code
        if parent is None:
            continue
        if parent == entry.code:
            problems.append(table.problem(entry.row, "parent", LocalisedText(
                "上级编码不能是自己。", "A knowledge point cannot be its own parent.")))
        elif parent not in by_code and parent not in known_codes:
            problems.append(table.problem(entry.row, "parent", LocalisedText(
                f"上级编码 {parent} 不存在（既不在本表中，也不在数据库中）。",
                f"Parent code {parent} exists neither in this table nor in the database.")))
    parents = {**known_codes, **{entry.code: entry.parent_code for entry in entries}}
    for entry in entries:
        chain, current = {entry.code}, entry.parent_code
        while current in parents and current not in chain:
            chain.add(current)
            current = parents[current]
        if current in chain and current is not None and entry.parent_code != entry.code:
            problems.append(table.problem(entry.row, "parent", LocalisedText(
                f"上级关系形成了循环（经过 {current}）。",
                f"The parent chain loops (through {current}).")))
    return problems


def load_shipped_tree(subject_key: str) -> list[KnowledgePointEntry]:
    """The checked entries of a knowledge-point tree shipped in resources/."""
    path = resource_path("knowledge_points", SHIPPED_TREES[subject_key])
    return parse_knowledge_points(read_table(path, KP_COLUMNS))


def apply_knowledge_points(
    session: Session, context: AppContext, entries: list[KnowledgePointEntry]
) -> KnowledgePointImportSummary:
    """Insert new points and update changed ones (inside the caller's transaction)."""
    subjects = ensure_subjects(session)
    existing = {point.code: point for point in session.scalars(select(KnowledgePoint))}
    known_before = set(existing)
    changed: set[str] = set()
    for position, entry in enumerate(entries):
        point = existing.get(entry.code)
        subject_id = subjects[entry.subject].id
        if point is None:
            existing[entry.code] = KnowledgePoint(
                code=entry.code, name=entry.name, subject_id=subject_id,
                grades=list(entry.grades), position=position)
            session.add(existing[entry.code])
            continue
        if point.name != entry.name:
            record_change(session, context, "rename", "knowledge_point", point.id, "name",
                          point.name, entry.name)
        if (point.name, point.subject_id, list(point.grades)) != (
                entry.name, subject_id, list(entry.grades)):
            point.name, point.subject_id = entry.name, subject_id
            point.grades = list(entry.grades)
            changed.add(entry.code)
    session.flush()
    for entry in entries:
        point = existing[entry.code]
        parent_id = existing[entry.parent_code].id if entry.parent_code else None
        if point.parent_id != parent_id:
            if entry.code in known_before:
                changed.add(entry.code)
            point.parent_id = parent_id
    added = len(set(existing) - known_before)
    return KnowledgePointImportSummary(len(entries), added, len(changed),
                                       len(entries) - added - len(changed))


def import_knowledge_points(
    context: AppContext, path: Path, progress: ProgressCallback = ignore_progress
) -> KnowledgePointImportSummary:
    """Read, check and apply a knowledge-point tree file in one transaction."""
    progress(ProgressUpdate(0, 2, LocalisedText("读取文件", "Reading the file")))
    table = read_table(Path(path), KP_COLUMNS)

    def work(session: Session) -> KnowledgePointImportSummary:
        parent = aliased(KnowledgePoint)
        known = dict(session.execute(
            select(KnowledgePoint.code, parent.code)
            .outerjoin(parent, KnowledgePoint.parent_id == parent.id)).all())
        entries = parse_knowledge_points(table, known)
        return apply_knowledge_points(session, context, entries)

    summary = context.database.run(work)
    progress(ProgressUpdate(2, 2, LocalisedText("完成", "Done")))
    return summary


def install_shipped_trees(session: Session, context: AppContext) -> int:
    """Load every shipped tree into the database; return how many points were added."""
    return sum(
        apply_knowledge_points(session, context, load_shipped_tree(key)).added
        for key in SHIPPED_TREES
    )
