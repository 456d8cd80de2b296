"""Knowledge-point tagging (知识点标注): suggest KP codes for a new exam item from its stem.

A teacher entering a new item gets the three most likely knowledge points to pick from,
so the KP mastery model is fed without tagging every item by hand.

How it works:

- **model**: character 1–3-gram TF-IDF of the stem (Chinese needs no word segmentation;
  digits are folded to "0" so "3x−7" and "5x−2" look alike) and one-vs-rest logistic
  regression, trained on the school's tagged items. Only KPs with at least `min_items`
  training items get a classifier.
- **keywords**: KPs with fewer items fall back to rules built from the KP tree: a stem
  that contains the KP's own name phrases (or, more weakly, its parents' names) suggests
  it. "三元一次方程组" in a stem suggests the KPs under 三元一次方程组.

Suggestions from both are merged by score. The trained tagger is plain data (n-gram
vocabulary, idf, sparse weights, keyword rules) and is saved as JSON, so a shipped model
loads without unpickling anything. scikit-learn is needed only to train.
Nothing here touches the database.
"""

from __future__ import annotations

import csv
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy import sparse

from resources import resource_path

FORMAT = "ptw-kp-tagger"
FORMAT_VERSION = 1
SHIPPED_MODEL = ("models", "kp_tagger_math.json")
SHIPPED_ITEMS = ("items", "math_junior_items.csv")
SHIPPED_TREE = ("knowledge_points", "math_junior_pep.csv")

NGRAM_RANGE = (1, 3)
WEIGHT_DECIMALS = 3  # weights are rounded so a saved tagger equals the trained one exactly
WEIGHT_FLOOR = 0.4  # smaller weights are dropped: a smaller file, the same ranking on the bench
OWN_NAME_SCORE = 0.6  # keyword score of a fallback KP whose own name phrase is in the stem
ANCESTOR_DECAY = 0.5  # each level up the tree halves the score of a matched name phrase

SuggestionSource = Literal["model", "keywords"]

_DIGITS = re.compile(r"\d+")
_SUPERSCRIPTS = str.maketrans({sup: "^" + plain for sup, plain in zip(
    "⁰¹²³⁴⁵⁶⁷⁸⁹ⁿˣʸᵐᵏ", "0123456789nxymk", strict=True)})
_BLANKS = re.compile(r"_+")
_SPACES = re.compile(r"\s+")
_NAME_SPLIT = re.compile(r"[\s、，,;；:：()（）——\-—与和及的或]+")
# Phrases in KP names that say nothing about the topic of a stem.
_GENERIC_PHRASES = frozenset({
    "概念", "性质", "判定", "应用", "问题", "解法", "公式", "定理", "运算", "计算",
    "意义", "法则", "课题学习", "实际问题", "初步", "一般步骤", "有关概念", "简单计算",
    "图象", "其推论", "分类", "表示", "方法", "关系", "位置关系", "有关计算", "综合",
    "设计", "实际应用", "简单应用", "数学",
})


@dataclass(frozen=True, slots=True)
class KpNode:
    """One node of a knowledge-point tree (编码, 名称, 上级编码)."""

    code: str
    name: str
    parent_code: str | None = None


@dataclass(frozen=True, slots=True)
class TaggedItem:
    """An exam item whose KPs a teacher has set: the training data.

    `family` groups items written from one original (numbers changed), so an honest
    evaluation keeps a family on one side of the train/test split.
    """

    stem: str
    kp_codes: tuple[str, ...]
    family: str = ""


@dataclass(frozen=True, slots=True)
class KpSuggestion:
    """One suggested KP for a stem: `score` in [0, 1], higher is likelier."""

    code: str
    score: float
    source: SuggestionSource


@dataclass(frozen=True, slots=True)
class KeywordRule:
    """Name phrases that point to a fallback KP, with the score each earns when matched."""

    code: str
    phrases: tuple[tuple[str, float], ...]

    def score(self, text: str) -> float:
        """The best phrase score found in normalised `text` (0 when none matches)."""
        return max((weight for phrase, weight in self.phrases if phrase in text), default=0.0)


@dataclass(frozen=True, slots=True)
class TrainingOptions:
    """Knobs of training; the defaults are what the shipped model uses."""

    min_items: int = 2  # a KP with fewer training items is suggested by keywords only
    regularisation: float = 30.0  # LogisticRegression's C
    min_df: int = 2  # n-grams in fewer stems than this are left out of the vocabulary


