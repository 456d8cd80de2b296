import datetime as dt

import pytest
from sqlalchemy import func, select

from core.enums import Gender
from core.errors import ImportRejectedError
from core.models import AuditEntry, ClassMembership, Grade, School, SchoolClass, Student
from tests.table_files import write_csv, write_xlsx
from workflow.roster_import import import_roster

HEADER = ["班级", "学号", "姓名", "性别", "年级"]
ROSTER = [
    HEADER,
    ["七年级(1)班", "T001", "赵同学01", "男", ""],
    ["七年级(1)班", "T002", "赵同学02", "女", ""],
    ["七年级(2)班", "T003", "赵同学03", "女", ""],
    ["实验班", "T004", "赵同学04", "", "九年级"],
]
FIRST_DAY = dt.date(2024, 9, 1)
LATER = dt.date(2025, 2, 17)


def counts(context) -> dict[str, int]:
    with context.database.transaction() as session:
        return {model.__name__: session.scalar(select(func.count()).select_from(model))
                for model in (School, Grade, SchoolClass, Student, ClassMembership, AuditEntry)}


def rejected(context, path) -> ImportRejectedError:
    before = counts(context)
    with pytest.raises(ImportRejectedError) as caught:
        import_roster(context, path)
    assert counts(context) == before
    return caught.value


def test_roster_creates_classes_grades_and_students(context, tmp_path):
    summary = import_roster(context, write_xlsx(tmp_path / "名单.xlsx", ROSTER), today=FIRST_DAY)
    assert (summary.rows, summary.added, summary.classes_created) == (4, 4, 3)
    assert summary.changed_anything
    with context.database.transaction() as session:
        levels = dict(session.execute(
            select(SchoolClass.name, Grade.level).join(Grade, SchoolClass.grade_id == Grade.id)
        ).all())
        genders = dict(session.execute(select(Student.student_number, Student.gender)).all())
        placed = dict(session.execute(
            select(Student.student_number, SchoolClass.name)
            .join(ClassMembership, ClassMembership.student_id == Student.id)
            .join(SchoolClass, ClassMembership.class_id == SchoolClass.id)).all())
    assert levels == {"七年级(1)班": 7, "七年级(2)班": 7, "实验班": 9}
    assert genders == {"T001": Gender.MALE, "T002": Gender.FEMALE, "T003": Gender.FEMALE,
                       "T004": Gender.UNKNOWN}
    assert placed == {"T001": "七年级(1)班", "T002": "七年级(1)班", "T003": "七年级(2)班",
                      "T004": "实验班"}


def test_importing_the_same_roster_again_changes_nothing(context, tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", ROSTER)
    import_roster(context, path, today=FIRST_DAY)
    before = counts(context)
    summary = import_roster(context, path, today=LATER)
    assert not summary.changed_anything
    assert summary.unchanged == 4
    assert counts(context) == before


def test_changed_name_updates_one_student_with_an_audit_entry(context, tmp_path):
    import_roster(context, write_xlsx(tmp_path / "a.xlsx", ROSTER), today=FIRST_DAY)
    renamed = [row[:] for row in ROSTER]
    renamed[2][2] = "测试乙"
    before = counts(context)
    summary = import_roster(context, write_xlsx(tmp_path / "b.xlsx", renamed), today=LATER)
    assert (summary.renamed, summary.added, summary.moved, summary.unchanged) == (1, 0, 0, 3)
    assert counts(context)["Student"] == before["Student"]
    with context.database.transaction() as session:
        names = dict(session.execute(select(Student.student_number, Student.name)).all())
        student_id = session.scalar(select(Student.id).where(Student.student_number == "T002"))
        audit = session.scalars(select(AuditEntry).where(AuditEntry.field == "name")).all()
    assert names["T002"] == "测试乙" and names["T001"] == "赵同学01"
    assert [(a.entity, a.entity_id, a.old_value, a.new_value) for a in audit] == [
        ("student", student_id, "赵同学02", "测试乙")]
    assert audit[0].actor == "tester"


def test_student_who_moved_class_keeps_one_record_and_gets_a_new_membership(context, tmp_path):
    import_roster(context, write_xlsx(tmp_path / "a.xlsx", ROSTER), today=FIRST_DAY)
    moved = [row[:] for row in ROSTER]
    moved[1][0] = "七年级(2)班"
    summary = import_roster(context, write_csv(tmp_path / "b.csv", moved), today=LATER)
    assert (summary.moved, summary.added, summary.classes_created) == (1, 0, 0)
    with context.database.transaction() as session:
        students = session.scalars(select(Student).where(Student.student_number == "T001")).all()
        assert len(students) == 1
        history = [(m.school_class.name, m.started_on, m.ended_on)
                   for m in students[0].memberships]
        assert session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "move_class", AuditEntry.entity_id == students[0].id)) == 1
    assert history == [("七年级(1)班", FIRST_DAY, LATER), ("七年级(2)班", LATER, None)]


