import io
import random
import zipfile
from pathlib import Path

import pytest

from core.errors import ImportRejectedError, NotFoundError
from tests.table_files import write_csv, write_xlsx
from workflow.roster_import import ROSTER_COLUMNS
from workflow.table_reader import read_table

HEADER = ["班级", "学号", "姓名", "性别"]
ROWS = [
    ["七年级(1)班", "20230101", "赵同学01", "男"],
    ["七年级(2)班", "20230102", "测试乙", "女"],
]


def rejected(path: Path) -> ImportRejectedError:
    with pytest.raises(ImportRejectedError) as caught:
        read_table(path, ROSTER_COLUMNS)
    return caught.value


def values(table) -> list[list[str]]:
    return [[row.get(key) for key in ("class_name", "student_number", "name", "gender")]
            for row in table.rows]


def test_header_under_merged_title_is_found_and_rows_numbered_as_in_excel(tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [
        ["2024学年 七年级学生名单（测试）"], [], HEADER, ROWS[0], [], ROWS[1],
    ], merged=["A1:D1"])
    table = read_table(path, ROSTER_COLUMNS)
    assert table.header_row == 3
    assert [row.number for row in table.rows] == [4, 6]
    assert values(table) == ROWS


def test_merged_cells_in_the_header_are_rejected_naming_the_range(tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [["测试名单"], [], [*HEADER, None], ROWS[0]],
                      merged=["A1:E1", "D3:E3"])
    error = rejected(path)
    assert len(error.problems) == 1
    assert error.problems[0].row == 3
    assert "D3:E3" in error.message("zh_CN")
    assert "D3:E3" in error.message("en")


