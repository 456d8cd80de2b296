"""OMRChecker `template.json`: field blocks, bubble geometry, custom labels, output columns.

Semantics follow OMRChecker (github.com/Udayraj123/OMRChecker, v1 template format):

- `pageDimensions` [width, height] is the size, in template pixels, the sheet is warped to
  before reading; `bubbleDimensions` [width, height] is one bubble's box.
- A field block has either a `fieldType` (QTYPE_INT, QTYPE_MCQ4, ...) that supplies its
  `bubbleValues` and `direction`, or its own `bubbleValues` and `direction`
  (default "vertical"). Its `origin` [x, y] is the top-left of the first bubble's box.
- Bubble *i* of field *j* has its top-left at origin + i·bubblesGap along the bubble
  direction and + j·labelsGap across it ("horizontal": bubbles go right, fields go down).
- `fieldLabels` entries may be ranges: "q1..10" is q1, q2, … q10.
- `customLabels` {"Roll": ["Medium", "roll1..9"]} output the concatenation of those
  fields' values; fields used in a custom label are not output on their own.
- A field with no marked bubble reads as its block's `emptyValue` (default "").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import BadInputError
from core.i18n import LocalisedText

DIGITS = tuple(str(d) for d in range(10))

FIELD_TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    "QTYPE_INT": (DIGITS, "vertical"),
    "QTYPE_INT_FROM_1": ((*DIGITS[1:], "0"), "vertical"),
    "QTYPE_MCQ4": (("A", "B", "C", "D"), "horizontal"),
    "QTYPE_MCQ5": (("A", "B", "C", "D", "E"), "horizontal"),
}
DIRECTIONS = ("horizontal", "vertical")
_RANGE = re.compile(r"^([^.\d]+)(\d+)\.{2,3}(\d+)$")


class TemplateError(BadInputError):
    """A template.json (or config/evaluation JSON) cannot be used; says where and why."""

    def __init__(self, path: Path | str, zh: str, en: str) -> None:
        super().__init__(
            LocalisedText(f"模板文件 {path} 有误：{zh}。请改正后重试。",
                          f"The template file {path} is not valid: {en}. Fix it and retry."),
            detail=f"{path}: {en}",
        )
        self.path = str(path)


@dataclass(frozen=True, slots=True)
class Bubble:
    """One bubble box in template pixels: top-left corner, size and the value it stands for."""

    x: int
    y: int
    width: float
    height: float
    value: str

    @property
    def centre(self) -> tuple[float, float]:
        """Centre of the box in template pixels."""
        return (self.x + self.width / 2.0, self.y + self.height / 2.0)


@dataclass(frozen=True, slots=True)
class Field:
    """One question (or one digit column): its label, block, empty value and bubbles."""

    label: str
    block: str
    empty_value: str
    bubbles: tuple[Bubble, ...]

    @property
    def values(self) -> tuple[str, ...]:
        """The bubble values in template order."""
        return tuple(b.value for b in self.bubbles)


@dataclass(frozen=True, slots=True)
class FieldBlock:
    """A block of fields laid out on a regular grid."""

    name: str
    origin: tuple[float, float]
    bubble_values: tuple[str, ...]
    direction: str
    bubbles_gap: float
    labels_gap: float
    bubble_size: tuple[float, float]
    empty_value: str
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class PreProcessorSpec:
    """One entry of `preProcessors`: its name and options, as written."""

    name: str
    options: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class OmrTemplate:
    """A parsed template.json."""

    path: Path
    page_size: tuple[int, int]
    bubble_size: tuple[float, float]
    blocks: tuple[FieldBlock, ...]
    custom_labels: dict[str, tuple[str, ...]]
    output_columns: tuple[str, ...]
    pre_processors: tuple[PreProcessorSpec, ...]

    @property
    def directory(self) -> Path:
        """The folder the template lives in; pre-processor files are relative to it."""
        return self.path.parent

    @property
    def fields(self) -> tuple[Field, ...]:
        """Every field of every block, in template order."""
        return tuple(f for block in self.blocks for f in block.fields)

    def encode(self, field_values: Mapping[str, str]) -> dict[str, str]:
        """Output columns from per-field values: custom labels concatenated, OMRChecker style."""
        out: dict[str, str] = {}
        for column in self.output_columns:
            if column in self.custom_labels:
                out[column] = "".join(field_values.get(lbl, "") for lbl in
                                      self.custom_labels[column])
            else:
                out[column] = field_values.get(column, "")
        return out


def parse_field_labels(entries: Iterable[Any], where: str = "fieldLabels") -> list[str]:
    """Expand label entries with range syntax: ["q1..3", "x"] → [q1, q2, q3, x]."""
    labels: list[str] = []
    for entry in entries:
        if not isinstance(entry, str) or not entry.strip():
            raise ValueError(f"{where}: {entry!r} is not a label")
        match = _RANGE.match(entry.strip())
        if match:
            prefix, start, end = match.group(1), int(match.group(2)), int(match.group(3))
            if start >= end:
                raise ValueError(f"{where}: range {entry!r} must go from low to high")
            labels += [f"{prefix}{n}" for n in range(start, end + 1)]
        else:
            labels.append(entry.strip())
    seen: set[str] = set()
    for label in labels:
        if label in seen:
            raise ValueError(f"{where}: label {label!r} appears twice")
        seen.add(label)
    return labels


def natural_key(label: str) -> tuple[Any, ...]:
    """Sort key that puts q2 before q10 (OMRChecker's default column order)."""
    parts = re.split(r"(\d+)", label)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


def read_json_object(path: Path) -> dict[str, Any]:
    """Read a JSON object from `path`, or raise `TemplateError` saying what is wrong."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise TemplateError(path, f"无法读取（{exc.strerror or exc}）",
                            f"it cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise TemplateError(path, "不是 UTF-8 文本", "it is not UTF-8 text") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(path, f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列："
                            f"{exc.msg}）",
                            f"it is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg})") from exc
    if not isinstance(data, dict):
        raise TemplateError(path, "顶层必须是 JSON 对象 {…}", "the top level must be a JSON object")
    return data


def _pair(value: Any, name: str, positive: bool = True) -> tuple[float, float]:
    if (not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        raise ValueError(f"{name} must be two numbers [x, y], got {value!r}")
    a, b = float(value[0]), float(value[1])
    if positive and (a <= 0 or b <= 0):
        raise ValueError(f"{name} must be positive, got {value!r}")
    return a, b


def _number(value: Any, name: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return float(value)


def _block(name: str, spec: Any, default_size: tuple[float, float],
           default_empty: str) -> FieldBlock:
    if not isinstance(spec, Mapping):
        raise ValueError(f"field block {name!r} must be an object")
    where = f"field block {name!r}"
    if "fieldType" in spec:
        field_type = spec["fieldType"]
        if field_type not in FIELD_TYPES:
            raise ValueError(f"{where}: unknown fieldType {field_type!r} "
                             f"(known: {', '.join(FIELD_TYPES)})")
        values, direction = FIELD_TYPES[field_type]
        values = tuple(str(v) for v in spec.get("bubbleValues", values))
        direction = spec.get("direction", direction)
    else:
        raw_values = spec.get("bubbleValues")
        if not isinstance(raw_values, Sequence) or isinstance(raw_values, str) or not raw_values:
            raise ValueError(f"{where}: needs a fieldType or a list of bubbleValues")
        values = tuple(str(v) for v in raw_values)
        direction = spec.get("direction", "vertical")
    if direction not in DIRECTIONS:
        raise ValueError(f"{where}: direction must be 'horizontal' or 'vertical', "
                         f"got {direction!r}")
    for key in ("origin", "fieldLabels", "bubblesGap", "labelsGap"):
        if key not in spec:
            raise ValueError(f"{where}: {key} is missing")
    origin = _pair(spec["origin"], f"{where}: origin", positive=False)
    bubbles_gap = _number(spec["bubblesGap"], f"{where}: bubblesGap")
    labels_gap = _number(spec["labelsGap"], f"{where}: labelsGap")
    size = (_pair(spec["bubbleDimensions"], f"{where}: bubbleDimensions")
            if "bubbleDimensions" in spec else default_size)
    labels_raw = spec["fieldLabels"]
    if not isinstance(labels_raw, Sequence) or isinstance(labels_raw, str) or not labels_raw:
        raise ValueError(f"{where}: fieldLabels must be a non-empty list")
    labels = parse_field_labels(labels_raw, f"{where}: fieldLabels")
    empty = spec.get("emptyValue", default_empty)
    empty = "" if empty is None else str(empty)
    along, across = (0, 1) if direction == "horizontal" else (1, 0)
    fields = []
    for j, label in enumerate(labels):
        bubbles = []
        for i, value in enumerate(values):
            point = [origin[0], origin[1]]
            point[along] += i * bubbles_gap
            point[across] += j * labels_gap
            # OMRChecker rounds each box's top-left corner to whole template pixels
            bubbles.append(Bubble(round(point[0]), round(point[1]), size[0], size[1], value))
        fields.append(Field(label, name, empty, tuple(bubbles)))
    return FieldBlock(name, origin, values, direction, bubbles_gap, labels_gap, size, empty,
                      tuple(fields))


def parse_template(data: Mapping[str, Any], path: Path) -> OmrTemplate:
    """Build an `OmrTemplate` from template.json's object; `TemplateError` when invalid."""
    try:
        return _parse(data, path)
    except ValueError as exc:
        raise TemplateError(path, str(exc), str(exc)) from exc


def _parse(data: Mapping[str, Any], path: Path) -> OmrTemplate:
    if "pageDimensions" not in data:
        raise ValueError("pageDimensions is missing")
    page_w, page_h = _pair(data["pageDimensions"], "pageDimensions")
    bubble_size = (_pair(data["bubbleDimensions"], "bubbleDimensions")
                   if "bubbleDimensions" in data else (14.0, 14.0))
    global_empty = data.get("emptyValue", "")
    global_empty = "" if global_empty is None else str(global_empty)
    raw_blocks = data.get("fieldBlocks")
    if not isinstance(raw_blocks, Mapping) or not raw_blocks:
        raise ValueError("fieldBlocks must be a non-empty object")
    blocks = [_block(str(n), s, bubble_size, global_empty) for n, s in raw_blocks.items()]
    all_labels: set[str] = set()
    for block in blocks:
        for fld in block.fields:
            if fld.label in all_labels:
                raise ValueError(f"field label {fld.label!r} is used by more than one block")
            all_labels.add(fld.label)
        for fld in block.fields:
            for b in fld.bubbles:
                if b.x < 0 or b.y < 0 or b.x + b.width > page_w or b.y + b.height > page_h:
                    raise ValueError(f"field block {block.name!r} runs off the page "
                                     f"({page_w:g}×{page_h:g})")
    custom: dict[str, tuple[str, ...]] = {}
    used: set[str] = set()
    raw_custom = data.get("customLabels", {}) or {}
    if not isinstance(raw_custom, Mapping):
        raise ValueError("customLabels must be an object")
    for name, entries in raw_custom.items():
        if not isinstance(entries, Sequence) or isinstance(entries, str):
            raise ValueError(f"customLabels {name!r} must be a list of labels")
        labels = parse_field_labels(entries, f"customLabels {name!r}")
        missing = [lbl for lbl in labels if lbl not in all_labels]
        if missing:
            raise ValueError(f"customLabels {name!r} names fields no block has: "
                             f"{', '.join(missing)}")
        if used & set(labels):
            raise ValueError(f"customLabels {name!r} shares fields with another custom label")
        used |= set(labels)
        custom[str(name)] = tuple(labels)
    raw_columns = data.get("outputColumns") or []
    if raw_columns:
        columns = parse_field_labels(raw_columns, "outputColumns")
        unknown = [c for c in columns if c not in all_labels and c not in custom]
        if unknown:
            raise ValueError(f"outputColumns names unknown columns: {', '.join(unknown)}")
    else:
        columns = sorted([lbl for lbl in all_labels if lbl not in used] + list(custom),
                         key=natural_key)
    raw_pre = data.get("preProcessors", []) or []
    if not isinstance(raw_pre, Sequence) or isinstance(raw_pre, str):
        raise ValueError("preProcessors must be a list")
    pre = []
    for entry in raw_pre:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise ValueError(f"preProcessors entry {entry!r} needs a name")
        options = entry.get("options", {}) or {}
        if not isinstance(options, Mapping):
            raise ValueError(f"preProcessors {entry['name']!r}: options must be an object")
        pre.append(PreProcessorSpec(entry["name"], dict(options)))
    return OmrTemplate(path, (round(page_w), round(page_h)), bubble_size, tuple(blocks), custom,
                       tuple(columns), tuple(pre))


def load_template(path: Path) -> OmrTemplate:
    """Read and parse a template.json; `TemplateError` (a BadInputError) when it is unusable."""
    return parse_template(read_json_object(path), path)
