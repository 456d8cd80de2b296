"""Bench: how well knowledge-point tagging suggests the right KPs for unseen items.

Trains the tagger on the shipped tagged mathematics items (resources/items/) with a
fifth of the item families held out, chosen by a fixed seed: items of one family (the
same original with other numbers) are all on one side, so a held-out stem never has a
near-copy in training. Prints one JSON line, last:

- `p_at_1`: share of held-out items whose top suggestion is one of their KPs (goal ≥ 0.8);
- `r_at_3`: mean over held-out items of (their KPs among the top 3 / their KPs) (≥ 0.9);
- `train_items`, `test_items`, `kps` (distinct KPs tagged in the fixture),
  `model_kps` / `keyword_kps` (KPs the trained model suggests by classifier / by keywords).

`--write-model` instead trains on all items and writes the shipped model
(resources/models/kp_tagger_math.json): the one reproducible way to rebuild it.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from analytics.kp_tagging import (
    SHIPPED_MODEL,
    KpTagger,
    TaggedItem,
    shipped_items,
    shipped_tree,
    train_shipped_tagger,
)
from resources import resource_path

SEED = 20240901
TEST_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class Split:
    """Training and held-out items, split by family."""

    train: tuple[TaggedItem, ...]
    test: tuple[TaggedItem, ...]


def split_by_family(items: Sequence[TaggedItem], test_share: float = TEST_SHARE,
                    seed: int = SEED) -> Split:
    """Hold out `test_share` of the families (an item without a family is its own)."""
    families = sorted({item.family or item.stem for item in items})
    random.Random(seed).shuffle(families)
    held_out = set(families[:round(len(families) * test_share)])
    test = tuple(item for item in items if (item.family or item.stem) in held_out)
    train = tuple(item for item in items if (item.family or item.stem) not in held_out)
    return Split(train, test)


def precision_recall(tagger: KpTagger, items: Sequence[TaggedItem]) -> tuple[float, float]:
    """P@1 and R@3 of the tagger's suggestions on tagged items."""
    hits_at_1, recall_at_3 = 0, 0.0
    for item in items:
        truth = set(item.kp_codes)
        top = [s.code for s in tagger.suggest(item.stem, k=3)]
        hits_at_1 += bool(top) and top[0] in truth
        recall_at_3 += len(truth & set(top)) / len(truth)
    return hits_at_1 / len(items), recall_at_3 / len(items)


def run(seed: int = SEED) -> dict[str, float | int]:
    """Split the shipped items, train on one part, score the other; the figures."""
    items, tree = shipped_items(), shipped_tree()
    split = split_by_family(items, seed=seed)
    tagger = KpTagger.train(split.train, tree)
    p_at_1, r_at_3 = precision_recall(tagger, split.test)
    return {
        "p_at_1": round(p_at_1, 4),
        "r_at_3": round(r_at_3, 4),
        "train_items": len(split.train),
        "test_items": len(split.test),
        "kps": len({code for item in items for code in item.kp_codes}),
        "model_kps": len(tagger.classes),
        "keyword_kps": len(tagger.keyword_codes),
    }


def write_model(path: Path | None = None) -> Path:
    """Train on all shipped items and write the shipped model file; its path."""
    path = path or resource_path(*SHIPPED_MODEL)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(train_shipped_tagger().to_bytes())
    return path


def main() -> None:
    """Parse arguments; run the bench (JSON line) or rebuild the shipped model."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the family split")
    parser.add_argument("--write-model", action="store_true",
                        help="train on all items and write the shipped model")
    args = parser.parse_args()
    if args.write_model:
        path = write_model()
        print(json.dumps({"model": str(path), "bytes": path.stat().st_size}))
        return
    print(json.dumps(run(args.seed)))


if __name__ == "__main__":
    main()
