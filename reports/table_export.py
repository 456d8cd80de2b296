"""Writing tables to .csv (UTF-8 with BOM, so Excel opens Chinese correctly) or .xlsx."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import BadInputError
from core.i18n import LocalisedText

Cell = str | int | float | None


@dataclass
class TableSheet:
    """One sheet of an export: a title, a header and rows."""

    title: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def write_tables(path: Path, sheets: Sequence[TableSheet]) -> Path:
    """Write `sheets` to `path` by its extension; a CSV gets the first sheet only.

    The file is written beside its target and renamed into place, so a failed export
    never leaves half a file under the requested name.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".xlsx"}:
        raise BadInputError(LocalisedText(
            f"不支持导出为“{suffix or '无扩展名'}”，请使用 .csv 或 .xlsx。",
            f"Cannot export to '{suffix or 'no extension'}'; use .csv or .xlsx."))
    if not path.parent.exists():
        raise BadInputError(LocalisedText(f"文件夹不存在：{path.parent}",
                                          f"Folder does not exist: {path.parent}"))
    temporary = path.with_name(f".{path.name}.partial")
    try:
        if suffix == ".csv":
            _write_csv(temporary, sheets[0])
        else:
            _write_xlsx(temporary, sheets)
        os.replace(temporary, path)
    except PermissionError as exc:
        temporary.unlink(missing_ok=True)
        raise BadInputError(LocalisedText(
            f"无法写入 {path}：文件可能正在 Excel 中打开，请关闭后重试。",
            f"Cannot write {path}: it may be open in Excel; close it and retry."),
            detail=str(exc)) from exc
    return path


def _write_csv(path: Path, sheet: TableSheet) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(sheet.header)
        writer.writerows(["" if cell is None else cell for cell in row] for row in sheet.rows)


def _write_xlsx(path: Path, sheets: Sequence[TableSheet]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.title[:31])
        worksheet.append(sheet.header)
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            worksheet.append(row)
        worksheet.freeze_panes = "A2"
    workbook.save(path)
