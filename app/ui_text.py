"""Every piece of text the desktop GUI shows, in Simplified Chinese and English.

Widgets take their words from here and pick the language with `ui_language`; no
person-facing string literal lives in a widget module.
"""

from __future__ import annotations

from core.enums import AssessmentKind
from core.i18n import Language, LocalisedText
from core.settings import Settings


def ui_language(settings: Settings) -> Language:
    """The language the GUI speaks for these settings: English only when chosen."""
    return Language.EN if str(settings.language) == Language.EN else Language.ZH_CN


L = LocalisedText

APP_TITLE = L("精准教学工作站", "Precision Teaching Workstation")
ORGANISATION_NAME = "PrecisionTeaching"

# Navigation pages, in the order of the navigation list.
PAGE_EXAMS = L("考试", "Exams")
PAGE_STUDENTS = L("学生", "Students")
PAGE_SCANNING = L("扫描", "Scanning")
PAGE_MARKING = L("阅卷", "Marking")
PAGE_ANALYTICS = L("分析", "Analytics")
PAGE_REPORTS = L("报告", "Reports")
PAGE_UPLOAD = L("上传", "Upload")

PLACEHOLDER = L(
    "“{page}”功能将在后续版本中提供。\n\n"
    "当前版本可以：导入学生名单和答案、查看考试和学生、导出成绩。",
    "{page} arrives in a later version.\n\n"
    "This version can import rosters and answer keys, list exams and students, "
    "and export results.",
)

# Exams page.
EXAM_COLUMNS = (
    L("编号", "ID"),
    L("名称", "Name"),
    L("学科", "Subject"),
    L("日期", "Date"),
    L("类型", "Type"),
    L("题数", "Items"),
    L("满分", "Full marks"),
    L("已有成绩人数", "Students with results"),
)
ASSESSMENT_KIND_NAMES = {
    AssessmentKind.EXAM: L("考试", "Exam"),
    AssessmentKind.HOMEWORK: L("作业", "Homework"),
}
EXAM_COUNT = L("共 {count} 场考试和作业", "Exams and homework: {count}")
IMPORT_ROSTER_BUTTON = L("导入名单…", "Import roster…")
IMPORT_KEY_BUTTON = L("导入答案…", "Import answer key…")
EXPORT_RESULTS_BUTTON = L("导出成绩…", "Export results…")
REFRESH_BUTTON = L("刷新", "Refresh")

# Students page.
ROSTER_COLUMNS = (
    L("班级", "Class"),
    L("学号", "Student number"),
    L("姓名", "Name"),
    L("性别", "Gender"),
)
GENDER_NAMES = {"男": L("男", "Male"), "女": L("女", "Female")}
STUDENT_COUNT = L("共 {classes} 个班，{students} 名学生",
                  "Classes: {classes}, students: {students}")

# Exam details dialog (answer-key import).
EXAM_DETAILS_TITLE = L("考试信息", "Exam details")
EXAM_DETAILS_HINT = L(
    "答案将导入到这场考试；如果同名考试已存在，就更新它的答案。",
    "The answer key goes into this exam; if an exam with this name exists, its key is updated.",
)
EXAM_NAME_LABEL = L("考试名称", "Exam name")
EXAM_SUBJECT_LABEL = L("学科", "Subject")
EXAM_DATE_LABEL = L("考试日期", "Date")
OK_BUTTON = L("确定", "OK")
CANCEL_BUTTON = L("取消", "Cancel")

# File dialogs.
CHOOSE_ROSTER_FILE = L("选择学生名单文件", "Choose a roster file")
CHOOSE_KEY_FILE = L("选择答案文件", "Choose an answer-key file")
SAVE_RESULTS_FILE = L("导出成绩到", "Export results to")
TABLE_FILE_FILTER = L("表格文件 (*.xlsx *.csv)", "Tables (*.xlsx *.csv)")
XLSX_FILE_FILTER = L("Excel 工作簿 (*.xlsx)", "Excel workbook (*.xlsx)")
CSV_FILE_FILTER = L("CSV 文件 (*.csv)", "CSV file (*.csv)")
RESULTS_FILE_NAME = L("{exam}-成绩", "{exam}-results")

# Long operations.
STARTING = L("正在启动…", "Starting…")
PREPARING_DATABASE = L("正在准备数据库", "Preparing the database")
LOADING_DATA = L("正在载入考试和学生…", "Loading exams and students…")
READING_DATA = L("读取考试和学生", "Reading exams and students")
IMPORTING_ROSTER = L("正在导入学生名单", "Importing the roster")
IMPORTING_KEY = L("正在导入答案", "Importing the answer key")
EXPORTING_RESULTS = L("正在导出成绩", "Exporting results")
CANCELLING = L("正在取消…", "Cancelling…")
CANCELLED = L("操作已取消，未写入任何数据。", "The operation was cancelled; nothing was written.")

# Outcomes shown in the status bar.
ROSTER_IMPORTED = L(
    "名单导入完成：{rows} 行，新增 {added} 人，改名 {renamed} 人，转班 {moved} 人，"
    "未变 {unchanged} 人，新建班级 {classes} 个。",
    "Roster imported: {rows} rows, {added} added, {renamed} renamed, {moved} moved class, "
    "{unchanged} unchanged, {classes} new classes.",
)
KEY_IMPORTED = L(
    "答案导入完成：考试编号 {exam_id}，新增 {added} 题，更新 {updated} 题，未变 {unchanged} 题，"
    "满分 {full_marks}。",
    "Answer key imported: exam id {exam_id}, {added} items added, {updated} updated, "
    "{unchanged} unchanged, full marks {full_marks}.",
)
RESULTS_EXPORTED = L("已导出 {count} 名学生的成绩到 {path}。",
                     "Exported the results of {count} students to {path}.")

# Status bar.
STATUS_SCHOOL = L("学校：{name}", "School: {name}")
STATUS_DATABASE = L("数据库：{url}", "Database: {url}")
STATUS_STATION = L("工作站：{name}", "Station: {name}")

# Errors.
ERROR_TITLE = L("精准教学工作站 — 出错了", "Precision Teaching Workstation — error")
INTERNAL_ERROR = L(
    "程序内部错误，操作未完成。详细信息已写入日志文件（数据文件夹下 logs/ptw.log）。",
    "Internal error; the operation did not complete. Details are in the log file "
    "(logs/ptw.log in the data folder).",
)
MORE_PROBLEMS = L("……另有 {count} 处问题，点击“显示详情”可查看完整列表。",
                  "…and {count} more problem(s); click “Show Details…” for the full list.")
SCREENSHOT_FAILED = L("无法保存截图到 {path}。", "Could not save the screenshot to {path}.")
