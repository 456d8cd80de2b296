"""Read a folder of OMRChecker sheets (template.json and images) into one long CSV.

`ptw omr omrchecker SAMPLE_DIR --out results.csv` walks SAMPLE_DIR recursively, as
OMRChecker does: every folder uses the nearest template.json at or above it (images in a
folder no template applies to are skipped with a warning; no template.json anywhere is an
error), config.json files merge from SAMPLE_DIR down, evaluation.json is the
nearest one (loaded and checked, not scored). Marker and reference images named by a
template's pre-processors are not sheets. The CSV has one row per (image, output column):
`image,field,value`, image relative to SAMPLE_DIR with forward slashes. An image that
cannot be read or whose page cannot be found still gets its rows, with empty values, and
a warning; the run goes on.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import BadInputError, OperationCancelledError, PtwError
from core.i18n import LocalisedText
from core.progress import CancelToken, ProgressCallback, ProgressUpdate, ignore_progress
from core.settings import RecognitionThresholds, Settings
from omr.omrchecker.config import (
    Evaluation,
    config_from_object,
    load_evaluation,
    merge_config,
)
from omr.omrchecker.reader import SheetReader
from omr.omrchecker.template import load_template, read_json_object
from workflow.terminal_progress import TerminalProgressBar

log = logging.getLogger(__name__)

TEMPLATE_FILE = "template.json"
CONFIG_FILE = "config.json"
EVALUATION_FILE = "evaluation.json"
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"})
CSV_HEADER = ("image", "field", "value")


@dataclass(frozen=True, slots=True)
class ImageRows:
    """One image's output: relative path, columns in template order, and a problem if any."""

    image: str
    values: dict[str, str]
    problem: LocalisedText | None = None


@dataclass
class FolderSummary:
    """What a run did."""

    images: int = 0
    failed: int = 0
    rows: int = 0
    warnings: list[LocalisedText] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _FolderSetup:
    reader: SheetReader | None
    config_object: dict[str, Any]
    evaluation: Evaluation | None


def _no_template(root: Path) -> BadInputError:
    return BadInputError(LocalisedText(
        f"文件夹 {root} 及其子文件夹里都没有 template.json：请指向包含 OMRChecker 模板的文件夹。",
        f"Neither the folder {root} nor its sub-folders have a template.json: point to a "
        "folder that holds an OMRChecker template."), detail=f"no template.json in {root}")


def _walk_folders(root: Path) -> Iterator[Path]:
    for current, dirs, _files in os.walk(root):
        dirs.sort()
        yield Path(current)


def _setup_for(folder: Path, parent: _FolderSetup | None,
               thresholds: RecognitionThresholds) -> _FolderSetup:
    config_object = dict(parent.config_object) if parent else {}
    has_config = (folder / CONFIG_FILE).is_file()
    if has_config:
        config_object = merge_config(config_object, read_json_object(folder / CONFIG_FILE))
    evaluation = parent.evaluation if parent else None
    if (folder / EVALUATION_FILE).is_file():
        evaluation = load_evaluation(folder / EVALUATION_FILE)
    reader = parent.reader if parent else None
    if (folder / TEMPLATE_FILE).is_file() or (has_config and reader is not None):
        template = (load_template(folder / TEMPLATE_FILE) if (folder / TEMPLATE_FILE).is_file()
                    else reader.template)  # type: ignore[union-attr]
        config = config_from_object(config_object, folder / CONFIG_FILE)
        reader = SheetReader(template, config, thresholds)
    return _FolderSetup(reader, config_object, evaluation)


