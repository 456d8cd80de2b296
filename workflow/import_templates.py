"""Blank import templates (.xlsx) made from the importers' own column definitions.

The shipped copies in resources/templates/ are written by
`python -m workflow.import_templates resources/templates`; a test checks they still
match the importers, so a template can never ask for a column the importer ignores.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from workflow.answer_key_import import KEY_COLUMNS
from workflow.knowledge_point_import import KP_COLUMNS
from workflow.roster_import import ROSTER_COLUMNS
from workflow.table_reader import ColumnSpec


@dataclass(frozen=True, slots=True)
class ImportTemplate:
    """One template: file name, sheet title, its columns and a note per column."""

    file_name: str
    sheet: str
    columns: tuple[ColumnSpec, ...]
    notes: dict[str, str]


TEMPLATES = (
    ImportTemplate("roster_template.xlsx", "学生名单", ROSTER_COLUMNS, {
        "class_name": "班级名称，例如：七年级(1)班",
        "student_number": "学号，全校唯一；只能是数字、字母和 -",
        "name": "学生姓名",
        "gender": "男 / 女，可留空",
        "grade": "可留空；班级名称中含“七年级”等时自动识别",
    }),
    ImportTemplate("answer_key_template.xlsx", "答案", KEY_COLUMNS, {
        "label": "题号，例如 1、2、13(2)；同一考试内不重复",
        "type": "单选 / 多选 / 判断 / 填空 / 解答",
        "answer": "单选填一个字母；多选填多个字母如 ACD；判断填 对 / 错；填空、解答可填参考答案",
        "points": "分值，大于 0，以 0.5 为单位",
        "rule": "可留空。多选：少选得半（默认）/ 全对得分 / 按选项给分；解答：人工",
        "kps": "知识点编码，多个用分号隔开，例如 MA.7A.01.02.01;MA.7A.01.02.02",
        "options": "选择题的选项个数，默认 4（A–D），最多 8",
        "section": "大题名称，例如 一、选择题（可留空）",
        "group": "选做题组名称，同一组的题只做其一（可留空）",
        "stem": "题干文字（可留空）",
    }),
    ImportTemplate("knowledge_points_template.xlsx", "知识点", KP_COLUMNS, {
        "code": "知识点编码，唯一；字母、数字和 . _ -",
        "name": "知识点名称",
        "parent": "上级知识点的编码；根节点留空",
        "subject": "学科，例如 数学",
        "grades": "适用年级，例如 7;8 或 七年级",
    }),
)


def write_template(template: ImportTemplate, path: Path) -> Path:
    """Write one blank template: a header-only sheet and a sheet of notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = template.sheet
    sheet.append([column.display_name for column in template.columns])
    for index, column in enumerate(template.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color=None if column.required else "666666")
        sheet.column_dimensions[cell.column_letter].width = 18
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "必填", "说明"])
    for column in template.columns:
        notes.append([column.display_name, "是" if column.required else "否",
                      template.notes[column.key]])
    notes.column_dimensions["C"].width = 70
    workbook.save(path)
    return path


def main(argv: list[str]) -> None:
    """Write every template into the folder named by the first argument."""
    folder = Path(argv[0])
    folder.mkdir(parents=True, exist_ok=True)
    for template in TEMPLATES:
        write_template(template, folder / template.file_name)


if __name__ == "__main__":
    main(sys.argv[1:])
