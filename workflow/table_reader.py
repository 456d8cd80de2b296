"""Reading a table a school typed in Excel or saved as CSV, with its header found by name.

Accepts .xlsx/.xlsm (openpyxl) and .csv in UTF-8 (with or without BOM) or GBK/GB18030.
The header row is found among the first rows by its Chinese names or English aliases,
so a merged title row above it is fine; merged cells inside the header are reported,
merged cells in the data (a class name merged down a column) are filled in. Problems
are collected as `ImportProblem`s and raised together, never one at a time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import ImportProblem, ImportRejectedError, NotFoundError
from core.i18n import LocalisedText

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv"}
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """A column an importer understands: its key, its header names (Chinese first), need."""

    key: str
    names: tuple[str, ...]
    required: bool = True

    @property
    def display_name(self) -> str:
        """The name shown in messages: the Chinese header."""
        return self.names[0]


@dataclass(frozen=True, slots=True)
class TableRow:
    """One data row: its 1-based row number in the file and its cell texts by column key."""

    number: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        """The stripped text of a column, '' when empty or absent."""
        return self.values.get(key, "")


@dataclass
class Table:
    """The rows of one sheet under a recognised header."""

    source: str
    sheet: str
    header_row: int
    columns: dict[str, str]
    rows: list[TableRow] = field(default_factory=list)

    def problem(self, row: int | None, key: str | None, message: LocalisedText) -> ImportProblem:
        """A problem located in this table, naming the column as the file does."""
        column = self.columns.get(key, key) if key else None
        return ImportProblem(self.sheet, row, column, message)


def normalise_header(text: str) -> str:
    """Header text made comparable: no spaces, markers or case; full-width folded."""
    text = text.replace("（", "(").replace("）", ")").replace("＊", "*")
    text = re.sub(r"[\s*:：_\-]+", "", text)
    text = re.sub(r"\(.*?\)$", "", text)
    return text.lower()


def cell_text(value: Any) -> str:
    """The text of a cell as a person reads it (20230101 not 20230101.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _problem(sheet: str, zh: str, en: str, row: int | None = None) -> ImportProblem:
    return ImportProblem(sheet, row, None, LocalisedText(zh, en))


def read_table(path: Path, columns: Sequence[ColumnSpec]) -> Table:
    """Read the first sheet of `path` whose header has the required columns."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(
            LocalisedText(f"找不到文件：{path}", f"File not found: {path}"), detail=str(path)
        )
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        sheets = _excel_sheets(path)
    elif suffix in CSV_SUFFIXES:
        sheets = [(path.stem, _csv_rows(path), [])]
    else:
        raise ImportRejectedError([_unsupported_type(path)], source=path.name)
    return _find_table(path.name, sheets, columns)


def _unsupported_type(path: Path) -> ImportProblem:
    hint_zh = "（旧版 .xls 请在 Excel 中“另存为” .xlsx）" if path.suffix.lower() == ".xls" else ""
    hint_en = " (save an old .xls as .xlsx in Excel)" if path.suffix.lower() == ".xls" else ""
    return _problem(
        path.name,
        f"不支持的文件类型“{path.suffix or '无扩展名'}”，请使用 .xlsx 或 .csv 文件{hint_zh}。",
        f"Unsupported file type '{path.suffix or 'no extension'}': use .xlsx or .csv{hint_en}.",
    )


Merged = list[tuple[int, int, int, int]]  # min_row, min_col, max_row, max_col (1-based)


def _excel_sheets(path: Path) -> list[tuple[str, list[list[str]], Merged]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError,
            EOFError, zlib.error, SyntaxError) as exc:  # SyntaxError: broken sheet XML
        raise ImportRejectedError(
            [
                _problem(
                    path.name,
                    "文件已损坏或不是有效的 Excel (.xlsx) 文件，请在 Excel 中打开并重新保存。",
                    "The file is damaged or is not a valid Excel (.xlsx) workbook; open it in "
                    "Excel and save it again.",
                )
            ],
            source=f"{path.name}: {exc}",
        ) from exc
    sheets = []
    for worksheet in workbook.worksheets:
        rows = [[cell_text(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
        merged = [
            (r.min_row, r.min_col, r.max_row, r.max_col) for r in worksheet.merged_cells.ranges
        ]
        sheets.append((worksheet.title, rows, merged))
    workbook.close()
    return sheets


def decode_text_file(data: bytes, name: str) -> str:
    """Text of a CSV saved by Excel or WPS: UTF-8 (BOM or not), else GBK/GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRejectedError(
        [
            _problem(
                name,
                "无法识别文件编码，请另存为“CSV UTF-8”或 .xlsx 后重试。",
                "The file's text encoding is not recognised; save it as 'CSV UTF-8' or .xlsx.",
            )
        ],
        source=name,
    )


def _csv_rows(path: Path) -> list[list[str]]:
    text = decode_text_file(path.read_bytes(), path.name)
    head = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    delimiter = max([",", "\t", ";"], key=head.count) if head else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [[cell.strip() for cell in row] for row in reader]


def _resolve_header(
    cells: Sequence[str], columns: Sequence[ColumnSpec]
) -> tuple[dict[str, int], dict[str, str], list[tuple[str, str]]]:
    """Map column keys to positions; also the header texts and pairs naming one column."""
    aliases = {normalise_header(name): spec.key for spec in columns for name in spec.names}
    positions: dict[str, int] = {}
    texts: dict[str, str] = {}
    repeated: list[tuple[str, str]] = []
    for index, cell in enumerate(cells):
        key = aliases.get(normalise_header(cell)) if cell else None
        if key is None:
            continue
        if key in positions:
            repeated.append((texts[key], cell))
            continue
        positions[key] = index
        texts[key] = cell
    return positions, texts, repeated


def _find_table(
    source: str,
    sheets: Iterable[tuple[str, list[list[str]], Merged]],
    columns: Sequence[ColumnSpec],
) -> Table:
    required = [spec for spec in columns if spec.required]
    best: tuple[int, str, list[str]] | None = None  # matches, sheet, missing names
    any_content = False
    for sheet, rows, merged in sheets:
        any_content = any_content or any(any(cell for cell in row) for row in rows)
        for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
            positions, texts, repeated = _resolve_header(cells, columns)
            missing = [spec.display_name for spec in required if spec.key not in positions]
            if not missing:
                return _build_table(source, sheet, rows, merged, index + 1, positions, texts,
                                    repeated)
            if positions and (best is None or len(positions) > best[0]):
                best = (len(positions), sheet, missing)
    if not any_content:
        problem = _problem(source, "文件是空的，没有任何内容。", "The file is empty.")
    elif best is not None:
        names = "、".join(best[2])
        problem = _problem(
            best[1],
            f"缺少必需的列：{names}。请在表头中加上这些列（可参考随程序提供的模板）。",
            f"Missing required column(s): {', '.join(best[2])}. Add them to the header "
            "(see the template shipped with the program).",
        )
    else:
        expected = "、".join(spec.display_name for spec in required)
        problem = _problem(
            source,
            f"找不到表头。前 {HEADER_SEARCH_ROWS} 行中应有一行包含这些列名：{expected}。",
            f"No header row found: one of the first {HEADER_SEARCH_ROWS} rows must name the "
            f"columns {', '.join(spec.names[-1] for spec in required)}.",
        )
    raise ImportRejectedError([problem], source=source)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _build_table(
    source: str,
    sheet: str,
    rows: list[list[str]],
    merged: Merged,
    header_row: int,
    positions: dict[str, int],
    texts: dict[str, str],
    repeated: list[tuple[str, str]],
) -> Table:
    table = Table(source=source, sheet=sheet, header_row=header_row, columns=texts)
    problems = [
        table.problem(header_row, None, _repeated_header_message(first, second))
        for first, second in repeated
    ]
    for min_row, min_col, max_row, max_col in merged:
        if min_row <= header_row <= max_row and max_col > min_col:
            span = f"{_column_letter(min_col - 1)}{min_row}:{_column_letter(max_col - 1)}{max_row}"
            problems.append(table.problem(header_row, None, LocalisedText(
                f"表头有合并单元格 {span}，请取消合并，使每一列都有自己的列名。",
                f"The header has merged cells {span}; unmerge them so every column has its "
                "own name.",
            )))
    if problems:
        raise ImportRejectedError(problems, source=source)
    _fill_merged_data(rows, merged, header_row)
    for offset, cells in enumerate(rows[header_row:], start=header_row + 1):
        values = {
            key: cells[index] if index < len(cells) else "" for key, index in positions.items()
        }
        if any(values.values()):
            table.rows.append(TableRow(offset, values))
    return table


def _repeated_header_message(first: str, second: str) -> LocalisedText:
    if first == second:
        return LocalisedText(f"表头中“{first}”出现了两次，请删除多余的一列。",
                             f"The header '{first}' appears twice; remove the extra column.")
    return LocalisedText(f"表头中“{first}”和“{second}”指的是同一列，请只保留其中一列。",
                         f"The headers '{first}' and '{second}' name the same column; "
                         "keep only one of them.")


def _fill_merged_data(rows: list[list[str]], merged: Merged, header_row: int) -> None:
    """Copy a merged block's value into all its cells below the header (in place)."""
    for min_row, min_col, max_row, max_col in merged:
        if min_row <= header_row:
            continue
        value = rows[min_row - 1][min_col - 1] if len(rows[min_row - 1]) >= min_col else ""
        for row in range(min_row - 1, min(max_row, len(rows))):
            for col in range(min_col - 1, min(max_col, len(rows[row]))):
                rows[row][col] = value
