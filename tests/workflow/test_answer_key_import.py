import datetime as dt

import pytest
from sqlalchemy import func, select

from core.enums import ItemType, ScoringRule
from core.errors import ImportRejectedError
from core.models import Assessment, AssessmentItem, AuditEntry, Item, ItemKnowledgePoint
from tests.table_files import write_csv, write_xlsx
from workflow.answer_key_import import ExamDetails, import_answer_key

EXAM = ExamDetails(name="测试月考（虚构）", subject="数学", held_on=dt.date(2024, 10, 15),
                   grade_level=7)
HEADER = ["题号", "题型", "答案", "分值", "给分规则", "知识点", "选项数"]
KEY = [
    HEADER,
    ["1", "单选", "B", 3, "", "MA.7A.01.02.02", ""],
    ["2", "多选", "C A", 4, "少选得半", "MA.7A.01.03.01;MA.7A.01.03.02", ""],
    ["3", "判断", "√", 2, "", "MA.7A.01.02.03", ""],
    ["4", "判断", "×", 2.5, "", "", ""],
    ["5", "填空", "-3", 3, "全对得分", "MA.7A.01.02.04", ""],
    ["6", "解答", "见评分细则", 12, "人工", "MA.8A.01.01.01、MA.7A.01.05.03", ""],
]


def key_file(tmp_path, rows, name="答案.xlsx"):
    return write_xlsx(tmp_path / name, rows)


def with_row(row):
    return [*KEY, row]


def counts(context) -> dict[str, int]:
    with context.database.transaction() as session:
        return {model.__name__: session.scalar(select(func.count()).select_from(model))
                for model in (Assessment, AssessmentItem, Item, ItemKnowledgePoint, AuditEntry)}


def rejected(context, path) -> ImportRejectedError:
    before = counts(context)
    with pytest.raises(ImportRejectedError) as caught:
        import_answer_key(context, path, EXAM)
    assert counts(context) == before
    return caught.value


def items_by_label(session, exam_name=EXAM.name) -> dict[str, tuple]:
    placements = session.scalars(
        select(AssessmentItem).join(Assessment).where(Assessment.name == exam_name)
        .order_by(AssessmentItem.position)).all()
    return {p.label: (p.item.item_type, p.item.answer, p.points, p.item.scoring_rule,
                      p.item.option_count, [kp.code for kp in p.item.knowledge_points])
            for p in placements}


def test_key_with_every_item_type_creates_the_exam(context, tmp_path):
    summary = import_answer_key(context, key_file(tmp_path, KEY), EXAM)
    assert summary.created_exam
    assert (summary.items_added, summary.items_updated, summary.items_unchanged) == (6, 0, 0)
    assert summary.full_marks == 26.5
    with context.database.transaction() as session:
        exam = session.get(Assessment, summary.assessment_id)
        assert (exam.name, exam.subject.name, exam.held_on, exam.grade_level) == (
            EXAM.name, "数学", EXAM.held_on, 7)
        items = items_by_label(session)
    assert list(items) == ["1", "2", "3", "4", "5", "6"]
    assert items == {
        "1": (ItemType.SINGLE_CHOICE, "B", 3, ScoringRule.EXACT, 4, ["MA.7A.01.02.02"]),
        "2": (ItemType.MULTIPLE_CHOICE, "AC", 4, ScoringRule.PARTIAL_HALF, 4,
              ["MA.7A.01.03.01", "MA.7A.01.03.02"]),
        "3": (ItemType.TRUE_FALSE, "T", 2, ScoringRule.EXACT, 2, ["MA.7A.01.02.03"]),
        "4": (ItemType.TRUE_FALSE, "F", 2.5, ScoringRule.EXACT, 2, []),
        "5": (ItemType.FILL_BLANK, "-3", 3, ScoringRule.EXACT, None, ["MA.7A.01.02.04"]),
        "6": (ItemType.SUBJECTIVE, "见评分细则", 12, ScoringRule.MANUAL, None,
              ["MA.7A.01.05.03", "MA.8A.01.01.01"]),
    }


def test_answers_are_normalised(context, tmp_path):
    rows = [HEADER,
            ["1", "多选题", "d, b", 4, "", "", ""],
            ["2", "判断", "对", 2, "", "", ""],
            ["3", "判断", "F", 2, "", "", ""],
            ["4", "单选", "c", 3, "", "", ""]]
    import_answer_key(context, write_csv(tmp_path / "答案.csv", rows), EXAM)
    with context.database.transaction() as session:
        answers = {label: item[1] for label, item in items_by_label(session).items()}
    assert answers == {"1": "BD", "2": "T", "3": "F", "4": "C"}


def test_fifth_option_needs_an_option_count(context, tmp_path):
    error = rejected(context, key_file(tmp_path, [HEADER, ["1", "单选", "E", 3, "", "", ""]]))
    assert [(p.row, p.column) for p in error.problems] == [(2, "答案")]
    assert "E" in error.message("zh_CN") and "A–D" in error.message("zh_CN")
    summary = import_answer_key(
        context, key_file(tmp_path, [HEADER, ["1", "单选", "E", 3, "", "", 5]], "b.xlsx"), EXAM)
    assert summary.items_added == 1
    with context.database.transaction() as session:
        item = items_by_label(session)["1"]
    assert (item[1], item[4]) == ("E", 5)


