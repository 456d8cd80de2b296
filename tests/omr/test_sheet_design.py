import itertools
import math

import numpy as np
import pytest

from core.enums import ItemType
from core.errors import BadInputError
from omr.layout import (
    AnswerSheetLayout,
    Bubble,
    FieldKind,
    PageLayout,
    Paper,
    Rect,
    RegionKind,
)
from omr.sheet_design import (
    ItemSpec,
    SheetSpec,
    column_width,
    design_sheet,
    score_bar_fields,
)
from workflow.demo_school import demo_answer_key

PRINT_MARGIN = 5.0
BUBBLE_GAP = 1.5
CLEARANCE = 3.0
FORMATS = [(Paper.A4, False, 1), (Paper.A3, True, 2), (Paper.A3, True, 3),
           (Paper.K8, True, 2), (Paper.K8, True, 3)]
FORMAT_IDS = ["A4", "A3-2col", "A3-3col", "8K-2col", "8K-3col"]


def demo_items() -> list[ItemSpec]:
    """The items of the demo exam: 10 single, 4 multiple, 4 TF, 8 fill, 14 subjective."""
    entries = demo_answer_key([f"KP{n:02d}" for n in range(30)])
    return [ItemSpec(e.label, e.item_type, e.option_count, e.points) for e in entries]


def demo_spec(paper: Paper = Paper.A4, landscape: bool = False, columns: int = 1,
              **changes: object) -> SheetSpec:
    fields = {"exam_id": 7, "layout_version": 2, "title": "七年级数学期中测试（演示）",
              "subtitle": "数学 · 2024-11-07 · 满分 150 分", "paper": paper,
              "landscape": landscape, "columns": columns, "items": demo_items()}
    fields.update(changes)
    return SheetSpec(**fields)  # type: ignore[arg-type]


def all_bubbles(page: PageLayout) -> list[Bubble]:
    return [bubble for field in page.fields for bubble in field.bubbles]


def rect_distance(bubble: Bubble, rect: Rect) -> float:
    """Distance from a bubble's circle to a rectangle (negative when they overlap)."""
    dx = max(rect.x - bubble.cx, 0.0, bubble.cx - (rect.x + rect.width))
    dy = max(rect.y - bubble.cy, 0.0, bubble.cy - (rect.y + rect.height))
    return math.hypot(dx, dy) - bubble.r


def anchor_rect(page: PageLayout, index: int) -> Rect:
    anchor = page.anchors[index]
    return Rect(anchor.cx - anchor.size / 2, anchor.cy - anchor.size / 2, anchor.size,
                anchor.size)


def inside_margins(rect: Rect, page: PageLayout) -> bool:
    return (rect.x >= PRINT_MARGIN and rect.y >= PRINT_MARGIN
            and rect.x + rect.width <= page.width - PRINT_MARGIN
            and rect.y + rect.height <= page.height - PRINT_MARGIN)


def overlaps(a: Rect, b: Rect) -> bool:
    return (a.x < b.x + b.width and b.x < a.x + a.width
            and a.y < b.y + b.height and b.y < a.y + a.height)


@pytest.fixture(params=[(*fmt, barcode) for fmt in FORMATS for barcode in (False, True)],
                ids=[f"{name}{'-barcode' if barcode else ''}" for name in FORMAT_IDS
                     for barcode in (False, True)])
def layout(request: pytest.FixtureRequest) -> AnswerSheetLayout:
    paper, landscape, columns, barcode = request.param
    return design_sheet(demo_spec(paper, landscape, columns, barcode_area=barcode))


def test_bubbles_never_overlap_and_keep_a_clear_gap(layout: AnswerSheetLayout) -> None:
    for page in layout.pages:
        bubbles = all_bubbles(page)
        centres = np.array([(b.cx, b.cy) for b in bubbles])
        radii = np.array([b.r for b in bubbles])
        distances = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
        gaps = distances - radii[:, None] - radii[None, :]
        np.fill_diagonal(gaps, np.inf)
        assert gaps.min() >= BUBBLE_GAP - 1e-6, f"page {page.number}: gap {gaps.min():.2f}"
        assert all(2.0 <= b.r <= 2.5 for b in bubbles)


