"""Knowledge-point tagging suggests sensible KPs, falls back to keywords, ships trained."""

from __future__ import annotations

import pytest

from analytics.kp_tagging import (
    KpNode,
    KpTagger,
    TaggedItem,
    load_shipped_tagger,
    name_phrases,
    normalise_stem,
    shipped_items,
    shipped_tree,
    train_shipped_tagger,
)
from bench import kp_tagging as bench

TREE = (
    KpNode("MA", "初中数学"),
    KpNode("MA.7A", "七年级上册", "MA"),
    KpNode("MA.7A.03", "一元一次方程", "MA.7A"),
    KpNode("MA.7A.03.02", "解一元一次方程", "MA.7A.03"),
    KpNode("MA.7A.03.02.02", "一元一次方程的解法——移项", "MA.7A.03.02"),
    KpNode("MA.7A.03.02.03", "一元一次方程的解法——去分母", "MA.7A.03.02"),
    KpNode("MA.8A", "八年级上册", "MA"),
    KpNode("MA.8A.04", "因式分解", "MA.8A"),
    KpNode("MA.8A.04.03", "因式分解", "MA.8A.04"),
    KpNode("MA.8A.04.03.02", "提公因式法", "MA.8A.04.03"),
    KpNode("MA.8A.04.03.03", "公式法——平方差公式", "MA.8A.04.03"),
    KpNode("MA.9B", "九年级下册", "MA"),
    KpNode("MA.9B.03", "锐角三角函数", "MA.9B"),
    KpNode("MA.9B.03.02", "解直角三角形及其应用", "MA.9B.03"),
    KpNode("MA.9B.03.02.04", "坡度与坡角问题", "MA.9B.03.02"),
)
MOVE = "MA.7A.03.02.02"
COMMON = "MA.8A.04.03.02"
SQUARES = "MA.8A.04.03.03"
SLOPE = "MA.9B.03.02.04"
SMALL_ITEMS = (
    TaggedItem("解方程：3x+7=32−2x", (MOVE,)),
    TaggedItem("解方程：5x−2=7x+8，移项时注意变号", (MOVE,)),
    TaggedItem("解方程4x−3=2x+5时，移项正确的是", (MOVE,)),
    TaggedItem("因式分解：6a²b−9ab²，先提公因式", (COMMON,)),
    TaggedItem("分解因式：−4x³+8x²−12x（提公因式法）", (COMMON,)),
    TaggedItem("多项式12x²y−18xy²的公因式是______", (COMMON,)),
    TaggedItem("因式分解：4x²−9，用平方差公式", (SQUARES,)),
    TaggedItem("分解因式：a³−16a", (SQUARES,)),
    TaggedItem("分解因式：m²−25n²=______", (SQUARES,)),
    TaggedItem("拦水坝斜坡AB的坡度i=1：2，坝高8m，求坡角", (SLOPE,)),
)


@pytest.fixture(scope="module")
def small_tagger() -> KpTagger:
    return KpTagger.train(SMALL_ITEMS, TREE)


@pytest.fixture(scope="module")
def shipped() -> KpTagger:
    return load_shipped_tagger()


@pytest.fixture(scope="module")
def bench_figures() -> dict[str, float | int]:
    return bench.run()


def test_training_on_a_small_slice_suggests_the_right_kp(small_tagger: KpTagger) -> None:
    assert set(small_tagger.classes) == {MOVE, COMMON, SQUARES}
    top = small_tagger.suggest("解方程：7x+4=3x−8（移项）", k=3)
    assert top[0] == top[0].__class__(MOVE, top[0].score, "model")
    assert small_tagger.suggest("分解因式：9x²−y²")[0].code == SQUARES
    assert small_tagger.suggest("把3ab−6a²提公因式")[0].code == COMMON
    scores = [s.score for s in top]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)


def test_kp_with_one_item_falls_back_to_keywords(small_tagger: KpTagger) -> None:
    assert SLOPE in small_tagger.keyword_codes
    assert "MA.7A.03.02.03" in small_tagger.keyword_codes  # no item at all
    found = {s.code: s for s in small_tagger.suggest("一段斜坡的坡度为1：√3，求坡角", k=5)}
    assert found[SLOPE].source == "keywords"


def test_parent_name_in_stem_suggests_its_children_by_keywords(small_tagger: KpTagger) -> None:
    found = {s.code: s for s in small_tagger.suggest("下列方程中，是一元一次方程的是", k=5)}
    assert found["MA.7A.03.02.03"].source == "keywords"
    own = {s.code: s for s in small_tagger.suggest("解方程时先去分母", k=5)}
    assert own["MA.7A.03.02.03"].score > found["MA.7A.03.02.03"].score  # own name counts more


def test_name_phrases_drop_generic_words() -> None:
    assert name_phrases("一元一次方程的解法——去分母")[1:] == ("一元一次方程", "去分母")
    assert "性质" not in name_phrases("平行线的性质")


