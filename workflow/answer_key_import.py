"""Importing an answer key (题号, 题型, 答案, 分值, 给分规则, 知识点) into an exam.

Creates the exam when it does not exist. Each row becomes a bank item and its place in
the exam. Every row is checked (type, answer against the options, points, rule, that
each knowledge-point code exists) before anything is written; importing the same key
again changes nothing, a changed key updates the items it names with an audit entry.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.enums import AssessmentKind, ItemType, ScoringRule
from core.errors import BadInputError, ImportProblem, ImportRejectedError
from core.i18n import LocalisedText
from core.models import (
    Assessment,
    AssessmentItem,
    AssessmentSection,
    Item,
    KnowledgePoint,
    OptionalQuestionGroup,
    Response,
)
from core.progress import ProgressCallback, ProgressUpdate, ignore_progress
from workflow.audit_log import record_change
from workflow.context import AppContext
from workflow.school_records import current_school, find_subject
from workflow.table_reader import ColumnSpec, Table, TableRow, read_table

KEY_COLUMNS = (
    ColumnSpec("label", ("题号", "number", "item", "question")),
    ColumnSpec("type", ("题型", "type", "item type")),
    ColumnSpec("answer", ("答案", "参考答案", "标准答案", "answer", "key")),
    ColumnSpec("points", ("分值", "满分", "points", "score", "marks")),
    ColumnSpec("rule", ("给分规则", "评分规则", "rule", "scoring rule"), required=False),
    ColumnSpec("kps", ("知识点", "知识点编码", "kp", "kps", "knowledge points"), required=False),
    ColumnSpec("options", ("选项数", "选项个数", "options", "option count"), required=False),
    ColumnSpec("section", ("大题", "题组", "section"), required=False),
    ColumnSpec("group", ("选做组", "选做题", "optional group"), required=False),
    ColumnSpec("stem", ("题干", "题目", "stem"), required=False),
)

ITEM_TYPE_NAMES: dict[str, ItemType] = {
    **dict.fromkeys(("单选", "单选题", "单项选择", "单项选择题", "选择", "选择题", "single",
                     "single choice", "sc"), ItemType.SINGLE_CHOICE),
    **dict.fromkeys(("多选", "多选题", "多项选择", "多项选择题", "不定项", "不定项选择",
                     "multiple", "multiple choice", "mc"), ItemType.MULTIPLE_CHOICE),
    **dict.fromkeys(("判断", "判断题", "对错", "true/false", "truefalse", "tf", "true false"),
                    ItemType.TRUE_FALSE),
    **dict.fromkeys(("填空", "填空题", "fill", "fill in the blank", "blank", "fill-in"),
                    ItemType.FILL_BLANK),
    **dict.fromkeys(("解答", "解答题", "主观", "主观题", "简答", "简答题", "计算题", "作图题",
                     "证明题", "作文", "subjective", "essay", "open"), ItemType.SUBJECTIVE),
}
RULE_NAMES: dict[str, ScoringRule] = {
    **dict.fromkeys(("全对得分", "全对", "答对得分", "exact", "all or nothing"), ScoringRule.EXACT),
    **dict.fromkeys(("少选得半", "漏选得半", "少选得一半", "部分得分", "partial", "partial half",
                     "half"), ScoringRule.PARTIAL_HALF),
    **dict.fromkeys(("按选项给分", "按项给分", "每项给分", "per option"), ScoringRule.PER_OPTION),
    **dict.fromkeys(("人工", "人工阅卷", "手阅", "manual"), ScoringRule.MANUAL),
}
DEFAULT_RULES = {
    ItemType.SINGLE_CHOICE: ScoringRule.EXACT,
    ItemType.MULTIPLE_CHOICE: ScoringRule.PARTIAL_HALF,
    ItemType.TRUE_FALSE: ScoringRule.EXACT,
    ItemType.FILL_BLANK: ScoringRule.EXACT,
    ItemType.SUBJECTIVE: ScoringRule.MANUAL,
}
ALLOWED_RULES = {
    ItemType.SINGLE_CHOICE: {ScoringRule.EXACT},
    ItemType.MULTIPLE_CHOICE: {ScoringRule.EXACT, ScoringRule.PARTIAL_HALF,
                               ScoringRule.PER_OPTION},
    ItemType.TRUE_FALSE: {ScoringRule.EXACT},
    ItemType.FILL_BLANK: {ScoringRule.EXACT, ScoringRule.MANUAL},
    ItemType.SUBJECTIVE: {ScoringRule.MANUAL},
}
TRUE_WORDS = {"t", "true", "对", "正确", "√", "✓", "是", "y", "yes", "a"}
FALSE_WORDS = {"f", "false", "错", "错误", "×", "✗", "x", "否", "n", "no", "b"}
OPTION_LETTERS = "ABCDEFGH"
_KP_SEPARATORS = re.compile(r"[;；,，、\s]+")


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One checked answer-key row."""

    row: int
    label: str
    item_type: ItemType
    answer: str
    points: float
    rule: ScoringRule
    option_count: int | None
    kp_codes: tuple[str, ...]
    section: str | None = None
    group: str | None = None
    stem: str = ""