def test_class_merged_down_a_data_column_is_filled_in(tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [
        HEADER,
        ["七年级(1)班", "1", "测试甲", "男"],
        [None, "2", "测试乙", "女"],
        [None, "3", "测试丙", "男"],
        ["七年级(2)班", "4", "测试丁", "女"],
    ], merged=["A2:A4"])
    table = read_table(path, ROSTER_COLUMNS)
    assert [row.get("class_name") for row in table.rows] == ["七年级(1)班"] * 3 + ["七年级(2)班"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_reads_the_same_chinese_in_every_encoding(tmp_path, encoding):
    path = write_csv(tmp_path / "名单.csv", [HEADER, *ROWS], encoding=encoding)
    table = read_table(path, ROSTER_COLUMNS)
    assert table.columns["class_name"] == "班级"
    assert values(table) == ROWS
    assert [row.number for row in table.rows] == [2, 3]


def test_tab_separated_csv(tmp_path):
    path = write_csv(tmp_path / "名单.csv", [HEADER, *ROWS], delimiter="\t")
    assert values(read_table(path, ROSTER_COLUMNS)) == ROWS


def test_empty_csv_file_is_reported_as_empty(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(b"")
    error = rejected(path)
    assert "文件是空的" in error.message("zh_CN")
    assert "empty" in error.message("en")


def test_workbook_without_content_is_reported_as_empty(tmp_path):
    error = rejected(write_xlsx(tmp_path / "名单.xlsx", []))
    assert "文件是空的" in error.message("zh_CN")


@pytest.mark.parametrize(("name", "hint"), [("名单.txt", None), ("名单.xls", "另存为")])
def test_unsupported_file_types_are_rejected(tmp_path, name, hint):
    path = tmp_path / name
    path.write_text("班级,学号,姓名\n", encoding="utf-8")
    error = rejected(path)
    assert Path(name).suffix in error.message("zh_CN")
    assert Path(name).suffix in error.message("en")
    if hint:
        assert hint in error.message("zh_CN")
        assert "save an old .xls as .xlsx" in error.message("en")


def _good_xlsx(tmp_path: Path) -> bytes:
    return write_xlsx(tmp_path / "good.xlsx", [HEADER, *ROWS]).read_bytes()


def _damaged_member(data: bytes) -> bytes:
    """The workbook with the compressed bytes of its first sheet scrambled."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    damaged = bytearray(data)
    for offset in range(start, start + min(40, info.compress_size)):
        damaged[offset] ^= 0x55
    return bytes(damaged)


def _half_written_sheet(data: bytes) -> bytes:
    """A valid zip whose sheet XML stops half way."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(info, content)
    return out.getvalue()


@pytest.mark.parametrize("damage", [
    pytest.param(lambda data: bytes(random.Random(7).randrange(256) for _ in range(3000)),
                 id="random-bytes"),
    pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
    pytest.param(lambda data: b"", id="zero-bytes"),
    pytest.param(_damaged_member, id="damaged-compressed-sheet"),
    pytest.param(_half_written_sheet, id="half-written-sheet-xml"),
])
def test_corrupt_xlsx_is_rejected_with_a_clear_message(tmp_path, damage):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(damage(_good_xlsx(tmp_path)))
    error = rejected(path)
    assert "损坏" in error.message("zh_CN")
    assert "damaged" in error.message("en")


def test_missing_required_column_is_named(tmp_path):
    path = write_csv(tmp_path / "名单.csv", [["班级", "学号", "性别"], ["七年级(1)班", "1", "男"]])
    error = rejected(path)
    assert len(error.problems) == 1
    assert "姓名" in error.message("zh_CN")
    assert "姓名" in error.message("en")
    assert "班级" not in error.problems[0].message.zh


def test_english_alias_headers(tmp_path):
    path = write_xlsx(tmp_path / "roster.xlsx",
                      [["Class", "Student Number", "Name", "Gender"], *ROWS])
    table = read_table(path, ROSTER_COLUMNS)
    assert table.columns["student_number"] == "Student Number"
    assert values(table) == ROWS


def test_numbers_typed_as_numbers_read_as_people_see_them(tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [
        HEADER,
        ["七年级(1)班", 20230101, "测试甲", "男"],
        ["七年级(1)班", 20230102.0, "测试乙", "女"],
    ])
    table = read_table(path, ROSTER_COLUMNS)
    assert [row.get("student_number") for row in table.rows] == ["20230101", "20230102"]


def test_header_named_twice_is_a_problem(tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [[*HEADER, "姓名"], [*ROWS[0], "测试甲"]])
    error = rejected(path)
    assert [problem.row for problem in error.problems] == [1]
    assert "“姓名”出现了两次" in error.message("zh_CN")
    assert "twice" in error.message("en")


def test_two_aliases_of_one_column_are_named_together(tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [[*HEADER, "学籍号"], [*ROWS[0], "X1"]])
    error = rejected(path)
    assert "“学号”和“学籍号”指的是同一列" in error.message("zh_CN")
    assert "'学号' and '学籍号' name the same column" in error.message("en")


def test_tab_separated_csv_under_a_title_line(tmp_path):
    path = tmp_path / "名单.csv"
    lines = ["2024级名单", "\t".join(HEADER), *("\t".join(row) for row in ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert values(read_table(path, ROSTER_COLUMNS)) == ROWS


def test_table_on_a_later_sheet_is_found(tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [["填写说明：每行一个学生"]], sheet="说明",
                      extra_sheets=[("名单", [HEADER, *ROWS])])
    table = read_table(path, ROSTER_COLUMNS)
    assert table.sheet == "名单"
    assert values(table) == ROWS


def test_header_problems_name_row_in_both_languages(tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [["标题"], [*HEADER, "姓名", None]],
                      merged=["E2:F2"])
    error = rejected(path)
    assert len(error.problems) == 2
    assert error.message("zh_CN").count("第 2 行") == 2
    assert error.message("en").count("row 2") == 2


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(NotFoundError) as caught:
        read_table(tmp_path / "没有这个文件.xlsx", ROSTER_COLUMNS)
    assert "没有这个文件.xlsx" in caught.value.message("zh_CN")
