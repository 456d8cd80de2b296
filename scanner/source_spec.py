"""The page source named on the command line (`ptw scan --source`): `KIND:TARGET`.

`sane:DEVICE` a SANE device (`sane:fujitsu:fi-7160:12345`), `twain:NAME` a TWAIN data
source by product name, `folder:DIR` a folder that capture software fills (watched until
cancelled), `file:PATH` a file or a folder of files imported once. Only the first colon
separates kind and target, so SANE names and Windows paths (`folder:D:\\扫描`) keep theirs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.errors import BadInputError
from core.i18n import LocalisedText

_FORMS = "sane:设备 | twain:名称 | folder:文件夹 | file:路径"
_FORMS_EN = "sane:DEVICE | twain:NAME | folder:DIR | file:PATH"

_EMPTY = LocalisedText(
    f"未指定扫描来源：请写成 {_FORMS} 之一。",
    f"No scan source given: write one of {_FORMS_EN}.",
)
_NO_KIND = LocalisedText(
    "扫描来源“{text}”缺少类型：请写成 " + _FORMS + " 之一，例如 folder:D:\\扫描。",
    "The scan source “{text}” has no kind: write one of "
    + _FORMS_EN
    + ", for example folder:D:\\scans.",
)
_UNKNOWN_KIND = LocalisedText(
    "不认识的扫描来源类型“{kind}”：只能是 sane、twain、folder 或 file。"
    "如果这是一个路径，请在前面加上 file: 或 folder:。",
    "Unknown scan source kind “{kind}”: use sane, twain, folder or file. If this is a "
    "path, put file: or folder: in front of it.",
)
_NO_TARGET = LocalisedText(
    "扫描来源“{text}”缺少{kind}后面的名称或路径：例如 {kind}:{example}。",
    "The scan source “{text}” names no device or path after “{kind}:”: for example "
    "{kind}:{example}.",
)
_EXAMPLES = {"sane": "test:0", "twain": "fi-7160", "folder": "D:\\scans", "file": "exam.pdf"}


class SourceKind(enum.StrEnum):
    """Where pages come from."""

    SANE = "sane"
    TWAIN = "twain"
    FOLDER = "folder"
    FILE = "file"


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A parsed source: its kind and the device name or path, as written."""

    kind: SourceKind
    target: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}"


def parse_source(text: str) -> SourceSpec:
    """Parse `KIND:TARGET`; a kind is case-insensitive, spaces around the parts are dropped."""
    written = text.strip()
    if not written:
        raise BadInputError(_EMPTY, detail="empty source")
    kind_text, colon, target = written.partition(":")
    kind_name = kind_text.strip().casefold()
    if not colon:
        raise BadInputError(_NO_KIND.format(text=written), detail=f"no kind in {written!r}")
    if kind_name not in {kind.value for kind in SourceKind}:
        raise BadInputError(
            _UNKNOWN_KIND.format(kind=kind_text.strip()),
            detail=f"unknown source kind in {written!r}",
        )
    if not target.strip():
        example = _EXAMPLES[kind_name]
        raise BadInputError(
            _NO_TARGET.format(text=written, kind=kind_name, example=example),
            detail=f"no target in {written!r}",
        )
    return SourceSpec(SourceKind(kind_name), target.strip())
