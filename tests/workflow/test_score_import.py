"""`ptw import scores`: per-item scores from another marking system, checked cell by cell."""

from pathlib import Path

import pytest
from sqlalchemy import select

from core.enums import ScoredBy
from core.errors import ImportRejectedError
from core.models import AssessmentItem, AuditEntry, Response, Student
from tests.table_files import write_xlsx
from tests.workflow.ptw_process import run_ptw
from tests.workflow.scanned_sheets import STUDENTS, ScanExam, make_scan_exam
from workflow.context import AppContext
from workflow.score_import import import_scores

pytestmark = pytest.mark.database


@pytest.fixture
def exam(context: AppContext, tmp_path: Path) -> ScanExam:
    """An exam with a roster and 29 items (1–20 worth 3, 21–24 worth 4, …)."""
    return make_scan_exam(context, tmp_path)


def _scores(context: AppContext) -> dict[tuple[str, str], tuple[float | None, ScoredBy | None]]:
    with context.database.transaction() as session:
        rows = session.execute(select(Student.student_number, AssessmentItem.label,
                                      Response.score, Response.scored_by)
                               .join(Response, Response.student_id == Student.id)
                               .join(AssessmentItem,
                                     Response.assessment_item_id == AssessmentItem.id))
        return {(n, label): (score, by) for n, label, score, by in rows}


def test_scores_are_written_per_student_and_item(context: AppContext, exam: ScanExam,
                                                 tmp_path: Path) -> None:
    table = tmp_path / "scores.xlsx"
    write_xlsx(table, [["姓名", "学号", "第1题", "2", "T27", "总分"],
                       ["甲", STUDENTS[0], 3, 0, 7.5, 10.5],
                       ["乙", STUDENTS[1], 0, "", 12, 12]])
    summary = import_scores(context, table, exam.exam_id)
    assert (summary.students, summary.items, summary.scores) == (2, 3, 5)
    scores = _scores(context)
    assert scores[(STUDENTS[0], "27")] == (7.5, ScoredBy.IMPORT)
    assert scores[(STUDENTS[1], "2")] == (None, None)
    write_xlsx(table, [["学号", "1"], [STUDENTS[0], 0]])
    assert import_scores(context, table, exam.exam_id).changed == 1
    with context.database.transaction() as session:
        audit = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "import_score")).one()
        assert (audit.old_value, audit.new_value) == ("3.0", "0.0")


def test_a_bad_table_is_refused_whole_with_every_problem_located(
        context: AppContext, exam: ScanExam, tmp_path: Path) -> None:
    table = tmp_path / "bad.xlsx"
    write_xlsx(table, [["学号", "1", "21"],
                       [STUDENTS[0], 3, 5],          # 5 > 4 points
                       ["12345678", 1, 1],           # not on the roster
                       [STUDENTS[2], "对", 2],        # not a number
                       [STUDENTS[2], 1, 1]])         # twice
    with pytest.raises(ImportRejectedError) as rejected:
        import_scores(context, table, exam.exam_id)
    where = {(p.row, p.column) for p in rejected.value.problems}
    assert where == {(2, "21"), (3, "学号"), (4, "1"), (5, "学号")}
    assert _scores(context) == {}


def test_the_command_reports_and_refuses(station_env: dict[str, str], exam: ScanExam,
                                         tmp_path: Path) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(f"学号,1,2\n{STUDENTS[3]},3,3\n", encoding="utf-8")
    bad.write_text("姓名,总分\n甲,90\n", encoding="utf-8")
    done = run_ptw(station_env, "import", "scores", str(good), "--exam", str(exam.exam_id))
    assert done.returncode == 0 and "写入 2 个分数" in done.stdout
    refused = run_ptw(station_env, "import", "scores", str(bad), "--exam", str(exam.exam_id))
    assert refused.returncode == 2 and "学号" in refused.stderr
