"""The scanning commands of `ptw`: `scan`, `batch status`, `exceptions list|resolve`.

Lists are CSV on stdout (for scripts); messages are in the user's language; a paused
batch (jam, full disk) exits with status 3 after saying what to do, so a script can
tell it from success (0) and from bad input (2).
"""

from __future__ import annotations

import argparse
import csv
import signal
import sys
from typing import TextIO

from core.enums import ExceptionStatus
from core.i18n import LocalisedText
from core.progress import CancelToken
from scanner.acquisition import ColourMode, ScanOptions
from scanner.source_spec import parse_source
from workflow.batch_status import exam_scan_state
from workflow.context import AppContext
from workflow.exception_queue import list_exceptions, pictures_dir
from workflow.exception_resolution import resolve_exception
from workflow.scan_results import SavedPage
from workflow.scan_session import ScanSummary, scan_exam
from workflow.scan_sources import open_source
from workflow.terminal_progress import TerminalProgressBar

PAUSED_EXIT_STATUS = 3


def configure_scan(parser: argparse.ArgumentParser) -> None:
    """Arguments of `ptw scan`."""
    parser.add_argument("--exam", type=int, required=True, help="exam id (ptw exams list)")
    parser.add_argument("--source", required=True,
                        help="sane:DEVICE | twain:NAME | folder:DIR | file:PATH")
    parser.add_argument("--dpi", type=int, default=200, help="scan resolution (default 200)")
    parser.add_argument("--duplex", action="store_true", help="scan both sides")
    parser.add_argument("--colour", action="store_true", help="colour instead of gray")
    parser.add_argument("--max-pages", type=int, default=None,
                        help="stop after this many pages (per feeder load)")
    parser.add_argument("--feeds", type=int, default=1,
                        help="feeder loads to scan; between loads you are asked to reload "
                             "(on a terminal) or the next load starts at once")
    parser.add_argument("--workers", type=int, default=None,
                        help="recognition processes (default: one per core)")
    parser.add_argument("--rescan", action="store_true",
                        help="sheets scanned again replace the earlier scan (audited)")


def run_scan(args: argparse.Namespace, context: AppContext) -> int:
    """`ptw scan`: a progress bar, a line per page on stdout, a summary; 3 when paused."""
    spec = parse_source(args.source)
    cancel = CancelToken()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.cancel())
    try:
        options = ScanOptions(dpi=args.dpi, duplex=args.duplex,
                              colour=ColourMode.COLOUR if args.colour else ColourMode.GRAY,
                              max_pages=args.max_pages)
        source = open_source(spec, options, cancel, feeder_loads=args.feeds,
                             reload=lambda load: _ask_reload(context, load))
        summary = scan_exam(context, args.exam, source.pages, str(spec),
                            TerminalProgressBar(context.language), cancel,
                            workers=args.workers, rescan=args.rescan,
                            expected=source.expected,
                            on_saved=lambda saved: _say_page(context, saved))
    finally:
        signal.signal(signal.SIGINT, previous)
    return _say_summary(context, summary)


def _ask_reload(context: AppContext, load: int) -> bool:
    if not sys.stdin.isatty():
        return True
    prompt = LocalisedText(f"请放入第 {load} 叠答题卡后按回车继续，输入 q 结束：",
                           f"Put stack {load} in the feeder and press Enter, or q to finish: ")
    return input(prompt.in_language(context.language)).strip().lower() != "q"


def _say_page(context: AppContext, saved: SavedPage) -> None:
    who = saved.student_number or "?"
    problems = ",".join(str(kind) for kind in saved.exceptions)
    _say(context, f"第 {saved.sequence} 页：{who} {saved.status} {problems}".rstrip(),
         f"page {saved.sequence}: {who} {saved.status} {problems}".rstrip())


def _say_summary(context: AppContext, summary: ScanSummary) -> int:
    counts = ", ".join(f"{status}={count}" for status, count in sorted(summary.by_status.items()))
    _say(context, f"第 {summary.batch_id} 批：取得 {summary.acquired} 页（其中 "
                  f"{summary.already_stored} 页此前已扫描），保存 {summary.saved} 页（{counts}），"
                  f"新增待处理事项 {summary.exceptions} 项，{summary.pages_per_second:.1f} 页/秒。",
         f"Batch {summary.batch_id}: {summary.acquired} pages taken ({summary.already_stored} "
         f"scanned before), {summary.saved} saved ({counts}), {summary.exceptions} new "
         f"exception(s), {summary.pages_per_second:.1f} pages/s.")
    if summary.paused is not None:
        message = summary.paused.message(context.language)
        _say(context, f"扫描已暂停：{message} 处理后再次运行同一命令即可接着扫描。",
             f"Scanning paused: {message} When it is fixed, run the same command again "
             "to carry on.", stream=sys.stderr)
        return PAUSED_EXIT_STATUS
    if summary.cancelled:
        _say(context, "扫描已取消；再次运行同一命令即可接着扫描。",
             "Scanning cancelled; run the same command again to carry on.", stream=sys.stderr)
        return PAUSED_EXIT_STATUS
    return 0


