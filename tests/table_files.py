"""Small helpers that write the tables tests import: .xlsx through openpyxl, and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

Rows = Sequence[Sequence[Any]]


def write_xlsx(
    path: Path,
    rows: Rows,
    merged: Iterable[str] = (),
    sheet: str = "Sheet1",
    extra_sheets: Iterable[tuple[str, Rows]] = (),
) -> Path:
    """Write `rows` (cells as typed: str, int, float, None) to the first sheet of `path`.

    `merged` holds ranges such as "A1:D1"; `extra_sheets` holds (name, rows) pairs added
    after the first sheet.
    """
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    _fill(worksheet, rows)
    for cell_range in merged:
        worksheet.merge_cells(cell_range)
    for name, extra_rows in extra_sheets:
        _fill(workbook.create_sheet(name), extra_rows)
    workbook.save(path)
    return path


def _fill(worksheet: Any, rows: Rows) -> None:
    for row_number, row in enumerate(rows, start=1):
        for column_number, value in enumerate(row, start=1):
            if value is not None:
                worksheet.cell(row=row_number, column=column_number, value=value)


def write_csv(path: Path, rows: Rows, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    """Write `rows` as CSV in `encoding` ("utf-8-sig" for a BOM, "gbk" as WPS saves it)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        ["" if value is None else value for value in row] for row in rows
    )
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path