@dataclass(frozen=True, slots=True)
class ExamDetails:
    """Exam fields given on the command line or in the GUI, used when it is created."""

    name: str
    subject: str = "数学"
    held_on: dt.date = field(default_factory=dt.date.today)
    kind: AssessmentKind = AssessmentKind.EXAM
    grade_level: int | None = None


@dataclass(frozen=True, slots=True)
class KeyImportSummary:
    """What an answer-key import did."""

    assessment_id: int
    created_exam: bool
    items_added: int
    items_updated: int
    items_unchanged: int
    full_marks: float


def _parse_answer(
    table: Table, row: TableRow, item_type: ItemType, option_count: int
) -> tuple[str, list[ImportProblem]]:
    """The normalised answer ("ACD", "T", text) and any problem with it."""
    raw = row.get("answer").strip()
    letters = OPTION_LETTERS[:option_count]

    def problem(zh: str, en: str) -> list[ImportProblem]:
        return [table.problem(row.number, "answer", LocalisedText(zh, en))]

    if item_type is ItemType.TRUE_FALSE:
        word = raw.lower()
        if word in TRUE_WORDS:
            return "T", []
        if word in FALSE_WORDS:
            return "F", []
        return raw, problem(f"判断题答案“{raw}”无法识别，请填“对”或“错”（√/×、T/F 也可）。",
                            f"True/false answer '{raw}' is not recognised; use T or F.")
    if item_type in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_CHOICE):
        chosen = re.sub(r"[\s,，、;；]+", "", raw).upper()
        if not chosen:
            return raw, problem("选择题的答案为空。", "The answer of a choice item is empty.")
        outside = sorted({c for c in chosen if c not in letters})
        if outside:
            return raw, problem(
                f"答案“{raw}”含有选项之外的字母 {''.join(outside)}：本题只有 {letters[0]}–"
                f"{letters[-1]} 共 {option_count} 个选项（如有更多选项，请填写“选项数”列）。",
                f"Answer '{raw}' has {''.join(outside)}, outside this item's options "
                f"{letters[0]}–{letters[-1]} (fill in the option-count column for more).")
        if len(set(chosen)) != len(chosen):
            return raw, problem(f"答案“{raw}”中有重复的选项。",
                                f"Answer '{raw}' repeats an option.")
        if item_type is ItemType.SINGLE_CHOICE and len(chosen) != 1:
            return raw, problem(f"单选题只能有一个答案，而这里是“{raw}”"
                                "（多选题请把题型写成“多选”）。",
                                f"A single-choice item has one answer, not '{raw}' "
                                "(write 多选 as the type for multiple choice).")
        return "".join(sorted(chosen)), []
    return raw, []


def _parse_points(table: Table, row: TableRow) -> tuple[float | None, list[ImportProblem]]:
    text = row.get("points")
    try:
        points = float(text)
    except ValueError:
        return None, [table.problem(row.number, "points", LocalisedText(
            f"分值“{text}”不是数字。" if text else "分值为空。",
            f"Points '{text}' is not a number." if text else "Points are empty."))]
    if not 0 < points <= 200 or (points * 2) % 1:
        return None, [table.problem(row.number, "points", LocalisedText(
            f"分值 {text} 不合理：应为大于 0、不超过 200、以 0.5 为单位的数。",
            f"Points {text} must be above 0, at most 200, in steps of 0.5."))]
    return points, []


