from __future__ import annotations

import pytest

from core.errors import BadInputError
from scanner.source_spec import SourceKind, SourceSpec, parse_source


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sane:test:0", SourceSpec(SourceKind.SANE, "test:0")),
        ("twain:Fujitsu fi-7160", SourceSpec(SourceKind.TWAIN, "Fujitsu fi-7160")),
        ("folder:D:\\扫描\\三年级", SourceSpec(SourceKind.FOLDER, "D:\\扫描\\三年级")),
        ("  FILE: /home/teacher/exam.pdf ", SourceSpec(SourceKind.FILE, "/home/teacher/exam.pdf")),
    ],
)
def test_parses_each_kind_keeping_colons_in_the_target(text: str, expected: SourceSpec) -> None:
    assert parse_source(text) == expected


def test_round_trips_through_str() -> None:
    assert str(parse_source("sane:fujitsu:fi-7160:1")) == "sane:fujitsu:fi-7160:1"


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        ("", "未指定扫描来源", "No scan source"),
        ("exam.pdf", "缺少类型", "has no kind"),
        ("scanner:1", "不认识的扫描来源类型“scanner”", "Unknown scan source kind “scanner”"),
        ("D:\\scans", "请在前面加上 file: 或 folder:", "put file: or folder: in front"),
        ("folder:  ", "缺少folder后面的名称或路径", "names no device or path after “folder:”"),
    ],
)
def test_bad_sources_are_bad_input_in_both_languages(text: str, zh: str, en: str) -> None:
    with pytest.raises(BadInputError) as bad:
        parse_source(text)
    assert zh in bad.value.message("zh_CN")
    assert en in bad.value.message("en")
    assert bad.value.exit_status == 2
