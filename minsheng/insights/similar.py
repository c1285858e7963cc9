"""Fingerprints of citizen messages for the similar-case index (Django-free).

A fingerprint holds what the index and the reranking need, computed once per text:

* ``signature``: the MinHash signature of the character 5-grams of the normalised text
  (``duplicates.normalise_for_duplicates`` / ``duplicates.minhash``, 64 permutations). Its
  first 30 values are cut into ``BANDS`` = 10 bands of ``ROWS`` = 3; two texts share a band
  with probability 1 - (1 - J^3)^10: 0.9992 at Jaccard 0.8, 0.985 at 0.7, 0.24 at 0.3. Band
  keys find re-posts and near-identical texts; the full 64 values estimate the Jaccard.
* ``keywords``: the content words (``textprep.content_tokens``: no stop words, no
  punctuation) weighted by term frequency x inverse document frequency, title words counting
  twice; the IDF table is the one shipped inside jieba (``jieba.analyse``), so nothing is
  trained or downloaded and a word's weight does not change as cases arrive. The top
  ``KEYWORDS`` words, L2-normalised; the top ``INDEX_KEYWORDS`` of them are index keys. They
  find messages on the same subject worded differently.
* ``places``: the keywords that name a place (estate, road, village, school ...), recognised by
  their suffix. "Same subject at the same place" needs a shared place and shared subject words.

Index keys are signed 64-bit integers (a B-tree column in any database), hashed together with
a namespace (site and audience) so one table serves every site and both audiences.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from minsheng.insights.duplicates import SHINGLE, jaccard, minhash, normalise_for_duplicates, shingles
from minsheng.insights.textprep import content_tokens

__all__ = [
    "BANDS",
    "Fingerprint",
    "Match",
    "band_keys",
    "compare",
    "fingerprint",
    "index_keys",
    "keyword_key",
    "text_jaccard",
]

BANDS = 10
ROWS = 3
KEYWORDS = 12
INDEX_KEYWORDS = 8
PLACE_SUFFIXES = (
    "小区", "花园", "家园", "公寓", "大厦", "广场", "新城", "苑", "庭", "府", "湾", "城", "园", "路", "街", "巷",
    "大道", "村", "镇", "乡", "社区", "街道", "学校", "中学", "小学", "幼儿园", "医院", "市场", "公园", "大桥", "桥",
    "站", "组",
)
# Common words that end like a place name but are not one.
_NOT_PLACES = frozenset({"思路", "道路", "线路", "马路", "公路", "出路", "城市", "县城", "车站", "网站", "进城"})
_HAN_RE = re.compile(r"^[\u3400-\u9fff]+$")
_PLACE_RE = re.compile("(?:" + "|".join(sorted(map(re.escape, PLACE_SUFFIXES), key=len, reverse=True)) + ")$")


@dataclass(frozen=True)
class Fingerprint:
    signature: tuple[int, ...]  # 64 MinHash values (empty text: all max)
    keywords: Mapping[str, float]  # word -> weight, L2-normalised, at most KEYWORDS words
    places: tuple[str, ...] = ()
    length: int = 0  # characters after normalisation

    def to_json(self) -> dict[str, object]:
        return {"k": dict(self.keywords), "p": list(self.places), "n": self.length}


@dataclass(frozen=True)
class Match:
    """How alike two fingerprints are, with the reasons a person can read."""

    score: float  # 0..1, what candidates are ranked by
    jaccard: float  # estimated character-5-gram Jaccard (MinHash)
    cosine: float  # keyword cosine
    shared_words: tuple[str, ...] = field(default=())
    shared_places: tuple[str, ...] = field(default=())


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    # jieba ships its IDF table with the package (jieba/analyse/idf.txt): no download, no training.
    import jieba.analyse

    table = jieba.analyse.TFIDF()
    return table.idf_freq, table.median_idf


def is_place(word: str) -> bool:
    return len(word) >= 3 and word not in _NOT_PLACES and bool(_PLACE_RE.search(word))


def place_names(text: str) -> tuple[str, ...]:
    """Place names in a text: a word ending like a place (金桂苑, 建设路), or a suffix word that
    jieba split off its name (幸福 + 家园 -> 幸福家园)."""
    tokens = content_tokens(text)
    found: list[str] = []
    for i, tok in enumerate(tokens):
        if is_place(tok):
            found.append(tok)
        elif tok in PLACE_SUFFIXES and i > 0 and len(tokens[i - 1]) >= 2 and _HAN_RE.match(tokens[i - 1]):
            found.append(tokens[i - 1] + tok)
    return tuple(dict.fromkeys(found))


def keywords(title: str, text: str, *, top: int = KEYWORDS) -> dict[str, float]:
    idf, median = _idf()
    counts: Counter[str] = Counter()
    for weight, part in ((2, title), (1, text)):
        for token in content_tokens(part):
            if len(token) >= 2:
                counts[token] += weight
    scored = sorted(((c * idf.get(w, median), w) for w, c in counts.items()), reverse=True)[:top]
    norm = math.sqrt(sum(s * s for s, _ in scored)) or 1.0
    return {w: round(s / norm, 4) for s, w in scored}


def fingerprint(title: str, text: str) -> Fingerprint:
    norm = normalise_for_duplicates(text) or normalise_for_duplicates(title)
    sig = minhash(shingles(norm)) if len(norm) >= SHINGLE else minhash(shingles(""))
    words = keywords(title, text)
    places = place_names(title + "。" + text)[:8]
    return Fingerprint(tuple(int(v) for v in sig), words, places, len(norm))


_EMPTY32 = 0xFFFFFFFF


def signature_bytes(signature: Sequence[int]) -> bytes:
    """Compact storage: MinHash values are below 2**31, so 32 bits hold them (empty text: all ones)."""
    top = int(np.iinfo(np.uint64).max)
    return np.array([_EMPTY32 if v == top else v for v in signature], dtype="<u4").tobytes()


def signature_from_bytes(raw: bytes | memoryview) -> tuple[int, ...]:
    top = int(np.iinfo(np.uint64).max)
    return tuple(top if v == _EMPTY32 else int(v) for v in np.frombuffer(bytes(raw), dtype="<u4"))


def _h64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def band_keys(signature: Sequence[int], namespace: str) -> list[int]:
    """One key per band; no band keys for texts too short to have shingles (they would all collide)."""
    top = np.iinfo(np.uint64).max
    if not signature or all(v == top for v in signature[: BANDS * ROWS]):
        return []
    return [
        _h64(f"{namespace}|b{b}|" + ",".join(str(v) for v in signature[b * ROWS : (b + 1) * ROWS]))
        for b in range(BANDS)
    ]


def keyword_key(word: str, namespace: str) -> int:
    return _h64(f"{namespace}|w|{word}")


def index_keys(fp: Fingerprint, namespace: str, *, bands: bool = True) -> list[int]:
    keys = band_keys(fp.signature, namespace) if bands else []
    keys.extend(keyword_key(w, namespace) for w in list(fp.keywords)[:INDEX_KEYWORDS])
    return list(dict.fromkeys(keys))


def estimated_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    if not a or not b or len(a) != len(b):
        return 0.0
    top = int(np.iinfo(np.uint64).max)
    same = sum(1 for x, y in zip(a, b, strict=True) if x == y and x != top)
    return same / len(a)


def compare(a: Fingerprint, b: Fingerprint, *, jaccard_estimate: float | None = None) -> Match:
    """``jaccard_estimate`` lets a caller that compared stored signatures in bulk skip the per-value loop."""
    shared = [w for w in a.keywords if w in b.keywords]
    cosine = sum(a.keywords[w] * b.keywords[w] for w in shared)
    jac = estimated_jaccard(a.signature, b.signature) if jaccard_estimate is None else jaccard_estimate
    places = tuple(p for p in a.places if p in b.places)
    # Keyword cosine carries the subject; the character Jaccard lifts re-posts to the top.
    score = min(1.0, 0.7 * cosine + 0.3 * jac + (0.1 if places else 0.0))
    return Match(round(score, 4), round(jac, 4), round(cosine, 4), tuple(shared), places)


def signature_array(signature: Sequence[int]) -> npt.NDArray[np.uint32]:
    return np.frombuffer(signature_bytes(signature), dtype="<u4")


def stored_jaccard(q: npt.NDArray[np.uint32], raw: bytes | memoryview) -> float:
    """Estimated Jaccard between a signature (``signature_array``) and a stored one, compared as bytes."""
    other = np.frombuffer(bytes(raw), dtype="<u4")
    if len(other) != len(q):
        return 0.0
    return float(np.count_nonzero((other == q) & (q != _EMPTY32))) / len(q)


def text_jaccard(a: str, b: str) -> float:
    """Exact character-5-gram Jaccard of two texts after duplicate normalisation."""
    na, nb = normalise_for_duplicates(a), normalise_for_duplicates(b)
    if na and na == nb:
        return 1.0
    return jaccard(shingles(na), shingles(nb))


def rank(query: Fingerprint, candidates: Iterable[tuple[int, Fingerprint, float | None]], *, limit: int,
         min_score: float = 0.15) -> list[tuple[int, Match]]:
    """Candidates are (id, fingerprint, estimated Jaccard or None to compute it from the signatures)."""
    scored = [(cid, compare(query, fp, jaccard_estimate=jac)) for cid, fp, jac in candidates]
    scored = [(cid, m) for cid, m in scored if m.score >= min_score]
    scored.sort(key=lambda item: (-item[1].score, -item[0]))
    return scored[:limit]