@pytest.mark.parametrize(("bad_row", "column", "words"), [
    (["七年级(1)班", "T001", "测试甲", "男", ""], "学号", "重复"),
    (["七年级(1)班", "", "测试甲", "男", ""], "学号", "学号为空"),
    (["七年级(1)班", "T009", "", "男", ""], "姓名", "姓名为空"),
    (["七年级(1)班", "T009", "测试甲", "不详", ""], "性别", "不详"),
    (["七年级(1)班", "T0 09#", "测试甲", "男", ""], "学号", "不允许"),
    (["七年级(1)班", "T009", "测试甲", "男", "十三年级"], "年级", "十三年级"),
    (["", "T009", "测试甲", "男", ""], "班级", "班级为空"),
])
def test_bad_last_row_is_located_and_nothing_is_written(context, tmp_path, bad_row, column,
                                                        words):
    path = write_xlsx(tmp_path / "名单.xlsx", [*ROSTER, bad_row])
    error = rejected(context, path)
    assert [(p.row, p.column) for p in error.problems] == [(6, column)]
    assert words in error.message("zh_CN")


def test_bad_row_after_many_good_rows_writes_nothing(context, tmp_path):
    good = [[f"七年级({n % 5 + 1})班", f"S{n:04d}", f"赵同学{n:02d}", "男", ""]
            for n in range(300)]
    last = ["七年级(1)班", "S9999", "", "女", ""]
    path = write_xlsx(tmp_path / "名单.xlsx", [HEADER, *good, last])
    error = rejected(context, path)
    assert [(p.row, p.column) for p in error.problems] == [(302, "姓名")]
    assert counts(context)["Student"] == 0


def test_every_problem_of_a_file_is_reported_together(context, tmp_path):
    path = write_csv(tmp_path / "名单.csv", [
        *ROSTER,
        ["七年级(2)班", "T002", "测试甲", "男", ""],
        ["七年级(2)班", "T010", "", "女", ""],
        ["七年级(2)班", "T011", "测试丙", "未知", ""],
    ], encoding="gbk")
    error = rejected(context, path)
    located = [(p.row, p.column) for p in error.problems]
    assert located == [(6, "学号"), (7, "姓名"), (8, "性别")]
    chinese, english = error.message("zh_CN"), error.message("en")
    assert "3 处问题" in chinese
    for row, column in located:
        assert f"第 {row} 行" in chinese and f"“{column}”列" in chinese
        assert f"row {row}" in english and f"column {column}" in english
    assert "T002" in chinese and "第 3 行" in chinese  # the repeat names the first row


def test_bad_row_after_an_existing_roster_leaves_it_untouched(context, tmp_path):
    import_roster(context, write_xlsx(tmp_path / "a.xlsx", ROSTER), today=FIRST_DAY)
    changed = [row[:] for row in ROSTER]
    changed[1][2] = "测试改名"
    changed.append(["八年级(1)班", "T020", "测试新", "女", ""])
    changed.append(["八年级(1)班", "T021", "", "女", ""])
    rejected(context, write_xlsx(tmp_path / "b.xlsx", changed))
    with context.database.transaction() as session:
        assert session.scalar(select(Student.name).where(Student.student_number == "T001")) \
            == "赵同学01"
        assert session.scalar(select(SchoolClass.id).where(SchoolClass.name == "八年级(1)班")) \
            is None


def test_roster_with_only_a_header_is_rejected(context, tmp_path):
    error = rejected(context, write_xlsx(tmp_path / "名单.xlsx", [["测试名单"], HEADER]))
    assert "只有表头" in error.message("zh_CN")
    assert "only a header" in error.message("en")


def test_overlong_class_name_is_a_located_problem(context, tmp_path):
    path = write_csv(tmp_path / "roster.csv", [HEADER, ["班" * 101, "T9", "赵同学09", "男", ""]])
    error = rejected(context, path)
    assert [(problem.row, problem.column) for problem in error.problems] == [(2, "班级")]