def test_normalisation_folds_full_width_and_digits() -> None:
    assert normalise_stem("解方程：３x − 17 = 2（x ＋ 1）______") == "解方程:0x − 0 = 0(x + 0)_"


def test_normalisation_keeps_powers_apart_from_products() -> None:
    assert normalise_stem("x²−2ⁿ+x2") == "x^0−0^n+x0"


@pytest.mark.parametrize("stem", ["", "   ", "\n\t"])
def test_empty_stem_gives_no_suggestions(small_tagger: KpTagger, shipped: KpTagger,
                                         stem: str) -> None:
    assert small_tagger.suggest(stem) == []
    assert shipped.suggest(stem) == []
    assert shipped.suggest("解方程：x²=4", k=0) == []


@pytest.mark.parametrize("stem", ["Solve the equation 3x + 5 = 11", "12345", "2024",
                                  "🙂🙂", "\x00\x01", "（  ）"])
def test_odd_stems_never_raise(small_tagger: KpTagger, shipped: KpTagger, stem: str) -> None:
    for tagger in (small_tagger, shipped):
        found = tagger.suggest(stem, k=3)
        assert len(found) <= 3
        assert all(s.source in {"model", "keywords"} for s in found)


def test_round_trip_through_bytes_keeps_suggestions(small_tagger: KpTagger) -> None:
    again = KpTagger.from_bytes(small_tagger.to_bytes())
    for item in SMALL_ITEMS:
        assert again.suggest(item.stem, k=3) == small_tagger.suggest(item.stem, k=3)


@pytest.mark.parametrize("data", [b"", b"\x80\x81", b"[]", b'{"format": "other"}',
                                  b'{"format": "ptw-kp-tagger", "version": 99}',
                                  b'{"format": "ptw-kp-tagger", "version": 1}'])
def test_bad_model_bytes_are_rejected_clearly(data: bytes) -> None:
    with pytest.raises(ValueError, match="tagger"):
        KpTagger.from_bytes(data)


def test_no_training_items_means_keywords_only() -> None:
    tagger = KpTagger.train([], TREE)
    assert tagger.classes == ()
    assert tagger.suggest("用平方差公式分解因式")[0].code == SQUARES


def test_fixture_is_big_realistic_and_spread_over_the_tree() -> None:
    items, tree = shipped_items(), shipped_tree()
    leaves = {n.code for n in tree if n.code.count(".") == 4}
    tagged = [code for item in items for code in item.kp_codes]
    assert len(items) >= 300 and set(tagged) <= leaves
    assert len(set(tagged)) >= 0.9 * len(leaves)
    assert all(1 <= len(item.kp_codes) <= 2 and item.family for item in items)
    assert len({item.stem for item in items}) == len(items)


@pytest.mark.parametrize(("stem", "code"), [
    ("用配方法解方程：x²−6x−7=0", "MA.9A.01.02.02"),
    ("解方程：x²−5x+4=0", "MA.9A.01"),
    ("如图，AB是⊙O的直径，弦CD⊥AB于点E，CD=6，AE=1，求⊙O的半径", "MA.9A.04.01.02"),
    ("一组数据4，6，6，7，9的众数是______", "MA.8B.05.01.03"),
    ("若关于x的分式方程3/(x−1)=m/(x−1)+2有增根，则m=______", "MA.8A.05.03.02"),
])
def test_shipped_model_suggests_sensibly(shipped: KpTagger, stem: str, code: str) -> None:
    assert any(s.code.startswith(code) for s in shipped.suggest(stem, k=3))


def test_shipped_model_equals_a_fresh_training_run(shipped: KpTagger) -> None:
    fresh = train_shipped_tagger()
    assert fresh.classes == shipped.classes and fresh.keyword_codes == shipped.keyword_codes
    stems = [item.stem for item in shipped_items()[::97]] + ["解方程：x²−2x−3=0"]
    for stem in stems:
        mine, theirs = fresh.suggest(stem, k=3), shipped.suggest(stem, k=3)
        assert [s.code for s in mine] == [s.code for s in theirs]
        assert [s.score for s in mine] == pytest.approx([s.score for s in theirs], abs=1e-3)


def test_bench_split_keeps_families_together() -> None:
    split = bench.split_by_family(shipped_items())
    train = {item.family for item in split.train}
    test = {item.family for item in split.test}
    assert train and test and not train & test
    assert 0.15 < len(split.test) / (len(split.train) + len(split.test)) < 0.25


def test_bench_does_not_fall_below_what_the_shipped_fixture_reaches(
        bench_figures: dict[str, float | int]) -> None:
    assert bench_figures["p_at_1"] >= 0.62
    assert bench_figures["r_at_3"] >= 0.82


@pytest.mark.xfail(strict=True, reason="goal not reached: an honest family split on ~20 "
                   "items per leaf KP gives P@1 ≈ 0.65, R@3 ≈ 0.84 (see bench.kp_tagging)")
def test_bench_meets_the_goals(bench_figures: dict[str, float | int]) -> None:
    assert bench_figures["p_at_1"] >= 0.8
    assert bench_figures["r_at_3"] >= 0.9
