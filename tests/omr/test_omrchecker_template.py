"""Parsing OMRChecker templates, configs and evaluations."""

import json
from pathlib import Path

import pytest

from core.errors import BadInputError
from core.i18n import Language
from omr.omrchecker import (
    TemplateError,
    load_config,
    load_evaluation,
    load_template,
    parse_field_labels,
    parse_template,
)
from tests.conftest import DATASETS

SAMPLES = DATASETS / "omrchecker" / "samples"


def test_range_syntax_expands_in_order() -> None:
    assert parse_field_labels(["q1..3", "x", "roll8..10"]) == [
        "q1", "q2", "q3", "x", "roll8", "roll9", "roll10"]
    assert parse_field_labels(["q1...2"]) == ["q1", "q2"]


@pytest.mark.parametrize("entries", [["q3..1"], ["q1..2", "q2"], [""], [7]])
def test_bad_label_lists_are_refused(entries: list[object]) -> None:
    with pytest.raises(ValueError):
        parse_field_labels(entries)


def test_mcq_block_geometry_is_horizontal_with_fractional_gaps() -> None:
    template = load_template(SAMPLES / "sample3" / "colored-thick-sheet" / "template.json")
    assert template.page_size == (1800, 2400)
    q2 = next(f for f in template.fields if f.label == "q2")
    assert q2.values == ("A", "B", "C", "D")
    c = q2.bubbles[2]
    # origin (504, 927), bubblesGap 60.35 to the right, labelsGap 31.75 down
    assert (c.x, c.y) == (round(504 + 2 * 60.35), round(927 + 31.75))
    assert (c.width, c.height) == (23, 20)
    assert c.centre == (c.x + 11.5, c.y + 10.0)


def test_int_block_is_vertical_and_custom_labels_concatenate() -> None:
    template = load_template(SAMPLES / "sample5" / "template.json")
    roll3 = next(f for f in template.fields if f.label == "roll3")
    assert roll3.values == tuple("0123456789")
    # origin (261, 210): fields go right by labelsGap 58, digits go down by bubblesGap 46.5
    assert [(b.x, b.y) for b in roll3.bubbles[:3]] == [(377, 210), (377, round(256.5)),
                                                        (377, 303)]
    medium = next(f for f in template.fields if f.label == "Medium")
    assert medium.values == ("E", "H") and medium.bubbles[1].y == 215 + 46
    assert template.custom_labels["Roll"] == ("Medium", *[f"roll{i}" for i in range(1, 10)])
    assert template.output_columns == ("Roll", *[f"q{i}" for i in range(1, 23)])
    values = {f.label: "" for f in template.fields} | {"Medium": "E", "roll1": "2",
                                                         "roll2": "0", "q6_1": "0", "q6_2": "8"}
    encoded = template.encode(values)
    assert encoded["Roll"] == "E20" and encoded["q6"] == "08" and encoded["q1"] == ""
    assert "roll1" not in encoded and "q6_1" not in encoded


def test_pre_processors_and_empty_value_are_read(tmp_path: Path) -> None:
    data = json.loads((SAMPLES / "sample2" / "template.json").read_text())
    data["emptyValue"] = "-"
    data["fieldBlocks"]["MCQ_Block_1"]["emptyValue"] = "?"
    data["fieldBlocks"]["Extra"] = {"bubbleValues": ["Y", "N"], "origin": [10, 10],
                                    "bubblesGap": 30, "labelsGap": 30, "fieldLabels": ["yn"]}
    template = parse_template(data, tmp_path / "template.json")
    assert [p.name for p in template.pre_processors] == ["CropPage"]
    assert template.pre_processors[0].options == {"morphKernel": [10, 10]}
    by_label = {f.label: f for f in template.fields}
    assert by_label["q1"].empty_value == "?" and by_label["yn"].empty_value == "-"
    yn = by_label["yn"]  # custom bubbleValues default to the vertical direction
    assert [(b.x, b.y) for b in yn.bubbles] == [(10, 10), (10, 40)]
    assert template.output_columns == ("q1", "q2", "q3", "q4", "q5", "yn")


@pytest.mark.parametrize(("text", "needle"), [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ('{"bubbleDimensions": [10, 10], "fieldBlocks": {}}', "pageDimensions"),
    ('{"pageDimensions": [100, 100], "fieldBlocks": {"b": {"fieldType": "QTYPE_X", '
     '"origin": [0, 0], "bubblesGap": 1, "labelsGap": 1, "fieldLabels": ["q1"]}}}',
     "QTYPE_X"),
    ('{"pageDimensions": [100, 100], "bubbleDimensions": [10, 10], "fieldBlocks": {"b": '
     '{"fieldType": "QTYPE_MCQ4", "origin": [90, 0], "bubblesGap": 20, "labelsGap": 20, '
     '"fieldLabels": ["q1"]}}}', "runs off the page"),
    ('{"pageDimensions": [100, 100], "bubbleDimensions": [5, 5], "customLabels": {"R": '
     '["r1..2"]}, "fieldBlocks": {"b": {"fieldType": "QTYPE_MCQ4", "origin": [0, 0], '
     '"bubblesGap": 6, "labelsGap": 6, "fieldLabels": ["r1"]}}}', "r2"),
])
def test_malformed_template_is_a_clear_bad_input_error(tmp_path: Path, text: str,
                                                        needle: str) -> None:
    path = tmp_path / "template.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    error = caught.value
    assert isinstance(error, BadInputError) and error.exit_status == 2
    english, chinese = error.message(Language.EN), error.message(Language.ZH_CN)
    assert str(path) in english and needle in english and "Fix it" in english
    assert str(path) in chinese and "模板文件" in chinese and "请改正" in chinese


def test_every_sample_config_and_evaluation_loads() -> None:
    configs = sorted(SAMPLES.rglob("config.json"))
    evaluations = sorted(SAMPLES.rglob("evaluation.json"))
    assert len(configs) >= 5 and len(evaluations) >= 4
    assert load_config(SAMPLES / "sample6" / "config.json").processing_size == (1653, 2339)
    assert load_config(SAMPLES / "sample4" / "config.json").processing_size == (666, 820)
    for path in configs:
        load_config(path)
    for path in evaluations:
        evaluation = load_evaluation(path)
        assert evaluation.questions and len(evaluation.questions) == len(evaluation.answers)
    csv_key = load_evaluation(SAMPLES / "answer-key" / "using-csv" / "evaluation.json")
    assert csv_key.source_type == "csv" and csv_key.answers == ("C", "E", "A", "B", "B")


def test_every_sample_template_loads() -> None:
    for path in sorted(SAMPLES.rglob("template*.json")):
        template = load_template(path)
        assert template.fields and template.output_columns
