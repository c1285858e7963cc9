"""Duplicate recall on real messages (docs/intelligence.md, "Duplicates and similar cases").

    .venv/bin/python bench/duplicates_eval.py [--data PATH] [--near 0.8]

Reads ``messages_with_votes.csv`` (default ``../shared/data/teddy2020/``; not in the repository) and
builds the ground truth exhaustively over every pair, with no hashing and no sampling:

* (a) **same text**: equal text after ``normalise_for_duplicates`` (NFKC, whitespace and every
  punctuation or symbol removed, Latin lower-cased; the title when the text is empty);
* (b) **near-identical**: character-5-gram Jaccard of the normalised texts >= ``--near`` (0.8),
  and not (a).

Then it measures the two ways Minsheng finds them, each with recall per kind and precision:

1. ``insights.duplicates.find_duplicates`` (batch, MinHash 16x4 bands, used for hot topics);
2. the similar-case index used at intake (``insights.similar``: 10x3 bands + 8 keywords per message,
   at most ``PER_KEY`` newest postings per key, ``CANDIDATES`` reranked), queried with every
   message as intake would, each candidate verified with the exact Jaccard as
   ``knowledge.similar_index.possible_duplicates`` does (>= ``NEAR_JACCARD`` = 0.6 flags it; here
   pairs >= ``--near`` count for the comparison with the ground truth).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from minsheng.insights import similar  # noqa: E402
from minsheng.insights.duplicates import find_duplicates, jaccard, normalise_for_duplicates, shingles  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "teddy2020" / "messages_with_votes.csv"
# The same bounds as minsheng/knowledge/similar_index.py (kept Django-free here; asserted equal below
# when Django is importable).
PER_KEY = 200
CANDIDATES = 60


@dataclass(frozen=True)
class Message:
    id: str
    title: str
    text: str


def load(path: Path) -> list[Message]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [Message(f"{row['source_id']}#{i}", row["title"].strip(), row["text"].strip())
                for i, row in enumerate(csv.DictReader(fh))]


def _ngrams(s: str, k: int = 5) -> set[str]:
    return {s[i : i + k] for i in range(len(s) - k + 1)} if len(s) >= k else set()


def ground_truth(messages: Sequence[Message], near: float) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    norms = [normalise_for_duplicates(m.text) or normalise_for_duplicates(m.title) for m in messages]
    groups: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(norms):
        if s:
            groups[s].append(i)
    exact = {p for members in groups.values() for p in combinations(members, 2)}
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, s in enumerate(norms):
        for g in _ngrams(s):
            rows.append(i)
            cols.append(vocab.setdefault(g, len(vocab)))
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(norms), len(vocab)))
    sizes = np.asarray(m.sum(axis=1)).ravel()
    inter = sp.triu(m @ m.T, k=1).tocoo()
    jac = inter.data / (sizes[inter.row] + sizes[inter.col] - inter.data)
    near_pairs = {(int(a), int(b)) for a, b, j in zip(inter.row, inter.col, jac, strict=True)
                  if j >= near and (int(a), int(b)) not in exact}
    return exact, near_pairs


def report(name: str, found: set[tuple[int, int]], exact: set, near: set, seconds: float) -> None:
    truth = exact | near
    tp = len(found & truth)
    print(f"{name}: {len(found)} pairs in {seconds:.1f} s")
    print(f"  recall {tp / max(1, len(truth)):.3f} (same text {len(found & exact) / max(1, len(exact)):.3f}, "
          f"near-identical {len(found & near) / max(1, len(near)):.3f}); precision {tp / max(1, len(found)):.3f}")
    for i, j in sorted(truth - found)[:5]:
        print(f"  missed pair: lines {i + 2} and {j + 2}")


def via_index(messages: Sequence[Message], near: float) -> set[tuple[int, int]]:
    """Every message queried against the others through the same keys and bounds as the index."""
    fps = [similar.fingerprint(m.title, m.text) for m in messages]
    postings: dict[int, list[int]] = defaultdict(list)
    keys = [similar.index_keys(fp, "1|i") for fp in fps]
    for i, ks in enumerate(keys):
        for k in ks:
            postings[k].append(i)
    norms = [normalise_for_duplicates(m.text or m.title) for m in messages]
    cache: dict[int, object] = {}

    def sh(i: int):  # type: ignore[no-untyped-def]
        if i not in cache:
            cache[i] = shingles(norms[i])
        return cache[i]

    found: set[tuple[int, int]] = set()
    for i, ks in enumerate(keys):
        counts: Counter[int] = Counter()
        for k in ks:
            # newest first, at most PER_KEY, as ORDER BY case_id DESC LIMIT PER_KEY
            counts.update(postings[k][::-1][:PER_KEY])
        counts.pop(i, None)
        for j, _ in counts.most_common(CANDIDATES):
            a, b = (i, j) if i < j else (j, i)
            if (a, b) in found:
                continue
            # The same test as similar.text_jaccard, with each message's shingles computed once.
            if (norms[i] and norms[i] == norms[j]) or jaccard(sh(i), sh(j)) >= near:
                found.add((a, b))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--near", type=float, default=0.8)
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"{args.data} not found (the real messages are not in the repository)")
        return 2
    messages = load(args.data)
    t0 = time.perf_counter()
    exact, near = ground_truth(messages, args.near)
    print(f"{len(messages)} messages; ground truth: {len(exact)} same-text pairs + {len(near)} near-identical pairs "
          f"(character-5-gram Jaccard >= {args.near}), exhaustive over {len(messages) * (len(messages) - 1) // 2:,} "
          f"pairs in {time.perf_counter() - t0:.1f} s")
    pos = {m.id: i for i, m in enumerate(messages)}
    t0 = time.perf_counter()
    batch = {tuple(sorted((pos[a], pos[b]))) for a, b, _ in find_duplicates(messages, near_threshold=args.near)}
    report("1. find_duplicates (batch)", batch, exact, near, time.perf_counter() - t0)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    indexed = via_index(messages, args.near)
    report("2. similar-case index (intake)", indexed, exact, near, time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