def _parse_row(table: Table, row: TableRow, known_kps: set[str]) -> tuple[
        KeyEntry | None, list[ImportProblem]]:
    problems: list[ImportProblem] = []
    label = row.get("label")
    if not label:
        problems.append(table.problem(row.number, "label", LocalisedText(
            "题号为空。", "The item number is empty.")))
    elif len(label) > 20:
        problems.append(table.problem(row.number, "label", LocalisedText(
            "题号过长（超过 20 个字符）。", "The item number is longer than 20 characters.")))
    if len(row.get("answer")) > 500:
        problems.append(table.problem(row.number, "answer", LocalisedText(
            "答案过长（超过 500 个字）。", "The answer is longer than 500 characters.")))
    type_text = row.get("type")
    item_type = ITEM_TYPE_NAMES.get(type_text.strip().lower())
    if item_type is None:
        problems.append(table.problem(row.number, "type", LocalisedText(
            f"题型“{type_text}”无法识别，请填：单选、多选、判断、填空或解答。",
            f"Item type '{type_text}' is not recognised; use 单选, 多选, 判断, 填空 or 解答.")))
        return None, problems
    option_count: int | None = None
    if item_type in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_CHOICE):
        option_text = row.get("options") or "4"
        if option_text.isdigit() and 2 <= int(option_text) <= len(OPTION_LETTERS):
            option_count = int(option_text)
        else:
            problems.append(table.problem(row.number, "options", LocalisedText(
                f"选项数“{option_text}”应为 2 到 8 之间的整数。",
                f"Option count '{option_text}' must be a whole number from 2 to 8.")))
            option_count = len(OPTION_LETTERS)
    elif item_type is ItemType.TRUE_FALSE:
        option_count = 2
    answer, answer_problems = _parse_answer(table, row, item_type, option_count or 0)
    problems += answer_problems
    points, point_problems = _parse_points(table, row)
    problems += point_problems
    rule_text = row.get("rule").strip().lower()
    rule = RULE_NAMES.get(rule_text) if rule_text else DEFAULT_RULES[item_type]
    if rule is None:
        problems.append(table.problem(row.number, "rule", LocalisedText(
            f"给分规则“{row.get('rule')}”无法识别，可填：全对得分、少选得半、按选项给分、人工。",
            f"Scoring rule '{row.get('rule')}' is not recognised; use exact, partial half, "
            "per option or manual.")))
    elif rule not in ALLOWED_RULES[item_type]:
        problems.append(table.problem(row.number, "rule", LocalisedText(
            f"给分规则“{row.get('rule')}”不适用于{type_text}。",
            f"Scoring rule '{row.get('rule')}' does not apply to a {item_type.value} item.")))
    # dict.fromkeys: a code written twice tags the item once (the link table allows one)
    codes = tuple(dict.fromkeys(code for code in _KP_SEPARATORS.split(row.get("kps")) if code))
    for code in codes:
        if code not in known_kps:
            problems.append(table.problem(row.number, "kps", LocalisedText(
                f"知识点编码 {code} 不存在，请先导入知识点，或改正编码。",
                f"Knowledge-point code {code} does not exist; import the tree first or fix it.")))
    if problems or points is None or rule is None:
        return None, problems
    return KeyEntry(row.number, label, item_type, answer, points, rule, option_count, codes,
                    row.get("section") or None, row.get("group") or None, row.get("stem")), []


def parse_answer_key(table: Table, known_kps: set[str]) -> list[KeyEntry]:
    """Check every row; raise with all problems, or return the entries in file order."""
    problems: list[ImportProblem] = []
    entries: list[KeyEntry] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        label = row.get("label")
        if label and label in seen:
            problems.append(table.problem(row.number, "label", LocalisedText(
                f"题号 {label} 与第 {seen[label]} 行重复。",
                f"Item number {label} repeats row {seen[label]}.")))
            continue
        seen[label] = row.number
        entry, row_problems = _parse_row(table, row, known_kps)
        problems += row_problems
        if entry is not None:
            entries.append(entry)
    if not problems and not entries:
        problems.append(table.problem(None, None, LocalisedText(
            "表中没有题目（只有表头）。", "The table has no items, only a header.")))
    if problems:
        raise ImportRejectedError(problems, source=table.source)
    return entries


def import_answer_key(
    context: AppContext,
    path: Path,
    exam: ExamDetails,
    progress: ProgressCallback = ignore_progress,
) -> KeyImportSummary:
    """Read, check and apply an answer key to the exam named in `exam`, in one transaction."""
    progress(ProgressUpdate(0, 2, LocalisedText("读取文件", "Reading the file")))
    table = read_table(Path(path), KEY_COLUMNS)

    def work(session: Session) -> KeyImportSummary:
        known = set(session.scalars(select(KnowledgePoint.code)))
        return apply_answer_key(session, context, exam, parse_answer_key(table, known))

    summary = context.database.run(work)
    progress(ProgressUpdate(2, 2, LocalisedText("完成", "Done")))
    return summary