def test_everything_stays_inside_the_printable_area(layout: AnswerSheetLayout) -> None:
    for page in layout.pages:
        for bubble in all_bubbles(page):
            box = Rect(bubble.cx - bubble.r, bubble.cy - bubble.r, 2 * bubble.r, 2 * bubble.r)
            assert inside_margins(box, page), bubble
        for region in page.regions:
            assert inside_margins(region.rect, page), region
        for index in range(4):
            assert inside_margins(anchor_rect(page, index), page)
        assert inside_margins(page.qr, page)
    for frame in layout.extra["frames"]:
        page = layout.page(frame["page"])
        assert inside_margins(Rect(frame["x"], frame["y"], frame["width"], frame["height"]),
                              page), frame
    for text in layout.extra["texts"]:
        page = layout.page(text["page"])
        assert PRINT_MARGIN <= text["x"] <= page.width - PRINT_MARGIN
        assert PRINT_MARGIN + 3 <= text["y"] <= page.height - PRINT_MARGIN, text


def test_anchors_qr_and_regions_are_clear_of_bubbles(layout: AnswerSheetLayout) -> None:
    for page in layout.pages:
        keep_out = [anchor_rect(page, index) for index in range(4)] + [page.qr]
        for bubble in all_bubbles(page):
            assert min(rect_distance(bubble, rect) for rect in keep_out) >= CLEARANCE, bubble
            for region in page.regions:
                assert rect_distance(bubble, region.rect) > 0.3, (bubble, region.name)
        for region in page.regions:
            assert not any(overlaps(region.rect, rect) for rect in keep_out), region.name
        for first, second in itertools.combinations(page.regions, 2):
            assert not overlaps(first.rect, second.rect), (first.name, second.name)


def test_anchors_sit_in_the_corners_and_the_qr_top_right(layout: AnswerSheetLayout) -> None:
    for page in layout.pages:
        corners = {(a.cx < page.width / 2, a.cy < page.height / 2) for a in page.anchors}
        assert len(corners) == 4
        assert all(5 <= a.size <= 6 for a in page.anchors)
        assert all(8 <= min(a.cx, a.cy, page.width - a.cx, page.height - a.cy) <= 12
                   for a in page.anchors)
        assert 16 <= page.qr.width <= 20 and page.qr.width == page.qr.height
        assert page.qr.x > page.width * 0.6 and page.qr.y < 40


def test_every_item_has_its_field_or_region(layout: AnswerSheetLayout) -> None:
    fields = {f.name: f for page in layout.pages for f in page.fields}
    regions = {r.name: r for page in layout.pages for r in page.regions}
    for item in demo_items():
        if item.kind is ItemType.FILL_BLANK:
            region = regions[f"f{item.label}"]
            assert region.kind is RegionKind.FILL_BLANK and region.item == item.label
        elif item.kind is ItemType.SUBJECTIVE:
            region = regions[f"a{item.label}"]
            assert region.kind is RegionKind.SUBJECTIVE and region.max_points == item.points
            bar = [f for f in fields.values() if f.item == item.label]
            assert {f.kind for f in bar} == {FieldKind.SCORE_DIGIT}
            best = sum(max(float(value) for value in f.values) for f in bar)
            assert best == math.floor(item.points) + 0.5
            assert all(f.name.startswith(f"s{item.label}.") for f in bar)
        else:
            field = fields[f"q{item.label}"]
            assert field.item == item.label
            expected = ("T", "F") if item.kind is ItemType.TRUE_FALSE else tuple("ABCD")
            assert field.values == expected
            assert field.kind.value == item.kind.value
    for digit in range(1, 9):
        assert fields[f"id.{digit}"].values == tuple("0123456789")
        assert fields[f"id.{digit}"].kind is FieldKind.ID_DIGIT
    assert fields["absent"].values == ("1",) and fields["absent"].kind is FieldKind.ABSENT
    assert {r.kind for r in regions.values()} >= {RegionKind.STUDENT_INFO,
                                                 RegionKind.HANDWRITTEN_ID}
    assert layout.id_digits == 8 and layout.page(1).field("id.1")


def test_names_are_unique_and_the_json_round_trips(layout: AnswerSheetLayout) -> None:
    names = [f.name for page in layout.pages for f in page.fields]
    regions = [r.name for page in layout.pages for r in page.regions]
    assert len(names) == len(set(names)) and len(regions) == len(set(regions))
    assert AnswerSheetLayout.from_json(layout.to_json()) == layout
    assert 1 <= len(layout.pages) <= 4
    assert all(page.number == index for index, page in enumerate(layout.pages, start=1))


