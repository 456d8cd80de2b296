import json

import pytest

from omr.layout import (
    LAYOUT_SCHEMA_VERSION,
    Anchor,
    AnswerSheetLayout,
    Bubble,
    BubbleField,
    FieldKind,
    PageLayout,
    Paper,
    QrPayload,
    Rect,
    Region,
    RegionKind,
)


def _layout() -> AnswerSheetLayout:
    anchors = (Anchor(10, 10, 6), Anchor(200, 10, 6), Anchor(10, 287, 6), Anchor(200, 287, 6))
    page = PageLayout(
        1, 210, 297, anchors, Rect(170, 15, 18, 18),
        fields=(BubbleField("q1", FieldKind.SINGLE_CHOICE,
                            (Bubble("A", 30, 60, 2.2), Bubble("B", 37, 60, 2.2)), "1"),
                BubbleField("id.1", FieldKind.ID_DIGIT,
                            tuple(Bubble(str(d), 40, 30 + 5 * d, 2) for d in range(10)))),
        regions=(Region("r27", RegionKind.SUBJECTIVE, Rect(20, 100, 170, 40), "27", 10.0),))
    return AnswerSheetLayout(12, 3, "七年级数学", Paper.A4, False, 1, (page,), id_digits=1)


def test_layout_round_trips_through_json() -> None:
    layout = _layout()
    text = layout.to_json()
    assert AnswerSheetLayout.from_json(text) == layout
    data = json.loads(text)
    bubble = data["pages"][0]["fields"][0]["bubbles"][0]
    assert bubble == {"value": "A", "cx": 30, "cy": 60, "r": 2.2}
    assert data["pages"][0]["fields"][0]["kind"] == "single_choice"
    assert data["schema_version"] == LAYOUT_SCHEMA_VERSION


def test_lookup_by_page_and_field_name() -> None:
    layout = _layout()
    assert layout.page(1).field("id.1").values == tuple("0123456789")
    with pytest.raises(KeyError):
        layout.page(2)
    with pytest.raises(KeyError):
        layout.page(1).field("q2")


def test_newer_schema_and_wrong_anchor_count_are_refused() -> None:
    data = _layout().to_dict()
    with pytest.raises(ValueError, match="newer"):
        AnswerSheetLayout.from_dict({**data, "schema_version": LAYOUT_SCHEMA_VERSION + 1})
    data["pages"][0]["anchors"] = data["pages"][0]["anchors"][:3]
    with pytest.raises(ValueError, match="four anchors"):
        AnswerSheetLayout.from_dict(data)


@pytest.mark.parametrize("payload", [QrPayload(12, 3, 1), QrPayload(7, 1, 2, "D70101")])
def test_qr_payload_round_trip(payload: QrPayload) -> None:
    assert QrPayload.decode(payload.encode()) == payload


@pytest.mark.parametrize("text", ["", "hello", "PTW:x:1:1:", "OTHER:1:1:1:", "PTW:1:1:1"])
def test_foreign_qr_text_is_not_ours(text: str) -> None:
    assert QrPayload.decode(text) is None