def configure_batch(parser: argparse.ArgumentParser) -> None:
    """Arguments of `ptw batch`."""
    commands = parser.add_subparsers(dest="batch_command", required=True)
    status = commands.add_parser("status", help="pages, students and exceptions of an exam")
    status.add_argument("--exam", type=int, required=True, help="exam id (ptw exams list)")


def configure_exceptions(parser: argparse.ArgumentParser) -> None:
    """Arguments of `ptw exceptions`."""
    commands = parser.add_subparsers(dest="exceptions_command", required=True)
    listing = commands.add_parser("list", help="CSV on stdout: id,kind,status,…,reason,picture")
    listing.add_argument("--exam", type=int, required=True, help="exam id (ptw exams list)")
    listing.add_argument("--all", action="store_true", help="resolved ones too")
    resolve = commands.add_parser("resolve", help="settle one exception")
    resolve.add_argument("id", type=int, help="exception id (ptw exceptions list)")
    resolve.add_argument("--value", required=True,
                         help="student number, answer (e.g. B, ACD, empty), points, "
                              "replace/keep for duplicates, or a note")


def run_batch(args: argparse.Namespace, context: AppContext) -> int:
    """`ptw batch status --exam ID`: a line per batch, then students and exceptions."""
    with context.database.transaction() as session:
        state = exam_scan_state(session, args.exam)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["batch", "station", "source", "status", "pages", "recognised", "flagged",
                     "failed", "blank", "replaced", "waiting"])
    for batch in state.batches:
        pages = {str(status): count for status, count in batch.pages.items()}
        writer.writerow([batch.id, batch.station, batch.source, str(batch.status), batch.total,
                         *(pages.get(name, 0) for name in ("recognised", "flagged", "failed",
                                                           "blank", "replaced", "stored"))])
    open_total = sum(state.open_exceptions.values())
    kinds = ", ".join(f"{kind}={count}" for kind, count in sorted(state.open_exceptions.items()))
    _say(context, f"已扫描 {state.students_scanned} 名学生；待处理事项 {open_total} 项"
                  f"{'（' + kinds + '）' if kinds else ''}。",
         f"{state.students_scanned} students scanned; {open_total} open exception(s)"
         f"{' (' + kinds + ')' if kinds else ''}.", stream=sys.stderr)
    return 0


def run_exceptions(args: argparse.Namespace, context: AppContext) -> int:
    """`ptw exceptions list|resolve`."""
    if args.exceptions_command == "resolve":
        done = resolve_exception(context, args.id, args.value)
        _say(context, f"待处理事项 {done.exception_id} 已处理：{done.pages_assigned} 页归属学生，"
                      f"写入 {done.responses_written} 个作答。",
             f"Exception {done.exception_id} settled: {done.pages_assigned} page(s) assigned, "
             f"{done.responses_written} response(s) written.")
        return 0
    status = None if args.all else ExceptionStatus.OPEN
    with context.database.transaction() as session:
        listed = list_exceptions(session, pictures_dir(context), args.exam, status)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["id", "kind", "status", "batch", "sequence", "student_number", "field",
                     "reason", "picture", "resolution"])
    for item in listed:
        writer.writerow([item.id, str(item.kind), str(item.status), item.batch_id or "",
                         item.sequence or "", item.student_number or "", item.field or "",
                         item.reason.in_language(context.language),
                         str(item.crop_path) if item.crop_path else "", item.resolution or ""])
    return 0


def _say(context: AppContext, zh: str, en: str, stream: TextIO | None = None) -> None:
    (stream or sys.stdout).write(LocalisedText(zh, en).in_language(context.language) + "\n")


__all__ = ["PAUSED_EXIT_STATUS", "configure_batch", "configure_exceptions", "configure_scan",
           "run_batch", "run_exceptions", "run_scan"]