@dataclass(frozen=True, eq=False)
class KpTagger:
    """A trained tagger: plain arrays and rules, no scikit-learn objects.

    `weights` is (classes × vocabulary), sparse. Build one with `KpTagger.train` or
    `KpTagger.from_bytes`; `load_shipped_tagger()` gives the shipped mathematics model.
    """

    vocabulary: Mapping[str, int]
    idf: np.ndarray
    classes: tuple[str, ...]
    weights: sparse.csr_matrix
    intercepts: np.ndarray
    rules: tuple[KeywordRule, ...]
    options: TrainingOptions = field(default_factory=TrainingOptions)

    @classmethod
    def train(cls, items: Sequence[TaggedItem], tree: Sequence[KpNode],
              options: TrainingOptions | None = None) -> KpTagger:
        """Train on tagged items; KPs of `tree` with too few items get keyword rules."""
        options = options or TrainingOptions()
        known = {node.code for node in tree}
        usable = [item for item in items if item.stem.strip()
                  and any(code in known for code in item.kp_codes)]
        counts = _kp_counts(usable, known)
        classes = tuple(sorted(code for code, n in counts.items() if n >= options.min_items))
        fallback = [node.code for node in tree
                    if counts.get(node.code, 0) < options.min_items and _is_leaf(node, tree)]
        rules = build_keyword_rules(tree, fallback)
        if not classes:
            return cls({}, np.zeros(0), (), sparse.csr_matrix((0, 0)), np.zeros(0), rules,
                       options)
        documents = [*usable, *name_documents(tree, classes)]
        return _fit(documents, classes, rules, options)

    def suggest(self, stem: str, k: int = 3) -> list[KpSuggestion]:
        """The `k` likeliest KPs for `stem`, best first; empty when nothing points anywhere."""
        text = normalise_stem(stem or "")
        if not text.strip() or k <= 0:
            return []
        found = self._model_scores(text) + self._keyword_scores(text)
        found.sort(key=lambda s: (-s.score, s.source != "model", s.code))
        return found[:k]

    def _model_scores(self, text: str) -> list[KpSuggestion]:
        """Probabilities of the model's KPs; none when the stem shares no n-gram with training."""
        vector = self._vector(text)
        if vector is None:
            return []
        logits = self.weights @ vector + self.intercepts
        probabilities = 1.0 / (1.0 + np.exp(-logits))
        return [KpSuggestion(code, round(float(p), 4), "model")
                for code, p in zip(self.classes, probabilities, strict=True)]

    def _keyword_scores(self, text: str) -> list[KpSuggestion]:
        """Scores of the fallback KPs whose name phrases occur in the stem."""
        hits = ((rule.code, rule.score(text)) for rule in self.rules)
        return [KpSuggestion(code, round(score, 4), "keywords") for code, score in hits if score]

    def _vector(self, text: str) -> np.ndarray | None:
        """The l2-normalised TF-IDF vector of a normalised stem, or None when it is empty."""
        counts: dict[int, int] = {}
        for gram in _analyser()(text):
            index = self.vocabulary.get(gram)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        if not counts:
            return None
        vector = np.zeros(len(self.vocabulary))
        for index, n in counts.items():
            vector[index] = (1.0 + math.log(n)) * self.idf[index]
        return vector / np.linalg.norm(vector)

    @property
    def keyword_codes(self) -> tuple[str, ...]:
        """The KPs suggested by keyword rules only."""
        return tuple(rule.code for rule in self.rules)

    def to_bytes(self) -> bytes:
        """The tagger as UTF-8 JSON: no pickle, so loading it runs no code."""
        return json.dumps(_to_document(self), ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> KpTagger:
        """Load a tagger saved by `to_bytes`; ValueError says what is wrong with bad data."""
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"not a knowledge-point tagger file: {error}") from error
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError("not a knowledge-point tagger file (format marker missing)")
        if document.get("version") != FORMAT_VERSION:
            raise ValueError(f"tagger file version {document.get('version')} is not "
                             f"{FORMAT_VERSION}; rebuild it with this program")
        try:
            return _from_document(document)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise ValueError(f"damaged knowledge-point tagger file: {error!r}") from error


def normalise_stem(text: str) -> str:
    """Fold a stem to the form the n-grams are taken from.

    Superscripts become "^" and their character ("x²" → "x^0", a power, not "x0"), then
    full-width forms become half-width (NFKC), letters lower case, every run of digits
    "0", blanks "____" one "_", and runs of white space one space.
    """
    text = unicodedata.normalize("NFKC", text.translate(_SUPERSCRIPTS)).lower()
    text = _DIGITS.sub("0", text)
    text = _BLANKS.sub("_", text)
    return _SPACES.sub(" ", text).strip()


def name_phrases(name: str) -> tuple[str, ...]:
    """The topical phrases of a KP name ("一元一次方程的解法——去分母" → 一元一次方程, 去分母)."""
    parts = (normalise_stem(part) for part in _NAME_SPLIT.split(name))
    unique = dict.fromkeys(p for p in parts if len(p) >= 2 and p not in _GENERIC_PHRASES)
    whole = normalise_stem(name)
    if len(whole) >= 2 and whole not in _GENERIC_PHRASES:
        unique = {whole: None, **unique}
    return tuple(unique)


