"""Exact and near-duplicate citizen messages (Django-free).

Citizens re-post the same message (a double click, a second try a day later, a neighbour
copying a neighbour's text). Intake officers merge such messages; hot-topic counting should
not count them twice without saying so.

Method
------
* ``normalise_for_duplicates``: NFKC (full-width letters, digits and punctuation become
  half-width), then every whitespace, punctuation, symbol and control character -- ASCII and
  CJK alike -- is removed, and ASCII letters are lower-cased.
* exact duplicates: equal normalised text (messages whose text is empty fall back to the title).
* near duplicates: Jaccard similarity of the sets of character 5-grams ("shingles") of the
  normalised text >= ``near_threshold``. Candidates come from MinHash signatures
  (64 permutations) split into 16 LSH bands of 4 rows, so work grows with the number of
  messages, not its square; every candidate pair is then verified with the exact Jaccard.
  With 16x4 bands a pair with Jaccard 0.8 becomes a candidate with probability 0.9998,
  0.7 with 0.988.

Only one representative of each exact group enters the LSH step; a near pair between two
exact groups is reported for every member pair of the two groups.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from functools import lru_cache
from itertools import combinations
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["DuplicateMessage", "find_duplicates", "normalise_for_duplicates", "shingles"]

SHINGLE = 5
NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
_PRIME = np.uint64((1 << 31) - 1)  # Mersenne prime below the 32-bit shingle range
_MASK32 = np.uint64(0xFFFFFFFF)


class DuplicateMessage(Protocol):
    """Anything with an id, a title and a text (``topics.Message`` qualifies)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...


@lru_cache(maxsize=1)
def _strip_table() -> dict[int, None]:
    # Built once: every BMP code point that is whitespace, punctuation, a symbol or a control
    # character. str.translate with this table runs in C, which matters at a million messages.
    drop: dict[int, None] = {}
    for cp in range(0x10000):
        cat = unicodedata.category(chr(cp))
        if cat[0] in "PSZC" and not (0xD800 <= cp <= 0xDFFF):
            drop[cp] = None
    return drop


def normalise_for_duplicates(text: str) -> str:
    """Remove whitespace and punctuation (ASCII, CJK, full-width); full-width -> half-width."""
    return unicodedata.normalize("NFKC", text).translate(_strip_table()).lower()


def shingles(norm: str, k: int = SHINGLE) -> npt.NDArray[np.uint64]:
    """Sorted unique 32-bit hashes of the character k-grams of an already normalised text."""
    if not norm:
        return np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < k:
        k = len(codes)
    n = len(codes) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    # Polynomial rolling hash with 64-bit wrap-around, then folded to 32 bits.
    for j in range(k):
        h = h * np.uint64(1_000_003) + codes[j : j + n]
    h ^= h >> np.uint64(29)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(32)
    return np.unique(h & _MASK32)


@lru_cache(maxsize=1)
def _permutations() -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    rng = np.random.default_rng(20200101)  # fixed: signatures must be reproducible
    # (a * h + b) mod p with a, b < p = 2**31 - 1 and h < 2**32 never overflows 64 bits. The
    # modulus must be smaller than the range of h: otherwise the map is monotonic and every
    # "permutation" picks the same minimum.
    a = rng.integers(1, (1 << 31) - 1, size=NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, (1 << 31) - 1, size=NUM_PERM, dtype=np.uint64)
    return a, b


def minhash(sh: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    a, b = _permutations()
    if len(sh) == 0:
        return np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    return ((a[:, None] * sh[None, :] + b[:, None]) % _PRIME).min(axis=1)


def jaccard(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]) -> float:
    if len(a) == 0 or len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def _dedupe_text(m: DuplicateMessage) -> str:
    norm = normalise_for_duplicates(m.text)
    return norm if norm else normalise_for_duplicates(m.title)


def _candidate_pairs(signatures: Iterable[npt.NDArray[np.uint64]]) -> set[tuple[int, int]]:
    buckets: dict[Hashable, list[int]] = defaultdict(list)
    for i, sig in enumerate(signatures):
        for band in range(BANDS):
            key = (band, sig[band * ROWS : (band + 1) * ROWS].tobytes())
            buckets[key].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) > 1:
            pairs.update(combinations(members, 2))
    return pairs


def find_duplicates(
    messages: Sequence[DuplicateMessage], *, near_threshold: float = 0.8
) -> list[tuple[str, str, str]]:
    """Pairs ``(id_a, id_b, "exact" | "near")``; id_a comes first in ``messages``.

    ``near_threshold`` is the character-5-gram Jaccard similarity of the normalised texts.
    Texts shorter than 5 characters after normalisation only ever match exactly.
    """
    groups: dict[bytes, list[int]] = {}
    rep_members: list[list[int]] = []  # members of each exact group, in first-seen order
    norms: list[str] = []  # normalised text of each exact group
    for i, m in enumerate(messages):
        norm = _dedupe_text(m)
        if not norm:
            continue
        key = hashlib.blake2b(norm.encode("utf-8"), digest_size=16).digest()
        if key in groups:
            groups[key].append(i)
        else:
            groups[key] = [i]
            rep_members.append(groups[key])
            norms.append(norm)

    out: list[tuple[str, str, str]] = []
    for members in groups.values():
        for a, b in combinations(members, 2):
            out.append((messages[a].id, messages[b].id, "exact"))

    # Near duplicates among exact-group representatives. Signatures are computed first and
    # shingles dropped; shingles are recomputed only for the few messages in candidate pairs.
    eligible = [r for r, s in enumerate(norms) if len(s) >= SHINGLE]
    sigs = (minhash(shingles(norms[r])) for r in eligible)
    cand = _candidate_pairs(sigs)
    cache: dict[int, npt.NDArray[np.uint64]] = {}

    def sh(r: int) -> npt.NDArray[np.uint64]:
        if r not in cache:
            cache[r] = shingles(norms[r])
        return cache[r]

    for x, y in sorted(cand):
        rx, ry = eligible[x], eligible[y]
        if jaccard(sh(rx), sh(ry)) >= near_threshold:
            for a in rep_members[rx]:
                for b in rep_members[ry]:
                    lo, hi = (a, b) if a < b else (b, a)
                    out.append((messages[lo].id, messages[hi].id, "near"))
    return out
