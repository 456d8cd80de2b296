"""`ptw omr recognise`: read scanned pages against a sheet's layout JSON into a long CSV.

For scripts and checks outside the scanning workflow: no database, only the layout file
that `ptw sheet make --layout-out` wrote and the page images. The CSV has one row per
field and image, `image,field,value,confidence,flags`, plus a few `page.*` rows per image
(status, exam, page number, student number, reasons) so a page that could not be read
is visible in the same file. Flags are joined with "|"; "review" marks a field a person
should check.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.errors import BadInputError
from core.i18n import LocalisedText
from core.progress import CancelToken, ProgressCallback, ignore_progress
from core.settings import RecognitionThresholds, Settings
from omr.layout import AnswerSheetLayout
from omr.page_result import FieldResult, PageResult, PageStatus
from workflow.recognition_pool import RecognitionPool
from workflow.terminal_progress import TerminalProgressBar

CSV_HEADER = ("image", "field", "value", "confidence", "flags")
REVIEW_FLAG = "review"


@dataclass
class RecognitionSummary:
    """What a run read: pages by status and rows written."""

    pages: int = 0
    ok: int = 0
    flagged: int = 0
    rejected: int = 0
    rows: int = 0


def load_layout_file(path: Path) -> AnswerSheetLayout:
    """The layout in `path`, or `BadInputError` saying what is wrong with the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise BadInputError(LocalisedText(
            f"无法读取版式文件 {path}：{error.strerror}。",
            f"The layout file {path} cannot be read: {error.strerror}."),
            detail=f"layout {path}: {error}") from error
    try:
        return AnswerSheetLayout.from_json(text)
    except (ValueError, KeyError, TypeError) as error:
        raise BadInputError(LocalisedText(
            f"{path} 不是答题卡版式文件（应为 ptw sheet make --layout-out 生成的 JSON）。",
            f"{path} is not an answer-sheet layout (expected the JSON written by "
            "ptw sheet make --layout-out)."), detail=f"layout {path}: {error}") from error


def _flags_text(field: FieldResult) -> str:
    flags = sorted(str(flag) for flag in field.flags)
    if field.needs_review:
        flags.append(REVIEW_FLAG)
    return "|".join(flags)


def result_rows(image: str, result: PageResult, language: str) -> Iterator[list[str]]:
    """The CSV rows of one page: its `page.*` rows, then one row per field."""
    reasons = " / ".join(reason.in_language(language) for reason in result.reasons)
    page_values = {
        "page.status": str(result.status),
        "page.exam": "" if result.exam_id is None else str(result.exam_id),
        "page.number": "" if result.page is None else str(result.page),
        "page.student_number": result.student_number or "",
        "page.absent": "1" if result.absent else "0",
        "page.rotation": str(result.rotation),
        "page.reasons": reasons,
    }
    for name, value in page_values.items():
        yield [image, name, value, "", ""]
    for field in result.fields:
        yield [image, field.name, field.value, f"{field.confidence:.3f}", _flags_text(field)]


def recognise_images_to_csv(images: Sequence[Path], layouts: Sequence[AnswerSheetLayout],
                            out: Path, thresholds: RecognitionThresholds, language: str,
                            workers: int | None = None,
                            progress: ProgressCallback = ignore_progress,
                            cancel: CancelToken | None = None) -> RecognitionSummary:
    """Recognise `images` and write the long CSV to `out` (replaced only when complete)."""
    summary = RecognitionSummary()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as handle, \
                RecognitionPool(layouts, thresholds, workers, crop_kinds=frozenset()) as pool:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(CSV_HEADER)
            for page in pool.recognise(images, len(images), progress, cancel):
                _count(summary, page.result)
                for row in result_rows(page.source, page.result, language):
                    writer.writerow(row)
                    summary.rows += 1
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    return summary


def _count(summary: RecognitionSummary, result: PageResult) -> None:
    summary.pages += 1
    if result.status is PageStatus.OK:
        summary.ok += 1
    elif result.status is PageStatus.FLAGGED:
        summary.flagged += 1
    else:
        summary.rejected += 1


def configure_cli(parser: argparse.ArgumentParser) -> None:
    """Arguments of `ptw omr recognise`."""
    parser.add_argument("images", type=Path, nargs="+", help="scanned page images")
    parser.add_argument("--layout", type=Path, action="append", required=True,
                        help="layout JSON from ptw sheet make (repeat for several exams)")
    parser.add_argument("--out", type=Path, required=True,
                        help="long CSV: image,field,value,confidence,flags")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    """`ptw omr recognise --layout L IMAGE... --out CSV`: a summary line on stdout."""
    language = str(settings.language)
    layouts = [load_layout_file(path) for path in args.layout]
    _check_layouts_distinct(layouts)
    summary = recognise_images_to_csv(args.images, layouts, args.out, settings.recognition,
                                      language, args.workers, TerminalProgressBar(language))
    print(LocalisedText(  # noqa: T201
        f"已识别 {summary.pages} 页：{summary.ok} 页正常，{summary.flagged} 页需要核对，"
        f"{summary.rejected} 页无法识别；写入 {summary.rows} 行到 {args.out}。",
        f"Recognised {summary.pages} pages: {summary.ok} OK, {summary.flagged} to check, "
        f"{summary.rejected} unreadable; wrote {summary.rows} rows to {args.out}."
    ).in_language(language))
    return 0


def _check_layouts_distinct(layouts: Sequence[AnswerSheetLayout]) -> None:
    seen: dict[tuple[int, int], str] = {}
    for layout in layouts:
        key = (layout.exam_id, layout.version)
        if key in seen:
            raise BadInputError(LocalisedText(
                f"两个版式文件是同一考试的同一版本（考试 {key[0]}，版本 {key[1]}）。",
                f"Two layout files are the same version of the same exam (exam {key[0]}, "
                f"version {key[1]})."), detail=f"duplicate layout {key}")
        seen[key] = layout.title


__all__ = ["CSV_HEADER", "RecognitionSummary", "configure_cli", "load_layout_file",
           "recognise_images_to_csv", "result_rows", "run_cli"]
