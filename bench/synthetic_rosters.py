"""Synthetic roster files with obviously fake names, for benches and load tests."""

from __future__ import annotations

import random
from pathlib import Path

_SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


def roster_rows(count: int, seed: int = 1, prefix: str = "S", classes: int = 20
                ) -> list[list[str]]:
    """`count` roster rows (班级, 学号, 姓名, 性别) spread over `classes` classes."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        grade = 7 + index % 3
        class_name = f"{'七八九'[grade - 7]}年级({index % classes // 3 + 1})班"
        rows.append([class_name, f"{prefix}{index:06d}", f"{rng.choice(_SURNAMES)}同学{index}",
                     rng.choice("男女")])
    return rows


def write_roster_xlsx(path: Path, rows: list[list[str]]) -> Path:
    """Write roster rows under the Chinese header to an .xlsx file."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append(["班级", "学号", "姓名", "性别"])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path