def plan_folder(root: Path, thresholds: RecognitionThresholds | None = None,
                warn: Callable[[LocalisedText], None] | None = None
                ) -> list[tuple[Path, SheetReader]]:
    """Every sheet image under `root` with the reader for its template, in walk order.

    Every template, config and evaluation file is loaded first, so a malformed one stops
    the run before anything is read (`BadInputError` naming the file and the problem).
    Images in a folder no template applies to are skipped with a warning, as OMRChecker
    does; `BadInputError` when no folder has a template at all.
    """
    root = Path(root)
    if not root.is_dir():
        raise BadInputError(LocalisedText(f"找不到文件夹 {root}。", f"The folder {root} does "
                                          "not exist."), detail=f"no folder {root}")
    thresholds = thresholds or RecognitionThresholds()
    setups: dict[Path, _FolderSetup] = {}
    plan: list[tuple[Path, SheetReader]] = []
    any_template = False
    for folder in _walk_folders(root):
        parent = setups.get(folder.parent) if folder != root else None
        setup = _setup_for(folder, parent, thresholds)
        setups[folder] = setup
        images = [p for p in sorted(folder.iterdir())
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
        if setup.reader is None:
            if images and warn:
                relative = folder.relative_to(root).as_posix()
                warn(LocalisedText(f"{relative}：没有适用的 template.json，"
                                   f"跳过 {len(images)} 张图片。",
                                   f"{relative}: no template.json applies; {len(images)} "
                                   "image(s) skipped."))
            continue
        any_template = True
        excluded = setup.reader.files_used()
        plan += [(p, setup.reader) for p in images if p.resolve() not in excluded]
    if not any_template:
        raise _no_template(root)
    return plan


def read_folder(root: Path, thresholds: RecognitionThresholds | None = None,
                progress: ProgressCallback = ignore_progress,
                cancel: CancelToken | None = None,
                warn: Callable[[LocalisedText], None] | None = None) -> Iterator[ImageRows]:
    """Read every sheet under `root`; yields one `ImageRows` per image, failures included."""
    cancel = cancel or CancelToken()
    plan = plan_folder(Path(root), thresholds, warn)
    for done, (path, reader) in enumerate(plan):
        cancel.raise_if_cancelled()
        progress(ProgressUpdate(done, len(plan), LocalisedText("识别答题卡", "Reading sheets")))
        relative = path.relative_to(root).as_posix()
        try:
            result = reader.read(path)
        except PtwError as error:
            log.warning("omrchecker import: %s: %s", relative, error.detail)
            problem = LocalisedText(f"{relative}：{error.user_message.zh}",
                                    f"{relative}: {error.user_message.en}")
        except (OperationCancelledError, KeyboardInterrupt):
            raise
        except Exception:  # one odd image must not stop the batch
            log.exception("omrchecker import: %s could not be read", relative)
            problem = LocalisedText(f"{relative}：识别时出现内部错误，已跳过（详见日志）。",
                                    f"{relative}: internal error while reading; skipped "
                                    "(details in the log).")
        else:
            yield ImageRows(relative, result.columns)
            continue
        if warn:
            warn(problem)
        yield ImageRows(relative, dict.fromkeys(reader.template.output_columns, ""), problem)
    progress(ProgressUpdate(len(plan), len(plan), LocalisedText("完成", "Done")))


def import_omrchecker_folder(root: Path, out: Path,
                             thresholds: RecognitionThresholds | None = None,
                             progress: ProgressCallback = ignore_progress,
                             cancel: CancelToken | None = None,
                             warn: Callable[[LocalisedText], None] | None = None
                             ) -> FolderSummary:
    """Read `root` and write the long CSV `image,field,value` to `out` (UTF-8)."""
    root = Path(root)
    summary = FolderSummary()

    def _warn(text: LocalisedText) -> None:
        summary.warnings.append(text)
        if warn:
            warn(text)

    rows = read_folder(root, thresholds, progress, cancel, _warn)
    first = next(rows, None)  # plan (and template errors) before the output file is touched
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(CSV_HEADER)
            for item in ([first] if first else []):
                summary.rows += _write(writer, item, summary)
            for item in rows:
                summary.rows += _write(writer, item, summary)
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    return summary


def _write(writer: Any, item: ImageRows, summary: FolderSummary) -> int:
    summary.images += 1
    summary.failed += item.problem is not None
    for name, value in item.values.items():
        writer.writerow([item.image, name, value])
    return len(item.values)


def configure_cli(parser: argparse.ArgumentParser) -> None:
    """Arguments of `ptw omr omrchecker`."""
    parser.add_argument("folder", type=Path, help="folder with template.json and sheet images")
    parser.add_argument("--out", type=Path, required=True, help="long CSV: image,field,value")


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    """`ptw omr omrchecker FOLDER --out CSV`: warnings on stderr, a summary on stdout."""
    language = str(settings.language)

    def warn(text: LocalisedText) -> None:
        sys.stderr.write(text.in_language(language) + "\n")

    summary = import_omrchecker_folder(args.folder, args.out, settings.recognition,
                                       TerminalProgressBar(language), warn=warn)
    print(LocalisedText(  # noqa: T201
        f"已识别 {summary.images} 张答题卡（{summary.failed} 张无法识别），"
        f"写入 {summary.rows} 行到 {args.out}。",
        f"Read {summary.images} sheets ({summary.failed} could not be read); wrote "
        f"{summary.rows} rows to {args.out}.").in_language(language))
    return 0


__all__ = ["FolderSummary", "ImageRows", "configure_cli", "import_omrchecker_folder",
           "plan_folder", "read_folder", "run_cli"]
