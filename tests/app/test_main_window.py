import csv
import datetime as dt
import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.error_presenter import ErrorDialogContent
from app.exam_details_dialog import ExamDetailsDialog
from app.main_window import MainWindow, Page, results_file_stem
from app.placeholder_page import PlaceholderPage
from core.database import describe_url
from core.i18n import Language
from core.models import Student
from tests.app.conftest import LOAD_TIMEOUT_MS
from workflow.answer_key_import import ExamDetails
from workflow.context import AppContext
from workflow.demo_school import DEMO_EXAM_NAME, DEMO_SCHOOL_NAME


def _cell(model, row: int, column: int) -> str:
    return model.data(model.index(row, column))


def _column(model, column: int) -> list[str]:
    return [_cell(model, row, column) for row in range(model.rowCount())]


def _students_in_database(context: AppContext) -> int:
    with context.database.transaction() as session:
        return session.scalar(select(func.count(Student.id)))


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_the_window_lists_the_demo_exam_and_its_students(window: MainWindow) -> None:
    assert window.windowTitle() == "精准教学工作站"
    exams = window.exams_page.model
    assert exams.rowCount() == 1
    assert [_cell(exams, 0, column) for column in range(1, 8)] == [
        DEMO_EXAM_NAME, "数学", _cell(exams, 0, 3), "考试", "40", "150", "135"]
    dt.date.fromisoformat(_cell(exams, 0, 3))
    assert window.exams_page.selected_exam().name == DEMO_EXAM_NAME
    assert window.exams_page.export_button.isEnabled()
    students = window.students_page.model
    assert students.rowCount() == 135
    assert set(_column(students, 0)) == {"七年级(1)班", "七年级(2)班", "七年级(3)班"}
    assert set(_column(students, 3)) == {"男", "女"}
    assert window.students_page.count_label.text() == "共 3 个班，135 名学生"
    assert DEMO_SCHOOL_NAME in window.school_label.text()
    assert "test-station" in window.station_label.text()
    assert window.database_label.toolTip() == describe_url(os.environ["PTW_DATABASE_URL"])


def test_navigation_switches_pages_and_later_parts_say_so(window: MainWindow) -> None:
    assert window.navigation.count() == 7
    assert [window.navigation.item(i).text() for i in range(7)] == [
        "考试", "学生", "扫描", "阅卷", "分析", "报告", "上传"]
    window.show_page(Page.STUDENTS)
    assert window.pages.currentWidget() is window.students_page
    window.navigation.setCurrentRow(Page.MARKING)
    placeholder = window.pages.currentWidget()
    assert isinstance(placeholder, PlaceholderPage)
    assert "阅卷" in placeholder.notice.text() and "后续版本" in placeholder.notice.text()
    assert window.current_page() is Page.MARKING


def test_importing_a_roster_adds_the_students_and_refreshes(
        qtbot: QtBot, window: MainWindow, demo_context: AppContext, tmp_path: Path,
        shown_errors: list[ErrorDialogContent]) -> None:
    roster = _write_csv(tmp_path / "新生名单.csv", [
        ["班级", "学号", "姓名", "性别"],
        ["八年级(1)班", "S80101", "测试甲", "男"],
        ["八年级(1)班", "S80102", "测试乙", "女"],
    ])
    with qtbot.waitSignal(window.data_loaded, timeout=LOAD_TIMEOUT_MS):
        window.import_roster_file(roster)
    assert shown_errors == []
    assert "新增 2 人" in window.statusBar().currentMessage()
    assert "新建班级 1 个" in window.statusBar().currentMessage()
    students = window.students_page.model
    assert students.rowCount() == 137
    assert {"S80101", "S80102"} <= set(_column(students, 1))
    assert window.students_page.count_label.text() == "共 4 个班，137 名学生"
    assert _students_in_database(demo_context) == 137
    assert window.exams_page.import_roster_button.isEnabled()


def test_a_file_of_the_wrong_type_is_reported_and_nothing_written(
        qtbot: QtBot, window: MainWindow, demo_context: AppContext, tmp_path: Path,
        shown_errors: list[ErrorDialogContent]) -> None:
    wrong = tmp_path / "roster.txt"
    wrong.write_text("班级,学号,姓名,性别\n八年级(1)班,S80101,测试甲,男\n", encoding="utf-8")
    with qtbot.waitSignal(window.operation_finished, timeout=LOAD_TIMEOUT_MS):
        window.import_roster_file(wrong)
    assert len(shown_errors) == 1
    assert "不支持的文件类型“.txt”" in shown_errors[0].full_text
    assert _students_in_database(demo_context) == 135
    assert window.students_page.model.rowCount() == 135


