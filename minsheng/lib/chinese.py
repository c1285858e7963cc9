"""The one Chinese text layer: normalisation, the jieba segmenter and the site's user dictionary.

Search (`cases/search.py`), masking (`lib/masking.py`, through jieba's default tokenizer and its
part-of-speech tagger), the insight models (`insights/textprep.py`) and everything else segment
text through the same jieba instance, `jieba.dt`, initialised here once per process. Loading its
dictionary takes about a second and 30 MB, so a second instance would double both, and two
instances with different user words would cut the same text differently in search and routing.

Normalisation (:func:`normalise`): NFKC folds full-width letters, digits and punctuation to
half-width (ＡＢＣ１２３ → abc123, the ideographic space to a plain one), traditional characters
become simplified (OpenCC's ``t2s`` tables, shipped inside the ``opencc`` wheel: nothing is
downloaded), Latin is lower-cased and whitespace runs collapse to one space.

User dictionary: the site's own place, compound, department and leader-office names, which jieba
would otherwise cut into pieces (幸福家园 → 幸福 / 家园). Django-free code adds words with
:func:`add_user_words`; the Django side registers a *word source* (:func:`set_word_source`, see
`minsheng/routing/lexicon.py`) that this module polls at most every ``ttl`` seconds, so a
department created or renamed in the admin reaches every web and worker process within minutes
without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "add_user_words",
    "jieba_tokenizer",
    "normalise",
    "refresh_user_words",
    "segment_for_index",
    "segment_query",
    "set_word_source",
    "to_simplified",
    "user_words",
]

logger = logging.getLogger(__name__)

_lock = threading.RLock()
_ready = False
# word -> POS tag ("ns" place, "nt" organisation, "" none): kept so that words added before jieba
# is loaded are applied when it is.
_user_words: dict[str, str] = {}
_source: Callable[[], Iterable[tuple[str, str]]] | None = None
_source_ttl = 300.0
_source_checked: float | None = None  # monotonic time of the last poll


# -- normalisation ---------------------------------------------------------------------------------

_converter: Any = None


def _t2s() -> Any:
    global _converter
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    return _converter


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (網路問題 → 网路问题); simplified text is unchanged.

    Pure ASCII skips the converter; anything else costs about 0.1 µs per character.
    """
    if not text or text.isascii():
        return text
    return str(_t2s().convert(text))


def normalise(text: str) -> str:
    """Full-width to half-width, traditional to simplified, lower-case Latin, collapse spaces."""
    if not text:
        return ""
    text = to_simplified(unicodedata.normalize("NFKC", text))
    return " ".join(text.lower().split())


# -- the segmenter ---------------------------------------------------------------------------------


def _apply(tokenizer: Any, words: dict[str, str]) -> None:
    for word, tag in words.items():
        tokenizer.add_word(word, tag=tag or None)


def jieba_tokenizer() -> Any:
    """The process's jieba tokenizer (``jieba.dt``), initialised with the user words.

    Also polls the registered word source when its time-to-live has passed.
    """
    global _ready
    import jieba

    if not _ready:
        with _lock:
            if not _ready:
                # jieba logs "Building prefix dict ..." at DEBUG/INFO on first use.
                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.initialize()
                _apply(jieba.dt, _user_words)
                _ready = True
    if _source is not None and (_source_checked is None or time.monotonic() - _source_checked >= _source_ttl):
        refresh_user_words()
    return jieba.dt


def _clean(words: Iterable[str | tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in words:
        word, tag = (item, "") if isinstance(item, str) else item
        word = normalise(word or "").replace(" ", "")
        # One character is no word to teach; very long strings are sentences, not names.
        if 2 <= len(word) <= 20:
            out[word] = tag or ""
    return out


def add_user_words(words: Iterable[str | tuple[str, str]]) -> list[str]:
    """Teach the segmenter names it would cut apart (compounds, roads, departments).

    Items are words or ``(word, pos_tag)`` pairs; the tag (``ns`` place, ``nt`` organisation)
    also tells the masking's name detector that the word is not a person. Words are normalised
    like the text they will be found in. Returns the words that were new. Affects every user of
    the process: call it at start-up or from the word source, not per request.
    """
    cleaned = _clean(words)
    with _lock:
        new = {w: t for w, t in cleaned.items() if _user_words.get(w) != t}
        _user_words.update(new)
        if _ready and new:
            import jieba

            _apply(jieba.dt, new)
    return sorted(new)


def user_words() -> dict[str, str]:
    """A copy of the user dictionary: word → POS tag ('' when none)."""
    with _lock:
        return dict(_user_words)


def set_word_source(source: Callable[[], Iterable[tuple[str, str]]] | None, *, ttl: float = 300.0) -> None:
    """Register the function that lists the installation's own words (the Django side does).

    It is called on the next use of the segmenter and then at most every ``ttl`` seconds.
    """
    global _source, _source_ttl, _source_checked
    with _lock:
        _source, _source_ttl, _source_checked = source, ttl, None


def refresh_user_words() -> list[str]:
    """Call the word source now and add what is new. Returns the new words.

    A failing source (database unreachable, or no database in this context) leaves the current
    dictionary in place: segmentation then works as before, only without the newest names.
    """
    global _source_checked
    with _lock:
        source = _source
        _source_checked = time.monotonic()
    if source is None:
        return []
    try:
        words = list(source())
    except Exception as exc:  # any failure here must not break the caller's text work
        logger.warning("user dictionary: the word source failed (%s); keeping the current words", exc)
        logger.debug("word source failure", exc_info=True)
        return []
    return add_user_words(words)


# -- search ----------------------------------------------------------------------------------------


def _words(text: str, *, for_search: bool) -> list[str]:
    tokenizer = jieba_tokenizer()
    cut = tokenizer.cut_for_search if for_search else tokenizer.cut
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
