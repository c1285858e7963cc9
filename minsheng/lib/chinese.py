"""Chinese text helpers: normalisation and jieba segmentation for indexing and queries."""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Iterable

_lock = threading.Lock()
_ready = False
_user_words: set[str] = set()


def _jieba():  # type: ignore[no-untyped-def]
    """Load jieba on first use (it takes about a second) and keep its start-up chatter quiet."""
    global _ready
    import jieba

    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                for word in _user_words:
                    jieba.add_word(word)
                _ready = True
    return jieba


def add_user_words(words: Iterable[str]) -> None:
    """Teach the segmenter the site's own names (compounds, roads, departments) so they stay whole."""
    new = {w.strip() for w in words if w and w.strip()} - _user_words
    _user_words.update(new)
    if _ready:
        jieba = _jieba()
        for word in new:
            jieba.add_word(word)


def normalise(text: str) -> str:
    """Full-width forms to half-width (ＡＢＣ１２３ → ABC123), lower-case Latin, collapse spaces."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.lower().split())


def _words(text: str, *, for_search: bool) -> list[str]:
    jieba = _jieba()
    cut = jieba.cut_for_search if for_search else jieba.cut
    return [w for w in (t.strip() for t in cut(normalise(text))) if w and any(ch.isalnum() for ch in w)]


def segment_for_index(text: str) -> str:
    # cut_for_search also emits the short words inside long ones (人民政府 → 人民, 政府, 人民政府),
    # so a query with the short word finds the long one.
    return " ".join(_words(text, for_search=True))


def segment_query(text: str) -> list[str]:
    seen: list[str] = []
    for word in _words(text, for_search=False):
        if word not in seen:
            seen.append(word)
    return seen
