"""OMRChecker `config.json` and `evaluation.json`.

Only `dimensions.processing_width/height` changes how we read a sheet: pre-processors that
look for the page or its markers work on the photo resized to that size, as in OMRChecker,
so their pixel options (morphKernel, sheetToMarkerWidthRatio, kSize) mean the same.
OMRChecker's `threshold_params` tune its own bubble threshold; our engine has its own
(`core.settings.RecognitionThresholds`), so they are kept but not used.
`evaluation.json` is loaded and checked for shape; scoring is not done here.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omr.omrchecker.template import TemplateError, parse_field_labels, read_json_object

DEFAULT_PROCESSING_SIZE = (666, 820)


@dataclass(frozen=True, slots=True)
class OmrCheckerConfig:
    """The parts of config.json we use, plus the raw object."""

    processing_size: tuple[int, int] = DEFAULT_PROCESSING_SIZE
    threshold_params: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """evaluation.json: where the answers come from and the marking schemes (not applied)."""

    source_type: str
    questions: tuple[str, ...]
    answers: tuple[Any, ...]
    marking_schemes: Mapping[str, Any]
    raw: Mapping[str, Any]


def merge_config(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge two config objects (a sub-folder's config.json overrides its parent's)."""
    merged: dict[str, Any] = dict(parent)
    for key, value in child.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_config(merged[key], value)
        else:
            merged[key] = value
    return merged


def config_from_object(data: Mapping[str, Any], path: Path | str = "config.json"
                       ) -> OmrCheckerConfig:
    """Build the config from a (merged) config.json object; `TemplateError` when invalid."""
    dims = data.get("dimensions", {}) or {}
    if not isinstance(dims, Mapping):
        raise TemplateError(path, "dimensions 必须是对象", "dimensions must be an object")
    width = dims.get("processing_width", DEFAULT_PROCESSING_SIZE[0])
    height = dims.get("processing_height", DEFAULT_PROCESSING_SIZE[1])
    for name, value in (("processing_width", width), ("processing_height", height)):
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 32:
            raise TemplateError(path, f"{name} 必须是不小于 32 的数",
                                f"{name} must be a number of at least 32")
    params = data.get("threshold_params", {}) or {}
    return OmrCheckerConfig((int(width), int(height)),
                            dict(params) if isinstance(params, Mapping) else {}, dict(data))


def load_config(path: Path) -> OmrCheckerConfig:
    """Read one config.json on its own."""
    return config_from_object(read_json_object(path), path)


def load_evaluation(path: Path) -> Evaluation:
    """Read evaluation.json (custom lists or an answer-key CSV); `TemplateError` when invalid."""
    data = read_json_object(path)
    source = data.get("source_type", "custom")
    options = data.get("options", {}) or {}
    schemes = data.get("marking_schemes", {}) or {}
    if not isinstance(options, Mapping) or not isinstance(schemes, Mapping):
        raise TemplateError(path, "options 和 marking_schemes 必须是对象",
                            "options and marking_schemes must be objects")
    questions: list[str] = []
    answers: list[Any] = []
    try:
        if source == "csv":
            csv_name = options.get("answer_key_csv_path")
            if not isinstance(csv_name, str):
                raise ValueError("options.answer_key_csv_path is missing")
            csv_path = path.parent / csv_name
            if csv_path.exists():
                with csv_path.open(encoding="utf-8-sig", newline="") as handle:
                    for row in csv.reader(handle):
                        if len(row) >= 2 and row[0].strip():
                            questions.append(row[0].strip())
                            answers.append(row[1].strip())
        elif source == "custom":
            questions = parse_field_labels(options.get("questions_in_order", []),
                                           "questions_in_order")
            answers = list(options.get("answers_in_order", []))
            if len(questions) != len(answers):
                raise ValueError(f"{len(questions)} questions but {len(answers)} answers")
        else:
            raise ValueError(f"unknown source_type {source!r}")
    except ValueError as exc:
        raise TemplateError(path, str(exc), str(exc)) from exc
    return Evaluation(str(source), tuple(questions), tuple(answers), dict(schemes), data)
