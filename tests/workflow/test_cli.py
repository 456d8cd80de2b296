import csv
import io
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from core.models import Response, Student
from tests.workflow.ptw_process import run_ptw
from workflow import cli
from workflow.context import AppContext


def _exams(env: dict[str, str]) -> list[dict[str, str]]:
    done = run_ptw(env, "exams", "list")
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def test_db_upgrade_then_demo_then_list(station_env: dict[str, str]) -> None:
    upgraded = run_ptw(station_env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "最新" in upgraded.stdout
    demo = run_ptw(station_env, "demo")
    assert demo.returncode == 0, demo.stderr
    exams = _exams(station_env)
    assert len(exams) == 1
    assert {"id", "name", "subject", "date"} <= set(exams[0])
    assert exams[0]["subject"] == "数学" and exams[0]["items"] == "40"
    again = run_ptw(station_env, "demo")
    assert again.returncode == 0 and "已存在" in again.stdout
    assert len(_exams(station_env)) == 1


def test_results_export_totals_match_the_database(
        station_env: dict[str, str], context: AppContext, tmp_path: Path) -> None:
    assert run_ptw(station_env, "demo").returncode == 0
    exam_id = _exams(station_env)[0]["id"]
    out = tmp_path / "results.csv"
    done = run_ptw(station_env, "export", "results", "--exam", exam_id, "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][:4] == ["班级", "学号", "姓名", "总分"] and rows[0][4:] == [
        str(n) for n in range(1, 41)]
    assert len(rows) == 1 + 135
    with context.database.transaction() as session:
        total = session.scalar(select(func.sum(Response.score)))
    assert sum(float(row[3]) for row in rows[1:]) == pytest.approx(total)
    for row in rows[1:]:
        assert float(row[3]) == pytest.approx(sum(float(cell) for cell in row[4:]))


def test_results_export_xlsx_has_scores_and_answers(
        station_env: dict[str, str], tmp_path: Path) -> None:
    assert run_ptw(station_env, "demo").returncode == 0
    out = tmp_path / "results.xlsx"
    done = run_ptw(station_env, "export", "results", "--exam", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["成绩", "作答"]
    assert workbook["成绩"].max_row == 136 and workbook["作答"].max_row == 136


def test_roster_export_reimports_unchanged(station_env: dict[str, str], tmp_path: Path) -> None:
    assert run_ptw(station_env, "demo").returncode == 0
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"roster{suffix}"
        assert run_ptw(station_env, "export", "roster", "--out", str(out)).returncode == 0
        back = run_ptw(station_env, "import", "roster", str(out))
        assert back.returncode == 0, back.stderr
        assert "新增 0 人" in back.stdout and "未变 135 人" in back.stdout


def test_bad_input_exits_two_with_message_in_the_users_language(
        station_env: dict[str, str], tmp_path: Path) -> None:
    wrong = tmp_path / "roster.txt"
    wrong.write_text("班级,学号,姓名\n", encoding="utf-8")
    zh = run_ptw(station_env, "import", "roster", str(wrong))
    assert zh.returncode == 2 and "不支持的文件类型" in zh.stderr and zh.stdout == ""
    english = {**station_env, "PTW_LANGUAGE": "en"}
    en = run_ptw(english, "import", "roster", str(tmp_path / "missing.xlsx"))
    assert en.returncode == 2 and "File not found" in en.stderr
    no_exam = run_ptw(english, "export", "results", "--exam", "999", "--out",
                      str(tmp_path / "x.csv"))
    assert no_exam.returncode == 2 and "No exam with id 999" in no_exam.stderr
    assert not (tmp_path / "x.csv").exists()
    bad_format = run_ptw(english, "export", "roster", "--out", str(tmp_path / "r.pdf"))
    assert bad_format.returncode == 2 and ".csv or .xlsx" in bad_format.stderr


def test_rejected_import_reports_rows_on_stderr(station_env: dict[str, str],
                                                tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("班级,学号,姓名,性别\n七年级(1)班,1,测试甲,男\n七年级(1)班,,测试乙,女\n"
                      "七年级(1)班,1,测试丙,女\n", encoding="utf-8")
    done = run_ptw(station_env, "import", "roster", str(roster))
    assert done.returncode == 2
    assert "第 3 行" in done.stderr and "第 4 行" in done.stderr
    assert "测试" not in done.stderr  # messages locate rows; they do not repeat names


def test_internal_error_exits_one_and_is_logged(
        station_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def broken(_session: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "list_exams", broken)
    assert cli.main(["exams", "list"]) == 1
    assert "内部错误" in capsys.readouterr().err
    log = Path(station_env["PTW_DATA_DIR"]) / "logs" / "ptw.log"
    assert "RuntimeError: boom" in log.read_text(encoding="utf-8")


def _sqlite_path(env: dict[str, str]) -> Path | None:
    url = env["PTW_DATABASE_URL"]
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None


def test_locked_database_exits_two_and_loses_nothing(
        station_env: dict[str, str], tmp_path: Path) -> None:
    path = _sqlite_path(station_env)
    if path is None:
        pytest.skip("SQLite file locking")
    assert run_ptw(station_env, "demo").returncode == 0
    roster = tmp_path / "roster.csv"
    roster.write_text("班级,学号,姓名,性别\n八年级(2)班,X1,测试甲,男\n", encoding="utf-8")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        env = {**station_env, "PTW_DATABASE_BUSY_TIMEOUT_S": "0.3"}
        done = run_ptw(env, "import", "roster", str(roster))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 2 and "锁定" in done.stderr
    retry = run_ptw(station_env, "import", "roster", str(roster))
    assert retry.returncode == 0 and "新增 1 人" in retry.stdout
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM student").fetchone()[0] == 136


def test_corrupt_database_exits_two_and_is_left_as_it_was(station_env: dict[str, str]) -> None:
    path = _sqlite_path(station_env)
    if path is None:
        pytest.skip("SQLite file corruption")
    path.parent.mkdir(parents=True, exist_ok=True)
    garbage = bytes(range(256)) * 64
    path.write_bytes(garbage)
    done = run_ptw(station_env, "exams", "list")
    assert done.returncode == 2 and "损坏" in done.stderr
    assert path.read_bytes() == garbage


def test_student_count_after_demo(context: AppContext) -> None:
    from workflow.demo_school import create_demo

    first = create_demo(context)
    second = create_demo(context)
    assert first.created and not second.created and first.exam_id == second.exam_id
    with context.database.transaction() as session:
        assert session.scalar(select(func.count(Student.id))) == 135
        assert session.scalar(select(func.count(Response.id))) == 135 * 40
