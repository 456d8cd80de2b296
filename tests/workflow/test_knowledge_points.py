import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core.errors import ImportRejectedError
from core.models import AuditEntry, KnowledgePoint
from tests.table_files import write_csv, write_xlsx
from workflow.knowledge_point_import import (
    SHIPPED_TREES,
    import_knowledge_points,
    load_shipped_tree,
    parse_grades,
)

HEADER = ["编码", "名称", "上级编码", "学科", "年级"]
SMALL_TREE = [
    HEADER,
    ["TC", "测试化学（虚构）", "", "化学", "9"],
    ["TC.1", "测试单元一", "TC", "化学", "9"],
    ["TC.1.1", "测试知识点甲", "TC.1", "chemistry", "九年级"],
    ["MA.7A.01.99", "测试补充点", "MA.7A.01", "数学", "7"],
]


@pytest.fixture(scope="module", params=sorted(SHIPPED_TREES))
def shipped(request):
    return request.param, load_shipped_tree(request.param)


def test_shipped_tree_has_one_root_unique_codes_and_known_parents(shipped):
    _key, entries = shipped
    codes = [entry.code for entry in entries]
    assert len(codes) == len(set(codes))
    assert len([entry for entry in entries if entry.parent_code is None]) == 1
    assert {entry.parent_code for entry in entries} - {None} <= set(codes)


def test_shipped_tree_grades_narrow_down_the_tree(shipped):
    _key, entries = shipped
    by_code = {entry.code: entry for entry in entries}
    for entry in entries:
        assert entry.grades, entry.code
        if entry.parent_code:
            assert set(entry.grades) <= set(by_code[entry.parent_code].grades), entry.code


def test_shipped_tree_is_deep(shipped):
    _key, entries = shipped
    parents = {entry.code: entry.parent_code for entry in entries}

    def depth(code):
        return 0 if parents[code] is None else 1 + depth(parents[code])

    assert max(depth(code) for code in parents) >= 4


def test_shipped_trees_cover_their_grades():
    math, physics = load_shipped_tree("math"), load_shipped_tree("physics")
    assert len(math) >= 150
    assert {grade for entry in math for grade in entry.grades} == {7, 8, 9}
    assert {grade for entry in physics for grade in entry.grades} == {8, 9}
    assert {entry.subject for entry in math} == {"数学"}
    assert {entry.subject for entry in physics} == {"物理"}


def test_shipped_trees_are_in_a_new_database_with_their_parents(context):
    expected = {(entry.code, entry.parent_code)
                for key in SHIPPED_TREES for entry in load_shipped_tree(key)}
    parent = aliased(KnowledgePoint)
    with context.database.transaction() as session:
        stored = set(session.execute(
            select(KnowledgePoint.code, parent.code)
            .outerjoin(parent, KnowledgePoint.parent_id == parent.id)).all())
    assert stored == expected


@pytest.mark.parametrize(("text", "grades"), [
    ("7;8", (7, 8)), ("7-9", (7, 8, 9)), ("七年级、八年级", (7, 8)), ("", ()), ("全部", None),
    ("9-7", None),
])
def test_parse_grades(text, grades):
    assert parse_grades(text) == grades


def kp_count(context) -> int:
    with context.database.transaction() as session:
        return session.scalar(select(func.count(KnowledgePoint.id)))


def stored(context, code):
    with context.database.transaction() as session:
        point = session.scalars(select(KnowledgePoint).where(KnowledgePoint.code == code)).one()
        return (point.name, point.parent.code if point.parent else None, point.subject.name,
                list(point.grades))


def test_small_tree_is_imported_and_importing_again_changes_nothing(context, tmp_path):
    before = kp_count(context)
    path = write_xlsx(tmp_path / "知识点.xlsx", SMALL_TREE)
    summary = import_knowledge_points(context, path)
    assert (summary.rows, summary.added, summary.updated, summary.unchanged) == (4, 4, 0, 0)
    assert kp_count(context) == before + 4
    assert stored(context, "TC.1.1") == ("测试知识点甲", "TC.1", "化学", [9])
    assert stored(context, "MA.7A.01.99") == ("测试补充点", "MA.7A.01", "数学", [7])
    again = import_knowledge_points(context, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    assert kp_count(context) == before + 4


def test_renamed_and_moved_points_are_updated(context, tmp_path):
    import_knowledge_points(context, write_xlsx(tmp_path / "a.xlsx", SMALL_TREE))
    changed = [row[:] for row in SMALL_TREE]
    changed[2][1] = "测试单元一（修订）"
    changed[3][2] = "TC"
    summary = import_knowledge_points(context, write_csv(tmp_path / "b.csv", changed))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 2, 2)
    assert stored(context, "TC.1")[0] == "测试单元一（修订）"
    assert stored(context, "TC.1.1")[1] == "TC"
    with context.database.transaction() as session:
        audit = session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "knowledge_point")).all()
    assert [(a.field, a.old_value, a.new_value) for a in audit] == [
        ("name", "测试单元一", "测试单元一（修订）")]


@pytest.mark.parametrize(("rows", "located", "words"), [
    ([["TC.2", "测试点", "TC.9", "化学", "9"]], [(3, "上级编码")], "TC.9"),
    ([["TC.2", "测试点", "TC.2", "化学", "9"]], [(3, "上级编码")], "不能是自己"),
    ([["TC.A", "测试点甲", "TC.B", "化学", "9"], ["TC.B", "测试点乙", "TC.A", "化学", "9"]],
     [(3, "上级编码"), (4, "上级编码")], "循环"),
    ([["TC.2", "测试点", "TC", "炼金术", "9"]], [(3, "学科")], "炼金术"),
    ([["TC.2", "测试点", "TC", "化学", "全部"]], [(3, "年级")], "全部"),
    ([["测试码", "测试点", "TC", "化学", "9"]], [(3, "编码")], "测试码"),
    ([["TC", "测试重复", "", "化学", "9"]], [(3, "编码")], "重复"),
    ([["TC.2", "", "TC", "化学", "9"]], [(3, "名称")], "名称为空"),
])
def test_bad_tree_is_rejected_and_nothing_is_written(context, tmp_path, rows, located, words):
    before = kp_count(context)
    path = write_csv(tmp_path / "知识点.csv", [HEADER, ["TC", "测试根", "", "化学", "9"], *rows])
    with pytest.raises(ImportRejectedError) as caught:
        import_knowledge_points(context, path)
    assert [(p.row, p.column) for p in caught.value.problems] == located
    assert words in caught.value.message("zh_CN")
    assert kp_count(context) == before


def test_loop_through_points_already_in_the_database_is_rejected(context, tmp_path):
    path = write_csv(tmp_path / "知识点.csv",
                     [HEADER, ["MA.7A", "七年级上册", "MA.7A.01.01", "数学", "7"]])
    with pytest.raises(ImportRejectedError) as caught:
        import_knowledge_points(context, path)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "上级编码")]
    assert stored(context, "MA.7A")[1] == "MA"