@pytest.mark.parametrize(("bad_row", "column", "words"), [
    (["7", "单选", "A", "三分", "", "", ""], "分值", "三分"),
    (["7", "单选", "A", 0, "", "", ""], "分值", "分值 0 不合理"),
    (["7", "单选", "A", 2.3, "", "", ""], "分值", "2.3"),
    (["7", "单选", "A", "", "", "", ""], "分值", "分值为空"),
    (["7", "单选", "A", 3, "", "MA.7A.01.02.02;MA.9Z.99", ""], "知识点", "MA.9Z.99"),
    (["1", "单选", "A", 3, "", "", ""], "题号", "与第 2 行重复"),
    (["7", "连线题", "A", 3, "", "", ""], "题型", "连线题"),
    (["7", "单选", "A", 3, "少选得半", "", ""], "给分规则", "少选得半"),
    (["7", "解答", "略", 10, "全对得分", "", ""], "给分规则", "全对得分"),
    (["7", "单选", "AB", 3, "", "", ""], "答案", "单选题只能有一个答案"),
    (["7", "多选", "AA", 3, "", "", ""], "答案", "重复"),
    (["7", "判断", "也许", 2, "", "", ""], "答案", "也许"),
    (["7", "单选", "", 3, "", "", ""], "答案", "答案为空"),
    (["7", "单选", "A", 3, "", "", "9"], "选项数", "9"),
    (["7", "单选", "A", 3, "按心情", "", ""], "给分规则", "按心情"),
])
def test_bad_row_is_located_and_nothing_is_written(context, tmp_path, bad_row, column, words):
    error = rejected(context, key_file(tmp_path, with_row(bad_row)))
    assert [(p.row, p.column) for p in error.problems] == [(8, column)]
    assert words in error.message("zh_CN")
    assert "row 8" in error.message("en")


def test_every_bad_row_is_reported(context, tmp_path):
    rows = [*KEY,
            ["7", "单选", "E", 3, "", "", ""],
            ["8", "多选", "AB", "三分", "", "", ""],
            ["9", "单选", "A", 3, "", "MA.9Z.99", ""]]
    error = rejected(context, key_file(tmp_path, rows))
    assert [(p.row, p.column) for p in error.problems] == [
        (8, "答案"), (9, "分值"), (10, "知识点")]


def test_same_knowledge_point_named_twice_tags_the_item_once(context, tmp_path):
    rows = [HEADER, ["1", "单选", "A", 3, "", "MA.7A.01.02.02;MA.7A.01.02.02", ""]]
    summary = import_answer_key(context, key_file(tmp_path, rows), EXAM)
    assert summary.items_added == 1
    with context.database.transaction() as session:
        assert items_by_label(session)["1"][5] == ["MA.7A.01.02.02"]
    again = import_answer_key(context, key_file(tmp_path, rows), EXAM)
    assert (again.items_updated, again.items_unchanged) == (0, 1)


def test_importing_the_same_key_again_changes_no_item(context, tmp_path):
    path = key_file(tmp_path, KEY)
    first = import_answer_key(context, path, EXAM)
    with context.database.transaction() as session:
        before = items_by_label(session)
    counted = counts(context)
    again = import_answer_key(context, path, EXAM)
    assert not again.created_exam and again.assessment_id == first.assessment_id
    assert (again.items_added, again.items_updated, again.items_unchanged) == (0, 0, 6)
    with context.database.transaction() as session:
        assert items_by_label(session) == before
        assert session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "update_key")) == 0
    after = counts(context)
    assert after == counted


def test_changed_answer_updates_one_item_with_an_audit_entry(context, tmp_path):
    import_answer_key(context, key_file(tmp_path, KEY), EXAM)
    changed = [row[:] for row in KEY]
    changed[1][2] = "D"
    summary = import_answer_key(context, key_file(tmp_path, changed, "b.xlsx"), EXAM)
    assert (summary.items_added, summary.items_updated, summary.items_unchanged) == (0, 1, 5)
    with context.database.transaction() as session:
        items = items_by_label(session)
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "update_key")).all()
        item_id = session.scalar(select(AssessmentItem.item_id).where(AssessmentItem.label == "1"))
    assert items["1"][1] == "D" and items["2"][1] == "AC"
    assert [(a.entity, a.entity_id, a.field, a.old_value, a.new_value) for a in audit] == [
        ("item", item_id, "answer", "B", "D")]


def test_rejected_key_for_an_existing_exam_keeps_the_old_key(context, tmp_path):
    import_answer_key(context, key_file(tmp_path, KEY), EXAM)
    changed = [row[:] for row in KEY]
    changed[1][2] = "D"
    changed.append(["7", "单选", "Z", 3, "", "", ""])
    rejected(context, key_file(tmp_path, changed, "b.xlsx"))
    with context.database.transaction() as session:
        assert items_by_label(session)["1"][1] == "B"


def test_key_with_only_a_header_is_rejected(context, tmp_path):
    error = rejected(context, key_file(tmp_path, [HEADER]))
    assert "只有表头" in error.message("zh_CN")