def build_keyword_rules(tree: Sequence[KpNode], codes: Iterable[str]) -> tuple[KeywordRule, ...]:
    """Keyword rules for `codes` from their names and their ancestors' names.

    A phrase of the KP's own name scores OWN_NAME_SCORE, of its parent half that, and so
    on up to (not including) the book level, since 七年级上册 says nothing of the topic.
    A phrase in several names scores as the most general one ("一元一次方程" in
    "一元一次方程的解法——去分母" names the chapter, not this KP). Longer phrases win
    ties: they are more specific.
    """
    nodes = {node.code: node for node in tree}
    rules = []
    for code in codes:
        chain = _topic_chain(nodes, code)
        phrases: dict[str, float] = {}
        for level, node in reversed(list(enumerate(chain))):
            weight = OWN_NAME_SCORE * ANCESTOR_DECAY ** level
            for phrase in name_phrases(node.name):
                bonus = min(len(phrase), 8) / 1000  # longer, more specific phrase first
                phrases.setdefault(phrase, round(weight + bonus, 4))
        if phrases:
            ordered = sorted(phrases.items(), key=lambda pair: -pair[1])
            rules.append(KeywordRule(code, tuple(ordered)))
    return tuple(rules)


def _topic_chain(nodes: Mapping[str, KpNode], code: str) -> list[KpNode]:
    """The node of `code` and its ancestors below the book level, nearest first."""
    chain, node = [], nodes.get(code)
    while node is not None and node.code.count(".") >= 2 and len(chain) < 10:
        chain.append(node)
        node = nodes.get(node.parent_code or "")
    return chain


def name_documents(tree: Sequence[KpNode], classes: Sequence[str]) -> list[TaggedItem]:
    """Extra training documents from the tree: each class KP's name, labelled with it, and
    each of their parents' names, labelled with the parent's class children.

    Items of a KP use the words of its name ("配方法", "众数", "增根") more often than
    not; with a few items per KP these documents make sure the model knows them.
    """
    nodes = {node.code: node for node in tree}
    children: dict[str, list[str]] = {}
    for code in classes:
        node = nodes.get(code)
        if node is not None and node.parent_code in nodes:
            children.setdefault(node.parent_code, []).append(code)
    own = [TaggedItem(nodes[code].name, (code,)) for code in classes if code in nodes]
    parents = [TaggedItem(nodes[parent].name, tuple(codes))
               for parent, codes in sorted(children.items())]
    return own + parents


def read_kp_tree(path: Path) -> tuple[KpNode, ...]:
    """A KP tree from a CSV with the columns 编码, 名称, 上级编码 (UTF-8, BOM allowed)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return tuple(KpNode(row["编码"].strip(), row["名称"].strip(),
                            (row.get("上级编码") or "").strip() or None)
                     for row in csv.DictReader(handle) if (row.get("编码") or "").strip())


def read_tagged_items(path: Path) -> tuple[TaggedItem, ...]:
    """Tagged items from a CSV with the columns 题干, 知识点 (codes joined by ;) and,
    optionally, 题组 (the item's family)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return tuple(TaggedItem(row["题干"].strip(), _split_codes(row["知识点"]),
                                (row.get("题组") or "").strip())
                     for row in csv.DictReader(handle) if (row.get("题干") or "").strip())


def shipped_tree() -> tuple[KpNode, ...]:
    """The shipped 人教版 junior-high mathematics KP tree."""
    return read_kp_tree(resource_path(*SHIPPED_TREE))


def shipped_items() -> tuple[TaggedItem, ...]:
    """The shipped tagged mathematics items the shipped model is trained on."""
    return read_tagged_items(resource_path(*SHIPPED_ITEMS))


def train_shipped_tagger() -> KpTagger:
    """Train the shipped model again from the shipped items and tree (for rebuilds, tests)."""
    return KpTagger.train(shipped_items(), shipped_tree())


def load_shipped_tagger() -> KpTagger:
    """The shipped mathematics tagger, loaded from its JSON file."""
    return KpTagger.from_bytes(resource_path(*SHIPPED_MODEL).read_bytes())


def _split_codes(text: str) -> tuple[str, ...]:
    """KP codes from a cell such as "MA.7A.01.01.01; MA.7A.01.02.02"."""
    return tuple(dict.fromkeys(c.strip() for c in re.split(r"[;；,，\s]+", text) if c.strip()))


def _kp_counts(items: Sequence[TaggedItem], known: set[str]) -> dict[str, int]:
    """How many items each known KP is tagged on."""
    counts: dict[str, int] = {}
    for item in items:
        for code in set(item.kp_codes) & known:
            counts[code] = counts.get(code, 0) + 1
    return counts