def _find_or_create_exam(session: Session, exam: ExamDetails) -> tuple[Assessment, bool]:
    school = current_school(session)
    assessment = session.scalars(select(Assessment).where(
        Assessment.school_id == school.id, Assessment.name == exam.name)).first()
    if assessment is not None:
        return assessment, False
    subject = find_subject(session, exam.subject)
    if subject is None:
        raise BadInputError(LocalisedText(f"学科“{exam.subject}”无法识别。",
                                          f"Subject '{exam.subject}' is not recognised."))
    assessment = Assessment(school_id=school.id, name=exam.name, kind=exam.kind,
                            subject_id=subject.id, held_on=exam.held_on,
                            grade_level=exam.grade_level)
    session.add(assessment)
    session.flush()
    return assessment, True


def _named(session: Session, model: type, assessment_id: int, name: str | None,
           cache: dict[str, int]) -> int | None:
    if not name:
        return None
    if name not in cache:
        found = session.scalars(select(model).where(
            model.assessment_id == assessment_id, model.name == name)).first()
        if found is None:
            found = model(assessment_id=assessment_id, name=name, **(
                {"position": len(cache)} if model is AssessmentSection else {}))
            session.add(found)
            session.flush()
        cache[name] = found.id
    return cache[name]


def apply_answer_key(
    session: Session, context: AppContext, exam: ExamDetails, entries: list[KeyEntry]
) -> KeyImportSummary:
    """Create or update the exam's items from checked entries (caller's transaction)."""
    assessment, created = _find_or_create_exam(session, exam)
    kps = {point.code: point for point in session.scalars(select(KnowledgePoint))}
    current = {ai.label: ai for ai in session.scalars(
        select(AssessmentItem).where(AssessmentItem.assessment_id == assessment.id))}
    removed = set(current) - {entry.label for entry in entries}
    _drop_removed_items(session, context, assessment, current, removed)
    sections: dict[str, int] = {}
    groups: dict[str, int] = {}
    added = updated = 0
    for position, entry in enumerate(entries):
        wanted = {
            "item_type": entry.item_type, "answer": entry.answer, "points": entry.points,
            "scoring_rule": entry.rule, "option_count": entry.option_count,
            "stem": entry.stem,
        }
        placement = current.get(entry.label)
        section_id = _named(session, AssessmentSection, assessment.id, entry.section, sections)
        group_id = _named(session, OptionalQuestionGroup, assessment.id, entry.group, groups)
        if placement is None:
            item = Item(subject_id=assessment.subject_id, **wanted)
            item.knowledge_points = [kps[code] for code in entry.kp_codes]
            session.add(item)
            session.flush()
            session.add(AssessmentItem(assessment_id=assessment.id, item_id=item.id,
                                       label=entry.label, position=position,
                                       points=entry.points, section_id=section_id,
                                       optional_group_id=group_id))
            added += 1
            continue
        item = placement.item
        before = {key: getattr(item, key) for key in wanted}
        before_kps = tuple(point.code for point in item.knowledge_points)
        placement_before = (placement.position, placement.points, placement.section_id,
                            placement.optional_group_id)
        if before == wanted and before_kps == tuple(sorted(entry.kp_codes)) and (
                placement_before == (position, entry.points, section_id, group_id)):
            continue
        for key, value in wanted.items():
            if before[key] != value:
                record_change(session, context, "update_key", "item", item.id, key,
                              before[key], value)
                setattr(item, key, value)
        item.knowledge_points = [kps[code] for code in entry.kp_codes]
        placement.position, placement.points = position, entry.points
        placement.section_id, placement.optional_group_id = section_id, group_id
        updated += 1
    if added or updated or removed:
        record_change(session, context, "import_key", "assessment", assessment.id, None, None,
                      f"{added} added, {updated} updated, {len(removed)} removed")
    return KeyImportSummary(assessment.id, created, added, updated,
                            len(entries) - added - updated,
                            sum(entry.points for entry in entries))


def _drop_removed_items(session: Session, context: AppContext, assessment: Assessment,
                        current: dict[str, AssessmentItem], removed: set[str]) -> None:
    """Remove items the new key no longer has, unless students already answered them."""
    if not removed:
        return
    answered = session.scalar(select(func.count(Response.id)).where(
        Response.assessment_item_id.in_([current[label].id for label in removed])))
    if answered:
        labels = "、".join(sorted(removed))
        raise BadInputError(LocalisedText(
            f"新答案中没有题号 {labels}，但这些题已有学生作答记录，不能删除。请保留这些题号。",
            f"The new key drops item(s) {labels}, which already have student answers; "
            "keep those items."))
    for label in removed:
        record_change(session, context, "remove_item", "assessment", assessment.id, "label",
                      label, None)
        session.delete(current[label])
    session.flush()