def test_a_roster_without_student_numbers_is_reported_and_nothing_written(
        qtbot: QtBot, window: MainWindow, demo_context: AppContext, tmp_path: Path,
        shown_errors: list[ErrorDialogContent]) -> None:
    roster = _write_csv(tmp_path / "no_numbers.csv", [
        ["班级", "姓名", "性别"], ["八年级(1)班", "测试甲", "男"]])
    with qtbot.waitSignal(window.operation_finished, timeout=LOAD_TIMEOUT_MS):
        window.import_roster_file(roster)
    assert len(shown_errors) == 1
    assert "学号" in shown_errors[0].full_text
    assert "未写入任何数据" in shown_errors[0].full_text
    assert _students_in_database(demo_context) == 135
    assert window.statusBar().currentMessage() == ""


def test_importing_an_answer_key_creates_the_exam(
        qtbot: QtBot, window: MainWindow, tmp_path: Path,
        shown_errors: list[ErrorDialogContent]) -> None:
    key = _write_csv(tmp_path / "key.csv", [
        ["题号", "题型", "答案", "分值"], ["1", "单选", "A", "3"], ["2", "多选", "ABD", "4"],
        ["3", "判断", "对", "2"]])
    details = ExamDetails("七年级数学单元测验", "数学", dt.date(2024, 12, 2))
    with qtbot.waitSignal(window.data_loaded, timeout=LOAD_TIMEOUT_MS):
        window.import_answer_key_file(key, details)
    assert shown_errors == []
    assert "新增 3 题" in window.statusBar().currentMessage()
    exams = window.exams_page.model
    assert exams.rowCount() == 2
    row = _column(exams, 1).index("七年级数学单元测验")
    assert [_cell(exams, row, column) for column in (3, 5, 6, 7)] == [
        "2024-12-02", "3", "9", "0"]


def test_exporting_results_writes_every_student(
        qtbot: QtBot, window: MainWindow, tmp_path: Path,
        shown_errors: list[ErrorDialogContent]) -> None:
    exam = window.exams_page.selected_exam()
    out = tmp_path / "results.csv"
    with qtbot.waitSignal(window.operation_finished, timeout=LOAD_TIMEOUT_MS):
        window.export_results_file(exam.id, out)
    assert shown_errors == []
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0][:4] == ["班级", "学号", "姓名", "总分"] and len(rows) == 136
    assert "135 名学生" in window.statusBar().currentMessage()


def test_exporting_to_an_unknown_type_is_reported(
        qtbot: QtBot, window: MainWindow, tmp_path: Path,
        shown_errors: list[ErrorDialogContent]) -> None:
    out = tmp_path / "results.pdf"
    with qtbot.waitSignal(window.operation_finished, timeout=LOAD_TIMEOUT_MS):
        window.export_results_file(window.exams_page.selected_exam().id, out)
    assert len(shown_errors) == 1 and ".pdf" in shown_errors[0].text
    assert not out.exists()


def test_the_window_speaks_english_when_chosen(qtbot: QtBot, context: AppContext) -> None:
    context.settings.language = Language.EN
    window = MainWindow(context)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.data_loaded, timeout=LOAD_TIMEOUT_MS):
        window.load_data()
    assert window.windowTitle() == "Precision Teaching Workstation"
    assert window.navigation.item(0).text() == "Exams"
    assert window.exams_page.model.headerData(1, Qt.Orientation.Horizontal) == "Name"
    assert window.students_page.model.headerData(1, Qt.Orientation.Horizontal) == (
        "Student number")
    assert window.exams_page.import_roster_button.text() == "Import roster…"
    window.show_page(Page.UPLOAD)
    assert "Upload arrives in a later version" in window.pages.currentWidget().notice.text()
    assert window.students_page.count_label.text() == "Classes: 0, students: 0"
    assert window.exams_page.count_label.text() == "Exams and homework: 0"


def test_the_exam_details_dialog_needs_a_name(qtbot: QtBot) -> None:
    dialog = ExamDetailsDialog("zh_CN", "")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.name_edit.setText("  期末考试 ")
    dialog.subject_box.setCurrentText("物理")
    assert ok.isEnabled()
    details = dialog.details()
    assert (details.name, details.subject, details.held_on) == ("期末考试", "物理", dt.date.today())


def test_results_file_names_are_safe() -> None:
    assert results_file_stem("七年级/数学: 期中?", "zh_CN") == "七年级_数学_期中_-成绩"
    assert results_file_stem("Mid term", "en") == "Mid_term-results"