def test_choice_blocks_stack_five_questions_and_sit_side_by_side() -> None:
    page = design_sheet(demo_spec()).page(1)
    firsts = [page.field(f"q{n}").bubbles[0] for n in range(1, 11)]
    assert len({b.cx for b in firsts[:5]}) == 1 and len({b.cx for b in firsts[5:]}) == 1
    assert firsts[5].cx > firsts[0].cx and firsts[5].cy == firsts[0].cy
    assert [round(b.cy - firsts[0].cy, 3) for b in firsts[:5]] == [0, 6, 12, 18, 24]
    q1 = page.field("q1").bubbles
    assert all(b.cx - a.cx >= 6 for a, b in itertools.pairwise(q1))


def test_a3_two_columns_hold_the_demo_exam_on_one_sheet_of_paper() -> None:
    layout = design_sheet(demo_spec(Paper.A3, True, 2))
    assert len(layout.pages) == 2
    assert (layout.pages[0].width, layout.pages[0].height) == (420, 297)
    lefts = {round(r.rect.x) for page in layout.pages for r in page.regions
             if r.kind is RegionKind.SUBJECTIVE}
    assert len(lefts) == 2


def test_score_bars_have_units_tens_and_a_half() -> None:
    assert score_bar_fields("27", 4) == [("s27.units", ("0", "1", "2", "3", "4")),
                                         ("s27.half", ("0.5",))]
    assert score_bar_fields("30", 25) == [
        ("s30.tens", ("0", "10", "20")), ("s30.units", tuple("0123456789")),
        ("s30.half", ("0.5",))]
    wide = design_sheet(demo_spec(Paper.K8, True, 3, items=[
        ItemSpec("1", ItemType.SUBJECTIVE, None, 100.0)]))
    bar = [f for f in wide.page(1).fields if f.item == "1"]
    assert [f.name for f in bar] == ["s1.tens", "s1.units", "s1.half"]
    assert bar[0].values[-1] == "100"


def test_optional_groups_get_a_selector_before_their_items() -> None:
    items = [*demo_items()[:30],
             ItemSpec("31", ItemType.SUBJECTIVE, None, 10.0, "选做一"),
             ItemSpec("32", ItemType.SUBJECTIVE, None, 10.0, "选做一"),
             ItemSpec("33", ItemType.SUBJECTIVE, None, 12.0)]
    layout = design_sheet(demo_spec(Paper.A3, True, 2, items=items))
    located = {f.name: (page.number, f) for page in layout.pages for f in page.fields}
    page, selector = located["opt.选做一"]
    assert selector.kind is FieldKind.OPTIONAL_SELECTOR and selector.values == ("31", "32")
    first_region = next((p.number, r) for p in layout.pages for r in p.regions
                        if r.name == "a31")
    assert (page, selector.bubbles[0].cy) < (first_region[0], first_region[1].rect.y)


def test_a_sheet_without_student_number_grid_or_absent_box() -> None:
    layout = design_sheet(demo_spec(id_digits=0, absent_box=False, handwritten_id_boxes=False))
    names = {f.name for page in layout.pages for f in page.fields}
    assert not any(name.startswith("id.") or name == "absent" for name in names)
    assert layout.id_digits == 0


@pytest.mark.parametrize(("paper", "landscape", "columns"), [
    (Paper.A4, False, 2), (Paper.A3, True, 1), (Paper.A3, False, 2), (Paper.K8, True, 4)])
def test_unsupported_paper_and_columns_are_refused(paper: Paper, landscape: bool,
                                                   columns: int) -> None:
    with pytest.raises(BadInputError) as caught:
        design_sheet(demo_spec(paper, landscape, columns))
    assert "不支持" in caught.value.message("zh_CN")
    assert "Unsupported" in caught.value.message("en")


def test_too_many_items_and_no_items_are_refused() -> None:
    many = [ItemSpec(str(n), ItemType.SUBJECTIVE, None, 20.0) for n in range(1, 41)]
    with pytest.raises(BadInputError) as caught:
        design_sheet(demo_spec(items=many))
    assert "4 页" in caught.value.message("zh_CN") and "4 pages" in caught.value.message("en")
    with pytest.raises(BadInputError, match="no items"):
        design_sheet(demo_spec(items=[]))


def test_a_long_selector_wraps_within_its_column() -> None:
    items = [ItemSpec(f"{n}(选)", ItemType.SUBJECTIVE, None, 3.0, "长组") for n in range(1, 19)]
    spec = demo_spec(Paper.K8, True, 3, items=items)
    selector = design_sheet(spec).page(1).field("opt.长组")
    assert len(selector.bubbles) == 18 and len({b.cy for b in selector.bubbles}) > 1
    left = min(b.cx - b.r for b in selector.bubbles)
    right = max(b.cx + b.r for b in selector.bubbles)
    assert right - left < column_width(spec) - 10


