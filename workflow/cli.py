"""The `ptw` command line: a stable interface for scripts, other tools and later issues.

Exit status: 0 on success, 2 on bad input (message on stderr in the user's language),
1 on an internal error (details in the log file). Other packages may add commands
(the GUI adds `ptw gui`) through `CommandExtension`, so this package never imports Qt.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.enums import AssessmentKind
from core.errors import PtwError
from core.i18n import Language, LocalisedText
from core.settings import Settings, load_settings
from workflow import layout_recognition, omrchecker_import, scan_cli
from workflow.answer_key_import import ExamDetails, import_answer_key
from workflow.context import AppContext, open_context
from workflow.demo_school import create_demo
from workflow.exam_analysis import AnalysisSummary, analyse_exam
from workflow.exam_queries import list_exams
from workflow.knowledge_point_import import import_knowledge_points
from workflow.log_setup import configure_logging
from workflow.roster_import import import_roster
from workflow.score_import import import_scores
from workflow.sheet_making import (
    MadeSheet,
    make_sheet_for_exam,
    make_sheet_from_key,
    parse_paper,
)
from workflow.station_setup import prepare_database
from workflow.table_exports import export_results, export_roster
from workflow.terminal_progress import TerminalProgressBar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandExtension:
    """A subcommand contributed by another package: adds its arguments, then runs."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Settings], int]