def _is_leaf(node: KpNode, tree: Sequence[KpNode]) -> bool:
    """Whether no node of `tree` has `node` as its parent."""
    return all(other.parent_code != node.code for other in tree)


@lru_cache(maxsize=1)
def _analyser() -> Any:
    """The n-gram function of the vectoriser (stems are normalised before it)."""
    return _vectoriser(1).build_analyzer()


def _vectoriser(min_df: int) -> Any:
    """The TF-IDF vectoriser used in training; `_vector` repeats its arithmetic."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char", ngram_range=NGRAM_RANGE, lowercase=False,
                           sublinear_tf=True, min_df=min_df, dtype=np.float64)


def _fit(items: Sequence[TaggedItem], classes: tuple[str, ...], rules: tuple[KeywordRule, ...],
         options: TrainingOptions) -> KpTagger:
    """Fit TF-IDF and one logistic regression per class; keep rounded, pruned weights."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    vectoriser = _vectoriser(options.min_df)
    matrix = vectoriser.fit_transform([normalise_stem(item.stem) for item in items])
    index = {code: i for i, code in enumerate(classes)}
    targets = np.zeros((len(items), len(classes)), dtype=np.int64)  # int8 trips sklearn
    for row, item in enumerate(items):
        for code in item.kp_codes:
            if code in index:
                targets[row, index[code]] = 1
    model = OneVsRestClassifier(LogisticRegression(
        C=options.regularisation, solver="liblinear", class_weight="balanced", max_iter=1000,
        random_state=0))
    model.fit(matrix, targets)
    weights = np.vstack([estimator.coef_[0] for estimator in model.estimators_])
    weights = np.round(weights, WEIGHT_DECIMALS)
    weights[np.abs(weights) < WEIGHT_FLOOR] = 0.0
    intercepts = np.round([estimator.intercept_[0] for estimator in model.estimators_],
                          WEIGHT_DECIMALS)
    vocabulary = {gram: int(i) for gram, i in vectoriser.vocabulary_.items()}
    return KpTagger(vocabulary, np.round(vectoriser.idf_, 6), classes,
                    sparse.csr_matrix(weights), np.asarray(intercepts, dtype=np.float64),
                    rules, options)


def _to_document(tagger: KpTagger) -> dict[str, Any]:
    """The JSON-able form of a tagger; weights as per-class (feature, weight) lists."""
    grams = sorted(tagger.vocabulary, key=tagger.vocabulary.__getitem__)
    weights = tagger.weights
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "options": {"min_items": tagger.options.min_items,
                    "regularisation": tagger.options.regularisation,
                    "min_df": tagger.options.min_df},
        "ngrams": grams,
        "idf": [float(v) for v in tagger.idf],
        "classes": list(tagger.classes),
        "intercepts": [float(v) for v in tagger.intercepts],
        "weights": [[[int(j), float(w)] for j, w in zip(
            weights.indices[weights.indptr[i]:weights.indptr[i + 1]],
            weights.data[weights.indptr[i]:weights.indptr[i + 1]], strict=True)]
            for i in range(len(tagger.classes))],
        "rules": [{"code": rule.code, "phrases": [list(p) for p in rule.phrases]}
                  for rule in tagger.rules],
    }


def _from_document(document: Mapping[str, Any]) -> KpTagger:
    """A tagger from the form `_to_document` makes."""
    grams = [str(g) for g in document["ngrams"]]
    classes = tuple(str(c) for c in document["classes"])
    rows, cols, values = [], [], []
    for i, entries in enumerate(document["weights"]):
        for j, w in entries:
            rows.append(i)
            cols.append(int(j))
            values.append(float(w))
    weights = sparse.csr_matrix((values, (rows, cols)), shape=(len(classes), len(grams)))
    intercepts = np.asarray(document["intercepts"], dtype=np.float64)
    idf = np.asarray(document["idf"], dtype=np.float64)
    if len(intercepts) != len(classes) or len(idf) != len(grams):
        raise ValueError("array lengths do not match the classes and n-grams")
    rules = tuple(KeywordRule(str(r["code"]), tuple((str(p), float(w)) for p, w in r["phrases"]))
                  for r in document["rules"])
    return KpTagger({g: i for i, g in enumerate(grams)}, idf, classes, weights, intercepts,
                    rules, TrainingOptions(**document["options"]))


__all__ = [
    "KeywordRule",
    "KpNode",
    "KpSuggestion",
    "KpTagger",
    "TaggedItem",
    "TrainingOptions",
    "build_keyword_rules",
    "load_shipped_tagger",
    "name_documents",
    "name_phrases",
    "normalise_stem",
    "read_kp_tree",
    "read_tagged_items",
    "shipped_items",
    "shipped_tree",
    "train_shipped_tagger",
]