def mixed_items() -> list[ItemSpec]:
    """Eight options, sub-item labels, T/F, a long fill row, an optional pair, 25 points."""
    return [
        *(ItemSpec(str(n), ItemType.SINGLE_CHOICE, 8, 2.0) for n in range(1, 8)),
        *(ItemSpec(f"8({n})", ItemType.MULTIPLE_CHOICE, 6, 3.0) for n in range(1, 4)),
        *(ItemSpec(str(n), ItemType.TRUE_FALSE, 2, 1.0) for n in range(9, 15)),
        *(ItemSpec(f"15({n})", ItemType.FILL_BLANK, None, 2.0) for n in range(1, 6)),
        ItemSpec("16", ItemType.SUBJECTIVE, None, 12.5, "甲"),
        ItemSpec("17", ItemType.SUBJECTIVE, None, 12.5, "甲"),
        ItemSpec("18", ItemType.SINGLE_CHOICE, 4, 3.0),
        ItemSpec("19", ItemType.SUBJECTIVE, None, 25.0),
        ItemSpec("20", ItemType.SUBJECTIVE, None, 0.5),
    ]


@pytest.mark.parametrize(("paper", "landscape", "columns"), FORMATS, ids=FORMAT_IDS)
def test_a_mixed_exam_keeps_every_invariant(paper: Paper, landscape: bool,
                                            columns: int) -> None:
    layout = design_sheet(demo_spec(paper, landscape, columns, items=mixed_items(),
                                    id_digits=10, barcode_area=True))
    test_bubbles_never_overlap_and_keep_a_clear_gap(layout)
    test_everything_stays_inside_the_printable_area(layout)
    test_anchors_qr_and_regions_are_clear_of_bubbles(layout)
    test_names_are_unique_and_the_json_round_trips(layout)
    fields = {f.name: f for page in layout.pages for f in page.fields}
    assert fields["q1"].values == tuple("ABCDEFGH") and fields["q8(2)"].values == tuple("ABCDEF")
    assert fields["opt.甲"].values == ("16", "17") and "id.10" in fields
    assert fields["s20.units"].values == ("0",) and fields["s16.tens"].values == ("0", "10")


def test_a_selector_stays_in_the_column_of_its_first_item() -> None:
    for paper, landscape, columns in FORMATS:
        layout = design_sheet(demo_spec(paper, landscape, columns, items=mixed_items()))
        page_of = {name: page.number for page in layout.pages
                   for name in [f.name for f in page.fields] + [r.name for r in page.regions]}
        assert page_of["opt.甲"] == page_of["a16"]
        selector = layout.page(page_of["a16"]).field("opt.甲").bubbles[0]
        region = next(r for r in layout.page(page_of["a16"]).regions if r.name == "a16")
        assert region.rect.x <= selector.cx <= region.rect.x + region.rect.width
        assert 0 < region.rect.y - selector.cy < 35


def test_answer_boxes_shrink_only_to_save_a_sheet_of_paper() -> None:
    def box_heights(layout: AnswerSheetLayout) -> dict[str, float]:
        return {r.item or "": r.rect.height for page in layout.pages for r in page.regions
                if r.kind is RegionKind.SUBJECTIVE}

    full = box_heights(design_sheet(demo_spec(Paper.A3, True, 2)))
    assert full["27"] == 28 and full["33"] == 30 and full["39"] == 54
    eight_k = design_sheet(demo_spec(Paper.K8, True, 2))
    assert len(eight_k.pages) == 2
    smaller = box_heights(eight_k)
    assert all(smaller[label] < full[label] for label in full)
    a4 = design_sheet(demo_spec())
    assert len(a4.pages) == 4 and box_heights(a4) == full  # 3 pages would still be 2 sheets


def test_a_column_high_optional_item_still_gets_its_selector() -> None:
    items = [ItemSpec("1", ItemType.SUBJECTIVE, None, 60.0, "作文"),
             ItemSpec("2", ItemType.SUBJECTIVE, None, 60.0, "作文")]
    layout = design_sheet(demo_spec(items=items))
    test_bubbles_never_overlap_and_keep_a_clear_gap(layout)
    test_everything_stays_inside_the_printable_area(layout)
    selector = next(f for page in layout.pages for f in page.fields if f.name == "opt.作文")
    assert selector.values == ("1", "2")
    heights = [r.rect.height for page in layout.pages for r in page.regions
               if r.kind is RegionKind.SUBJECTIVE]
    assert len(heights) == 2 and min(heights) > 150