class _Output:
    """Writes person-facing lines to stdout in the user's language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def say(self, zh: str, en: str) -> None:
        print(LocalisedText(zh, en).in_language(self.language))  # noqa: T201


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from exc


def build_parser(extensions: Sequence[CommandExtension] = ()) -> argparse.ArgumentParser:
    """The argument parser of every `ptw` subcommand."""
    parser = argparse.ArgumentParser(prog="ptw", description="精准教学工作站 Precision Teaching "
                                     "Workstation")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True)
    db.add_parser("upgrade", help="apply pending migrations")

    imports = commands.add_parser("import", help="import from .xlsx or .csv").add_subparsers(
        dest="import_command", required=True)
    imports.add_parser("roster", help="班级, 学号, 姓名, 性别").add_argument("file", type=Path)
    key = imports.add_parser("key", help="题号, 题型, 答案, 分值, 给分规则, 知识点")
    key.add_argument("file", type=Path)
    key.add_argument("--exam", required=True, help="exam name (created if new)")
    key.add_argument("--subject", default="数学")
    key.add_argument("--date", type=_parse_date, default=None, help="YYYY-MM-DD, default today")
    key.add_argument("--kind", choices=[k.value for k in AssessmentKind], default="exam")
    key.add_argument("--grade", type=int, default=None, help="grade level, e.g. 7")
    imports.add_parser("kp", help="编码, 名称, 上级编码, 学科, 年级").add_argument(
        "file", type=Path)
    scores = imports.add_parser("scores", help="学号 and one column of points per 题号")
    scores.add_argument("file", type=Path)
    scores.add_argument("--exam", type=int, required=True, help="exam id (ptw exams list)")

    exports = commands.add_parser("export", help="export to .csv or .xlsx").add_subparsers(
        dest="export_command", required=True)
    exports.add_parser("roster").add_argument("--out", type=Path, required=True)
    results = exports.add_parser("results")
    results.add_argument("--exam", type=int, required=True, help="exam id (ptw exams list)")
    results.add_argument("--out", type=Path, required=True)

    exams = commands.add_parser("exams", help="exams and homework").add_subparsers(
        dest="exams_command", required=True)
    exams.add_parser("list", help="CSV on stdout: id,name,subject,date,...")

    sheets = commands.add_parser("sheet", help="answer sheets (答题卡)").add_subparsers(
        dest="sheet_command", required=True)
    make = sheets.add_parser("make", help="print an answer sheet PDF and its layout JSON")
    source = make.add_mutually_exclusive_group(required=True)
    source.add_argument("--exam", type=int, help="exam id (ptw exams list)")
    source.add_argument("--key", type=Path, help="answer-key .xlsx/.csv, no database needed")
    make.add_argument("--out", type=Path, required=True, help="the sheet PDF")
    make.add_argument("--layout-out", type=Path, required=True, help="the layout JSON")
    make.add_argument("--paper", type=str.upper, choices=["A4", "A3", "8K"], default="A4")
    make.add_argument("--columns", type=int, default=None, help="1 on A4; 2 or 3 on A3/8K")
    make.add_argument("--title", default=None, help="title of a --key sheet")

    analyse = commands.add_parser(
        "analyse", help="statistics, knowledge-point mastery, wrong-item book and practice")
    analyse.add_argument("--exam", type=int, required=True, help="exam id (ptw exams list)")
    commands.add_parser("demo", help="create the demo school (fake names)")
    commands.add_parser("settings", help="show the effective settings")
    omr = commands.add_parser("omr", help="optical mark recognition").add_subparsers(
        dest="omr_command", required=True)
    omrchecker_import.configure_cli(omr.add_parser(
        "omrchecker", help="read an OMRChecker folder (template.json + images) to a long CSV"))
    layout_recognition.configure_cli(omr.add_parser(
        "recognise", help="read page images against a layout JSON to a long CSV"))

    scan_cli.configure_scan(commands.add_parser(
        "scan", help="scan an exam's answer sheets from a scanner, folder or files"))
    scan_cli.configure_batch(commands.add_parser("batch", help="scan batches of an exam"))
    scan_cli.configure_exceptions(commands.add_parser(
        "exceptions", help="the exception queue: pages and marks a person must settle"))

    for extension in extensions:
        extension.configure(commands.add_parser(extension.name, help=extension.help))
    return parser


def _run_import(args: argparse.Namespace, context: AppContext, out: _Output) -> None:
    bar = TerminalProgressBar(context.language)
    if args.import_command == "roster":
        s = import_roster(context, args.file, bar)
        out.say(f"名单导入完成：{s.rows} 行，新增 {s.added} 人，改名 {s.renamed} 人，"
                f"转班 {s.moved} 人，未变 {s.unchanged} 人，新建班级 {s.classes_created} 个。",
                f"Roster imported: {s.rows} rows, {s.added} added, {s.renamed} renamed, "
                f"{s.moved} moved class, {s.unchanged} unchanged, {s.classes_created} new "
                "classes.")
    elif args.import_command == "key":
        details = ExamDetails(args.exam, args.subject, args.date or dt.date.today(),
                              AssessmentKind(args.kind), args.grade)
        k = import_answer_key(context, args.file, details, bar)
        out.say(f"答案导入完成：考试编号 {k.assessment_id}，新增 {k.items_added} 题，"
                f"更新 {k.items_updated} 题，未变 {k.items_unchanged} 题，满分 {k.full_marks:g}。",
                f"Answer key imported: exam id {k.assessment_id}, {k.items_added} items added, "
                f"{k.items_updated} updated, {k.items_unchanged} unchanged, full marks "
                f"{k.full_marks:g}.")
    elif args.import_command == "scores":
        c = import_scores(context, args.file, args.exam, bar)
        out.say(f"成绩导入完成：{c.students} 名学生、{c.items} 题，写入 {c.scores} 个分数"
                f"（{c.changed} 个替换了原有分数）。",
                f"Scores imported: {c.students} students, {c.items} items, {c.scores} scores "
                f"written ({c.changed} replaced a stored score).")
    else:
        p = import_knowledge_points(context, args.file, bar)
        out.say(f"知识点导入完成：{p.rows} 个，新增 {p.added}，更新 {p.updated}，"
                f"未变 {p.unchanged}。",
                f"Knowledge points imported: {p.rows}, {p.added} added, {p.updated} updated, "
                f"{p.unchanged} unchanged.")


def _run_export(args: argparse.Namespace, context: AppContext, out: _Output) -> None:
    if args.export_command == "roster":
        count = export_roster(context, args.out)
    else:
        count = export_results(context, args.exam, args.out)
    out.say(f"已导出 {count} 名学生到 {args.out}。", f"Exported {count} students to {args.out}.")


def _say_sheet(made: MadeSheet, out: _Output) -> None:
    where = f"{made.pdf_path}, {made.layout_path}"
    out.say(f"答题卡已生成：{made.pages} 页，版式版本 {made.layout.version}（{where}）。",
            f"Answer sheet made: {made.pages} page(s), layout version {made.layout.version} "
            f"({where}).")


def _say_analysis(done: AnalysisSummary, context: AppContext, out: _Output) -> None:
    alpha = "—" if done.alpha is None else f"{done.alpha:.3f}"
    out.say(f"分析完成：{done.students} 名学生、{done.items} 题，信度 α = {alpha}；"
            f"{done.knowledge_points} 个知识点的掌握度已更新，错题本 {done.wrong_items} 条，"
            f"推荐练习 {done.recommendations} 题。",
            f"Analysis done: {done.students} students, {done.items} items, α = {alpha}; "
            f"mastery of {done.knowledge_points} knowledge points updated, "
            f"{done.wrong_items} wrong-item entries, {done.recommendations} practice items "
            "recommended.")
    for warning in done.warnings:
        sys.stderr.write(warning.in_language(context.language) + "\n")


def _print_exams(context: AppContext) -> None:
    with context.database.transaction() as session:
        exams = list_exams(session)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["id", "name", "subject", "date", "kind", "items", "full_marks",
                     "students_with_results"])
    for e in exams:
        writer.writerow([e.id, e.name, e.subject, e.held_on.isoformat(), e.kind.value, e.items,
                         f"{e.full_marks:g}", e.students_with_results])


def _print_settings(settings: Settings) -> None:
    data = settings.model_dump(mode="json")
    if data["upload"].get("token"):
        data["upload"]["token"] = "********"
    data["effective_database_url"] = settings.effective_database_url
    for key, value in data.items():
        print(f"{key} = {value}")  # noqa: T201


def run_command(args: argparse.Namespace, settings: Settings,
                extensions: Sequence[CommandExtension]) -> int:
    """Run one parsed command; errors propagate to `main`."""
    for extension in extensions:
        if args.command == extension.name:
            return extension.run(args, settings)
    out = _Output(str(settings.language))
    if args.command == "settings":
        _print_settings(settings)
        return 0
    if args.command == "omr" and args.omr_command == "recognise":
        return layout_recognition.run_cli(args, settings)
    if args.command == "omr":
        return omrchecker_import.run_cli(args, settings)
    if args.command == "sheet" and args.key is not None:
        _say_sheet(make_sheet_from_key(args.key, args.out, args.layout_out, args.title,
                                       paper=parse_paper(args.paper), columns=args.columns),
                   out)
        return 0
    context = open_context(settings)
    try:
        setup = prepare_database(context)
        if args.command == "db":
            out.say(f"数据库已是最新结构（{setup.revision_after}）。",
                    f"The database schema is up to date ({setup.revision_after}).")
        elif args.command == "import":
            _run_import(args, context, out)
        elif args.command == "export":
            _run_export(args, context, out)
        elif args.command == "exams":
            _print_exams(context)
        elif args.command == "analyse":
            _say_analysis(analyse_exam(context, args.exam, TerminalProgressBar(
                context.language)), context, out)
        elif args.command == "scan":
            return scan_cli.run_scan(args, context)
        elif args.command == "batch":
            return scan_cli.run_batch(args, context)
        elif args.command == "exceptions":
            return scan_cli.run_exceptions(args, context)
        elif args.command == "sheet":
            _say_sheet(make_sheet_for_exam(context, args.exam, args.out, args.layout_out,
                                           paper=parse_paper(args.paper), columns=args.columns),
                       out)
        elif args.command == "demo":
            demo = create_demo(context, TerminalProgressBar(context.language))
            if demo.created:
                out.say(f"演示学校已创建：{demo.students} 名学生，考试编号 {demo.exam_id}"
                        f"（{demo.items} 题）。", f"Demo school created: {demo.students} students,"
                        f" exam id {demo.exam_id} ({demo.items} items).")
            else:
                out.say(f"演示数据已存在（考试编号 {demo.exam_id}），未重复创建。",
                        f"The demo data already exists (exam id {demo.exam_id}); nothing added.")
        return 0
    finally:
        context.close()


def _fallback_language() -> str:
    return Language.EN if os.environ.get("PTW_LANGUAGE") == Language.EN else Language.ZH_CN


def main(argv: Sequence[str] | None = None,
         extensions: Sequence[CommandExtension] = ()) -> int:
    """Entry point of `ptw`; returns the exit status."""
    args = build_parser(extensions).parse_args(argv)
    language = _fallback_language()
    try:
        settings = load_settings()
        language = str(settings.language)
        configure_logging(settings.data_dir)
        log.info("command %s", args.command)
        return run_command(args, settings, extensions)
    except PtwError as error:
        log.warning("%s failed: %s", args.command, error.detail or type(error).__name__)
        sys.stderr.write(error.message(language) + "\n")
        return error.exit_status
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("internal error in %s", args.command)
        sys.stderr.write(LocalisedText(
            "程序内部错误，操作未完成。详细信息已写入日志文件（数据文件夹下 logs/ptw.log）。\n",
            "Internal error; the operation did not complete. Details are in the log file "
            "(logs/ptw.log in the data folder).\n").in_language(language))
        return 1


__all__ = ["CommandExtension", "build_parser", "main"]
