"""Public-opinion (舆情) hot topics from citizen messages -- the Django-free core.

Many citizens writing about the same noisy plant, the same stalled housing project or the same
school-place rule is a signal leaders want to see. ``TopicModel`` groups messages into topics
and ranks them by a documented, configurable heat score. See docs/opinion.md for the measured
behaviour on real data.

Representation
--------------
Each message becomes one L2-normalised TF-IDF vector over three kinds of features:

* jieba words (dictionary only, no HMM -- twice as fast, and unknown names are still covered
  by the bigrams) of the title and the first ``max_chars`` characters of the text; the title
  is counted twice because citizens summarise their concern there;
* character bigrams of the same CJK text, scaled by ``bigram_weight`` (robust to segmentation
  errors in names such as compounds and roads);
* places: compound / road / village / school ... names (tokens ending in 小区, 花园, 苑, 村, 路,
  街, 镇, 学校, 广场 ...) with the name words in front of them, and masked district codes
  (A市, A3区, K9县), scaled by ``place_weight``.

TF is sublinear (1 + ln tf); IDF is ``ln((1 + N) / (1 + df)) + 1`` computed by ``fit``. Terms
first seen by ``add`` get the IDF of a term seen once, and existing IDFs are frozen so that
stored centroids stay comparable.

Clustering
----------
Single-pass centroid ("leader") clustering in time order: a message joins the topic whose
centroid is most cosine-similar to it if that similarity is at least ``threshold``, otherwise
it founds a new topic. Only a handful of candidate topics are scored per message: every topic
is indexed under the ``index_terms`` heaviest terms of its centroid, and the candidates are the
topics sharing most of the message's ``query_terms`` heaviest terms (postings longer than
``max_postings`` are skipped as uninformative). The work is therefore linear in the number of
messages, and ``add`` is the very same step -- new messages are assigned without re-clustering.
Centroids are sums of member vectors pruned to their ``centroid_terms`` heaviest terms.

A topic's title is the title of its most central member (highest cosine to the centroid), its
keywords the heaviest word terms of the centroid, its place the most frequent place name among
its members (with the most frequent district code in front).

Heat
----
With ``d(m) = 0.5 ** (age_days(m) / recency_half_life_days)`` (age counted back from ``now``,
or from the newest message the model has seen when ``now`` is None; no decay when the half-life
is 0 or infinite)::

    heat = per_case   * sum over messages m        d(m) * r(m)
         + per_like   * sum over messages m        d(m) * likes(m)
         + per_author * sum over distinct authors  max d(m) over that author's messages

where ``r(m)`` is 1 for each author's most recent message in the topic and
``repeat_case_factor`` for the author's other messages. Messages without an author each count
as a distinct author. Distinct authors are weighted above cases, and repeats discounted, so
that one person posting thirty times does not outrank thirty neighbours.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from minsheng.insights.duplicates import find_duplicates, normalise_for_duplicates

if TYPE_CHECKING:
    import jieba

__all__ = [
    "HeatWeights",
    "Message",
    "Topic",
    "TopicModel",
    "extract_places",
    "find_duplicates",
    "heat_score",
    "normalise_for_duplicates",
]

STATE_VERSION = 1


@dataclass(frozen=True)
class Message:
    id: str
    title: str
    text: str
    posted_at: datetime
    likes: int = 0
    author: str = ""


@dataclass
class Topic:
    id: int
    title: str
    keywords: list[str]
    place: str
    members: list[str]  # message ids, oldest first
    first_at: datetime
    last_at: datetime
    size: int
    authors: int
    likes: int
    heat: float


@dataclass(frozen=True)
class HeatWeights:
    """Weights of the heat score; the formula is in the module docstring."""

    per_case: float = 1.0
    per_author: float = 2.0
    per_like: float = 0.1
    recency_half_life_days: float = 30.0
    repeat_case_factor: float = 0.2  # weight of an author's further messages in one topic


# --------------------------------------------------------------------------------------------
# Private tokenisation. The project-wide tokenizer (insights/textprep.py) will replace this.


def _split(words: str) -> list[str]:
    return words.split()


_STOPWORDS = frozenset(
    _split(
        """
    的 了 是 在 我 你 他 她 它 我们 你们 他们 她们 这 那 这个 那个 这些 那些 这样 那样 这种 一个 一些
    一下 没有 可以 什么 怎么 怎样 如何 为什么 是否 能否 能不能 有没有 问题 反映 希望 请问 领导 您好 你好
    尊敬 谢谢 感谢 政府 相关 部门 情况 进行 要求 现在 已经 因为 所以 但是 如果 还是 就是 而且 并且 或者
    以及 还有 不是 不能 不要 不会 应该 能够 自己 目前 关于 对于 由于 通过 其中 其他 之后 之前 以后 以前
    时候 非常 特别 一直 还要 需要 要求 得到 请求 恳请 望 请 给予 解决 处理 回复 答复 谢谢您 此致 敬礼
    有关 有些 任何 如此 这么 那么 多少 哪里 为何 可能 只能 只有 只是 同时 然后 而是 甚至 虽然 等等 以上
    """
    )
)
_PLACE_SUFFIXES = tuple(
    sorted(
        _split(
            """
        小区 花园 家园 公寓 苑 村 路 街 街道 大道 镇 乡 学校 小学 中学 大学 学院 幼儿园 广场 公园 社区
        新城 大厦 医院 市场 华府 首府 湾 城 庭 园 山庄 公馆 国际 名城 商城 大桥 车站
        """
        ),
        key=len,
        reverse=True,
    )
)
# Words that end in a place suffix but name no place, and words a place name never starts with.
_NOT_PLACES = frozenset(
    _split(
        """
    道路 公路 马路 出路 思路 线路 网路 一路 小路 走路 修路 上路 大路 农村 乡村 城乡 城市 县城 进城 新城区 农村
    街道 大街 社区 本村 该村 全村 我村 本镇 该镇 全镇 乡镇 城镇 集镇 学校 小学 中学 大学 医院 市场 公园
    广场 中心 国际 家园 花园 庭园 校园 园 城 湖 桥 站 府 政府 市政府 区政府 县政府 镇政府 学府 长城 全城
    满城 京城 车站 网站 加油站 服务站 收费站 公交站 地铁站 该小区 本小区 我小区 小区 老小区 新小区 整个小区
    这个小区 我们小区 各小区 周边小区 幼儿园 公立幼儿园 民办幼儿园 公办幼儿园 私立幼儿园 学院 大学城
    """
    )
)
_PLACE_BREAK = frozenset(
    _split(
        """
    的 了 是 在 我 你 他 和 与 及 到 从 对 向 把 被 给 由 于 为 将 让 请 要 会 能 都 也 就 又 还 很 等
    个 该 本 这 那 此 各 每 有 旁 边 内 外 里 近 省 市 区 县 住 买 去 来 说 位于 居住 住在
    反映 关于 投诉 举报 建议 请问 咨询 希望 附近 旁边 对面 门口 周边 业主 居民 住户 村民 市民 我们 我家
    一条 这条 那条 一个 这个 那个 整个 所在 所在地 位置 地址 距离 距 临 离 处 号 栋 楼 期 一期 二期 三期
    """
    )
)
# Suffix words that also occur inside names (丽发|新城|小区, 中海|国际|社区); any other suffix word
# met while walking back ends the previous name (春华|镇|金|鼎|村, 街道|汇金路).
_INSIDE_NAMES = frozenset(_split("新城 国际 花园 家园 名城 山庄 公馆 华府 广场 商城 大厦 公寓"))
_ENDS_A_NAME = frozenset(_PLACE_SUFFIXES) - _INSIDE_NAMES
_NEVER_FIRST = frozenset("的了是在我你他这那该本此各每")
_DISTRICT_RE = re.compile(r"[A-Z]\d{0,2}[市区县]")
_CJK_RUN_RE = re.compile(r"[\u3400-\u9fff]+")
_WORDISH_RE = re.compile(r"[\u3400-\u9fffA-Za-z]")
_NAMEISH_RE = re.compile(r"^[\u3400-\u9fffA-Za-z0-9]+$")
_BLAND_KEYWORDS = frozenset(
    _split("附近 小区 存在 严重 具体 咨询 投诉 建议 居民 业主 市民 我家 领导 请问 是不是")
)
_PLACE_PREFIX = "\x03"
_BIGRAM_PREFIX = "\x02"

_tokenizer: jieba.Tokenizer | None = None
_tokenizer_lock = threading.Lock()


def _jieba() -> jieba.Tokenizer:
    # A private Tokenizer instance: words added elsewhere in the process do not change topics.
    global _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.initialize()
            _tokenizer = tok
        return _tokenizer


def _words(text: str) -> list[str]:
    return _jieba().lcut(text, HMM=False)


# Dictionary parts of speech that never belong inside a place name (verbs, adverbs, pronouns,
# prepositions, conjunctions, particles, numerals, idioms ...): 看到|湖, 要求|政府, 属于|老小区.
_BREAK_TAGS = frozenset(_split("v d c p r u f q y e o ad vg i l t"))  # not m: 第三|中学
_BREAK_TAGS_SINGLE = frozenset(_split("c p r u d y e f q m"))
_break_words: frozenset[str] | None = None


def _breaks() -> frozenset[str]:
    global _break_words
    if _break_words is None:
        words: set[str] = set()
        with _jieba().get_dict_file() as fh:
            for raw in fh:
                parts = raw.decode("utf-8").split()
                if len(parts) == 3:
                    tags = _BREAK_TAGS if len(parts[0]) > 1 else _BREAK_TAGS_SINGLE
                    if parts[2] in tags:
                        words.add(parts[0])
        _break_words = frozenset(words)
    return _break_words


def _places_from_tokens(tokens: Sequence[str]) -> list[str]:
    found: list[str] = []
    breaks = _breaks()
    last_end = -1  # token index where the previously found name ends
    for i, tok in enumerate(tokens):
        if not tok.endswith(_PLACE_SUFFIXES) or not _NAMEISH_RE.match(tok) or tok in breaks:
            continue  # 跑路, 走路: verbs that happen to end in a suffix
        name = tok
        j = i - 1
        # Walk back over name-like tokens: 丽 发 新城 小区 -> 丽发新城小区; stop at 在/的/A2区/
        # verbs, and at a one-character suffix that ends another name (春华 镇|金 鼎 村).
        while j >= 0 and i - j <= 3 and len(name) < 10:
            prev = tokens[j]
            if prev in _PLACE_BREAK or prev in _STOPWORDS or prev in breaks or not _NAMEISH_RE.match(prev):
                break
            if prev.isdigit() or _DISTRICT_RE.fullmatch(prev) or prev in _ENDS_A_NAME:
                break
            name = prev + name
            j -= 1
        if len(name) < 3 or name in _NOT_PLACES or name[0] in _NEVER_FIRST:
            continue
        if found and j < last_end:
            found[-1] = name  # 丽发新城 then 丽发新城小区: keep the longer, overlapping name
        else:
            found.append(name)
        last_end = i
    return found


def extract_places(text: str) -> list[str]:
    """Place names in a text: compounds, roads, villages, schools ... and district codes.

    Best effort and deterministic; returns names in order of appearance, repeats included.
    """
    norm = unicodedata.normalize("NFKC", text)
    return _DISTRICT_RE.findall(norm) + _places_from_tokens(_words(norm))


def _bigrams(text: str) -> list[str]:
    out: list[str] = []
    for run in _CJK_RUN_RE.findall(text):
        out.extend(_BIGRAM_PREFIX + run[k : k + 2] for k in range(len(run) - 1))
    return out


@dataclass
class _Doc:
    words: list[str]
    bigrams: list[str]
    places: list[str]  # specific names, then district codes


def _analyse(title: str, text: str, max_chars: int) -> _Doc:
    title = unicodedata.normalize("NFKC", title)
    body = unicodedata.normalize("NFKC", text[:max_chars])
    t_tokens = _words(title)
    b_tokens = _words(body)
    words = [w for w in t_tokens + t_tokens + b_tokens if len(w) >= 2 and w not in _STOPWORDS]
    words = [w for w in words if _WORDISH_RE.search(w)]
    districts = _DISTRICT_RE.findall(title) + _DISTRICT_RE.findall(body)
    specific = _places_from_tokens(t_tokens) + _places_from_tokens(b_tokens)
    return _Doc(
        words=words + districts, bigrams=_bigrams(title) * 2 + _bigrams(body), places=specific + districts
    )


# --------------------------------------------------------------------------------------------
# Model state


@dataclass
class _Member:
    id: str
    title: str
    posted_at: datetime
    likes: int
    author: str
    places: list[str]
    sim: float  # cosine to the centroid (at the end of fit, or when it joined)


@dataclass
class _TopicState:
    id: int
    centroid: dict[int, float]
    norm2: float
    members: list[_Member] = field(default_factory=list)
    index_terms: frozenset[int] = frozenset()


Vector = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]


class TopicModel:
    """Hot topics by incremental centroid clustering of TF-IDF vectors (see module doc)."""

    def __init__(
        self,
        *,
        threshold: float = 0.3,
        merge_threshold: float = 0.5,
        weights: HeatWeights = HeatWeights(),
        now: datetime | None = None,
        max_chars: int = 200,
        bigram_weight: float = 0.6,
        place_weight: float = 1.5,
        min_df: int = 2,
        query_terms: int = 20,
        index_terms: int = 16,
        candidates: int = 6,
        max_postings: int = 100,
        centroid_terms: int = 300,
    ) -> None:
        self.threshold = threshold
        self.merge_threshold = merge_threshold
        self.weights = weights
        self.now = now
        self.max_chars = max_chars
        self.bigram_weight = bigram_weight
        self.place_weight = place_weight
        self.min_df = min_df
        self.query_terms = query_terms
        self.index_terms = index_terms
        self.candidates = candidates
        self.max_postings = max_postings
        self.centroid_terms = centroid_terms
        self._reset()

    def _reset(self) -> None:
        self._vocab: dict[str, int] = {}
        self._terms: list[str] = []
        self._idf_buf: npt.NDArray[np.float64] = np.zeros(0, dtype=np.float64)
        self._idf_len = 0
        self._n_docs = 0
        self._topics: dict[int, _TopicState] = {}
        self._postings: dict[int, set[int]] = {}
        self._topic_of: dict[str, int] = {}
        self._next_id = 1

    # ---------------------------------------------------------------- vectors

    def _weighted_tokens(self, doc: _Doc) -> Counter[str]:
        counts: Counter[str] = Counter(doc.words)
        counts.update(doc.bigrams)
        counts.update(_PLACE_PREFIX + p for p in doc.places)
        return counts

    def _block_weight(self, term: str) -> float:
        if term.startswith(_BIGRAM_PREFIX):
            return self.bigram_weight
        if term.startswith(_PLACE_PREFIX):
            return self.place_weight
        return 1.0

    def _idf_array(self) -> npt.NDArray[np.float64]:
        # Grown in place with spare capacity: add() appends a few terms per message.
        n = len(self._terms)
        if len(self._idf_buf) < n:
            buf = np.zeros(max(n, 2 * len(self._idf_buf), 1024), dtype=np.float64)
            buf[: self._idf_len] = self._idf_buf[: self._idf_len]
            self._idf_buf = buf
        return self._idf_buf

    def _set_idf(self, values: npt.NDArray[np.float64]) -> None:
        self._idf_buf = np.array(values, dtype=np.float64)
        self._idf_len = len(values)

    def _vector(self, counts: Counter[str], *, grow: bool) -> Vector:
        terms = list(counts)
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(terms))
        cols = np.fromiter(map(self._vocab.get, terms, repeat(-1)), dtype=np.int64, count=len(terms))
        missing = np.flatnonzero(cols < 0)
        if len(missing) and grow:
            idf = self._idf_array()
            new_idf = math.log((1 + self._n_docs) / 2) + 1
            for k in missing.tolist():
                term = terms[k]
                col = len(self._terms)
                self._vocab[term] = col
                self._terms.append(term)
                idf = self._idf_array()
                idf[col] = new_idf * self._block_weight(term)
                self._idf_len = col + 1
                cols[k] = col
        elif len(missing):
            keep = cols >= 0
            cols, tf = cols[keep], tf[keep]
        return _normalised(cols, (1.0 + np.log(tf)) * self._idf_buf[cols])

    def _fit_vectors(self, docs: Iterable[_Doc]) -> list[Vector]:
        """Vocabulary (min_df), IDF and vectors of a batch, in two passes over integer ids."""
        provisional: defaultdict[str, int] = defaultdict()
        provisional.default_factory = provisional.__len__  # unseen term -> next id
        ids: list[npt.NDArray[np.int64]] = []
        tfs: list[npt.NDArray[np.float64]] = []
        for doc in docs:
            counts = self._weighted_tokens(doc)
            ids.append(np.fromiter(map(provisional.__getitem__, counts), dtype=np.int64, count=len(counts)))
            tfs.append(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        n = len(ids)
        self._n_docs = n
        df = np.bincount(np.concatenate(ids), minlength=len(provisional)) if n else np.zeros(0, np.int64)
        min_df = self.min_df if n >= 20 * self.min_df else 1
        keep = df >= min_df
        remap = np.full(len(provisional), -1, dtype=np.int64)
        remap[keep] = np.arange(int(keep.sum()))
        self._terms = [t for t, i in provisional.items() if keep[i]]
        self._vocab = {t: i for i, t in enumerate(self._terms)}
        block = np.fromiter(map(self._block_weight, self._terms), dtype=np.float64, count=len(self._terms))
        self._set_idf((np.log((1 + n) / (1 + df[keep])) + 1) * block)
        out: list[Vector] = []
        for doc_ids, tf in zip(ids, tfs, strict=True):
            cols = remap[doc_ids]
            kept = cols >= 0
            cols = cols[kept]
            out.append(_normalised(cols, (1.0 + np.log(tf[kept])) * self._idf_buf[cols]))
        return out

    # ---------------------------------------------------------------- clustering

    def _candidates(self, vec: Vector) -> list[int]:
        cols, vals = vec
        if len(cols) > self.query_terms:
            top = cols[np.argpartition(-vals, self.query_terms)[: self.query_terms]]
        else:
            top = cols
        hits: Counter[int] = Counter()
        postings = self._postings
        for col in top.tolist():
            posting = postings.get(col)
            if posting and len(posting) <= self.max_postings:
                hits.update(posting)
        return [t for t, _ in hits.most_common(self.candidates)]

    @staticmethod
    def _dot(centroid: dict[int, float], cols_list: list[int], vals: npt.NDArray[np.float64]) -> float:
        got = np.fromiter(map(centroid.get, cols_list, repeat(0.0)), dtype=np.float64, count=len(vals))
        return float(got @ vals)

    def _reindex(self, topic: _TopicState) -> None:
        cent = topic.centroid
        if len(cent) > self.index_terms:
            keys = np.fromiter(cent.keys(), dtype=np.int64, count=len(cent))
            vals = np.fromiter(cent.values(), dtype=np.float64, count=len(cent))
            best = keys[np.argpartition(-vals, self.index_terms)[: self.index_terms]]
            new = frozenset(best.tolist())
        else:
            new = frozenset(cent)
        old = topic.index_terms
        for col in old - new:
            posting = self._postings.get(col)
            if posting is not None:
                posting.discard(topic.id)
        for col in new - old:
            self._postings.setdefault(col, set()).add(topic.id)
        topic.index_terms = new

    def _prune(self, topic: _TopicState) -> None:
        cent = topic.centroid
        keys = np.fromiter(cent.keys(), dtype=np.int64, count=len(cent))
        vals = np.fromiter(cent.values(), dtype=np.float64, count=len(cent))
        keep = np.argpartition(-vals, self.centroid_terms)[: self.centroid_terms]
        topic.centroid = dict(zip(keys[keep].tolist(), vals[keep].tolist(), strict=True))
        kept = vals[keep]
        topic.norm2 = float(kept @ kept)

    def _assign(self, msg: Message, vec: Vector, places: list[str]) -> int:
        cols, vals = vec
        cols_list = cols.tolist()
        best_id, best_cos, best_dot = -1, -1.0, 0.0
        for tid in self._candidates(vec):
            topic = self._topics[tid]
            dot = self._dot(topic.centroid, cols_list, vals)
            cos = dot / math.sqrt(topic.norm2) if topic.norm2 > 0 else 0.0
            if cos > best_cos:
                best_id, best_cos, best_dot = tid, cos, dot
        member = _Member(msg.id, msg.title, msg.posted_at, msg.likes, msg.author, places, 1.0)
        if best_id >= 0 and best_cos >= self.threshold:
            topic = self._topics[best_id]
            cent = topic.centroid
            for c, v in zip(cols_list, vals.tolist(), strict=True):
                cent[c] = cent.get(c, 0.0) + v
            topic.norm2 += 2.0 * best_dot + float(vals @ vals)
            member.sim = best_cos
            topic.members.append(member)
            if len(cent) > 3 * self.centroid_terms:
                self._prune(topic)
            size = len(topic.members)
            if size <= 8 or size % 8 == 0:
                self._reindex(topic)
        else:
            best_id = self._next_id
            self._next_id += 1
            topic = _TopicState(
                id=best_id,
                centroid=dict(zip(cols_list, vals.tolist(), strict=True)),
                norm2=float(vals @ vals),
                members=[member],
            )
            self._topics[best_id] = topic
            self._reindex(topic)
        self._topic_of[msg.id] = best_id
        return best_id

    # ---------------------------------------------------------------- public API

    def fit(self, messages: Sequence[Message], *, workers: int = 1) -> list[Topic]:
        """Cluster a window of messages from scratch; returns all topics, hottest first.

        ``workers`` > 1 segments the texts in that many forked processes: jieba is more than
        half of the time and the only part that parallelises without changing the result.
        Leave it at 1 inside a threaded server or worker (forking a threaded process is unsafe).
        """
        self._reset()
        places: list[list[str]] = []

        def analysed() -> Iterable[_Doc]:
            for doc in _analyse_all(messages, self.max_chars, workers):
                places.append(doc.places)
                yield doc

        vecs = self._fit_vectors(analysed())
        order = sorted(range(len(messages)), key=lambda i: (messages[i].posted_at, i))
        for i in order:
            if messages[i].id in self._topic_of:
                continue  # the same message twice in one window counts once
            self._assign(messages[i], vecs[i], places[i])
        self._merge_fragments()
        # Centrality against the final centroids: the title is the most central member's.
        pos = {m.id: i for i, m in enumerate(messages)}
        for topic in self._topics.values():
            if len(topic.members) == 1:
                continue
            norm = math.sqrt(topic.norm2) or 1.0
            for member in topic.members:
                cols, vals = vecs[pos[member.id]]
                member.sim = self._dot(topic.centroid, cols.tolist(), vals) / norm
        return self.topics()

    def _merge_fragments(self) -> None:
        """Repair the order effects of a single pass, smallest topics first.

        A concern can start as two topics when its first messages differ (one about the
        plant's noise, one about its dust) and only later messages bridge them. A singleton
        joins the most similar larger topic when their cosine reaches ``threshold``; a larger
        topic merges into an at-least-as-large one when the centroids reach ``merge_threshold``
        (centroids average out wording, so their cosines run higher than a message's).
        """
        for tid in sorted(self._topics, key=lambda t: (len(self._topics[t].members), t)):
            topic = self._topics.get(tid)
            if topic is None:
                continue
            size = len(topic.members)
            need = self.threshold if size == 1 else self.merge_threshold
            hits: Counter[int] = Counter()
            for col in topic.index_terms:
                posting = self._postings.get(col)
                if posting and len(posting) <= self.max_postings:
                    hits.update(posting)
            hits.pop(tid, None)
            keys = list(topic.centroid)
            vals = np.fromiter(topic.centroid.values(), dtype=np.float64, count=len(keys))
            best_id, best_cos = -1, -1.0
            for other_id, _ in hits.most_common(self.candidates):
                other = self._topics[other_id]
                if (len(other.members), -other_id) < (size, -tid):
                    continue  # the smaller one moves
                dot = self._dot(other.centroid, keys, vals)
                cos = dot / math.sqrt(topic.norm2 * other.norm2) if topic.norm2 * other.norm2 > 0 else 0.0
                if cos > best_cos:
                    best_id, best_cos = other_id, cos
            if best_id < 0 or best_cos < need:
                continue
            into = self._topics[best_id]
            cent = into.centroid
            for c, v in zip(keys, vals.tolist(), strict=True):
                cent[c] = cent.get(c, 0.0) + v
            into.norm2 = float(sum(v * v for v in cent.values()))
            into.members.extend(topic.members)
            for m in topic.members:
                self._topic_of[m.id] = best_id
            for col in topic.index_terms:
                posting = self._postings.get(col)
                if posting is not None:
                    posting.discard(tid)
            del self._topics[tid]
            if len(cent) > 3 * self.centroid_terms:
                self._prune(into)
            self._reindex(into)

    def add(self, messages: Sequence[Message]) -> list[tuple[str, int]]:
        """Assign new messages to existing topics, or found new ones; no re-clustering.

        Messages already in the model keep their topic. Returns ``(message id, topic id)``.
        """
        out: list[tuple[str, int]] = []
        for m in sorted(messages, key=lambda m: m.posted_at):
            known = self._topic_of.get(m.id)
            if known is not None:
                out.append((m.id, known))
                continue
            doc = _analyse(m.title, m.text, self.max_chars)
            vec = self._vector(self._weighted_tokens(doc), grow=True)
            out.append((m.id, self._assign(m, vec, doc.places)))
        return out

    def topic_of(self, message_id: str) -> int | None:
        return self._topic_of.get(message_id)

    def topics(self, top: int | None = None, *, min_size: int = 1) -> list[Topic]:
        """Topics sorted by heat, hottest first (ties: larger, then older id)."""
        ref = self.now or self._latest()
        out = [self._describe(t, ref) for t in self._topics.values() if len(t.members) >= min_size]
        out.sort(key=lambda t: (-t.heat, -t.size, t.id))
        return out if top is None else out[:top]

    def _latest(self) -> datetime | None:
        latest: datetime | None = None
        for topic in self._topics.values():
            for m in topic.members:
                if latest is None or m.posted_at > latest:
                    latest = m.posted_at
        return latest

    def heat(self, members: Iterable[_Member], ref: datetime | None) -> float:
        """The heat of a set of members at time ``ref`` (formula in the module docstring)."""
        return heat_score(((m.posted_at, m.likes, m.author) for m in members), self.weights, ref)

    def topic(self, topic_id: int) -> Topic | None:
        """One topic described as ``topics()`` would, or None if the model has no such topic."""
        state = self._topics.get(topic_id)
        return None if state is None else self._describe(state, self.now or self._latest())

    def describe(self, topic_ids: Iterable[int], *, heat: bool = True) -> dict[int, Topic]:
        """Several topics described as ``topics()`` would (the reference time computed once).

        ``heat=False`` leaves ``heat`` at 0 for a caller that computes it from fresher figures.
        """
        ref = (self.now or self._latest()) if heat else None
        return {tid: self._describe(self._topics[tid], ref, heat=heat) for tid in topic_ids if tid in self._topics}

    def members(self, topic_id: int) -> list[tuple[str, datetime, str]]:
        """``(message id, posted_at, author)`` of a topic's members, in no particular order."""
        state = self._topics.get(topic_id)
        return [] if state is None else [(m.id, m.posted_at, m.author) for m in state.members]

    def topic_ids(self) -> list[int]:
        return list(self._topics)

    def _describe(self, topic: _TopicState, ref: datetime | None, *, heat: bool = True) -> Topic:
        members = sorted(topic.members, key=lambda m: (m.posted_at, m.id))
        central = max(members, key=lambda m: (m.sim, m.likes, -m.posted_at.timestamp()))
        authors = {m.author for m in members if m.author}
        anonymous = sum(1 for m in members if not m.author)
        return Topic(
            id=topic.id,
            title=central.title,
            keywords=self._keywords(topic),
            place=_topic_place(members),
            members=[m.id for m in members],
            first_at=members[0].posted_at,
            last_at=members[-1].posted_at,
            size=len(members),
            authors=len(authors) + anonymous,
            likes=sum(m.likes for m in members),
            heat=round(self.heat(members, ref), 4) if heat else 0.0,
        )

    def _keywords(self, topic: _TopicState, k: int = 8) -> list[str]:
        # Frequent in any complaint about a place, so they say nothing about this topic.
        ranked = sorted(topic.centroid.items(), key=lambda kv: -kv[1])
        out: list[str] = []
        for col, _ in ranked:
            term = self._terms[col]
            if term[0] in (_BIGRAM_PREFIX, _PLACE_PREFIX) or _DISTRICT_RE.fullmatch(term):
                continue
            if term in _BLAND_KEYWORDS:
                continue
            if any(term in kept or kept in term for kept in out):
                continue
            out.append(term)
            if len(out) == k:
                break
        return out

    # ---------------------------------------------------------------- persistence

    def state(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot: parameters, vocabulary, centroids and members."""
        params = {
            "threshold": self.threshold,
            "merge_threshold": self.merge_threshold,
            "max_chars": self.max_chars,
            "bigram_weight": self.bigram_weight,
            "place_weight": self.place_weight,
            "min_df": self.min_df,
            "query_terms": self.query_terms,
            "index_terms": self.index_terms,
            "candidates": self.candidates,
            "max_postings": self.max_postings,
            "centroid_terms": self.centroid_terms,
        }
        return {
            "version": STATE_VERSION,
            "params": params,
            "weights": asdict(self.weights),
            "now": self.now.isoformat() if self.now else None,
            "terms": list(self._terms),
            "idf": self._idf_buf[: self._idf_len].tolist(),
            "n_docs": self._n_docs,
            "next_id": self._next_id,
            "topics": [
                {
                    "id": t.id,
                    "cols": list(t.centroid.keys()),
                    "vals": list(t.centroid.values()),
                    "members": [
                        [m.id, m.title, m.posted_at.isoformat(), m.likes, m.author, m.places, m.sim]
                        for m in t.members
                    ],
                }
                for t in self._topics.values()
            ],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TopicModel:
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported topic model state version {state.get('version')!r}")
        now = datetime.fromisoformat(state["now"]) if state["now"] else None
        model = cls(weights=HeatWeights(**state["weights"]), now=now, **state["params"])
        model._terms = list(state["terms"])
        model._vocab = {t: i for i, t in enumerate(model._terms)}
        model._set_idf(np.asarray(state["idf"], dtype=np.float64))
        model._n_docs = int(state["n_docs"])
        model._next_id = int(state["next_id"])
        for raw in state["topics"]:
            cent = dict(zip((int(c) for c in raw["cols"]), (float(v) for v in raw["vals"]), strict=True))
            topic = _TopicState(id=int(raw["id"]), centroid=cent, norm2=sum(v * v for v in cent.values()))
            for mid, title, posted, likes, author, places, sim in raw["members"]:
                topic.members.append(
                    _Member(
                        mid,
                        title,
                        datetime.fromisoformat(posted),
                        int(likes),
                        author,
                        list(places),
                        float(sim),
                    )
                )
                model._topic_of[mid] = topic.id
            model._topics[topic.id] = topic
            model._reindex(topic)
        return model


def heat_score(
    members: Iterable[tuple[datetime, int, str]], weights: HeatWeights, ref: datetime | None
) -> float:
    """Heat of messages given as ``(posted_at, likes, author)``; the formula is in the module doc.

    Public so that an application holding fresher like counts than the model can recompute it.
    """
    w = weights
    half = w.recency_half_life_days
    decay_on = ref is not None and half > 0 and math.isfinite(half)
    total = 0.0
    by_author: dict[str, list[float]] = {}
    for posted_at, likes, author in members:
        if decay_on:
            assert ref is not None
            age = max(0.0, (ref - posted_at).total_seconds() / 86400.0)
            d = 0.5 ** (age / half)
        else:
            d = 1.0
        total += w.per_like * d * likes
        if author:
            by_author.setdefault(author, []).append(d)
        else:
            total += (w.per_case + w.per_author) * d
    for decays in by_author.values():
        top = max(decays)
        total += (w.per_case + w.per_author) * top
        total += w.per_case * w.repeat_case_factor * (sum(decays) - top)
    return total


_CHUNK = 500


def _analyse_chunk(args: tuple[list[tuple[str, str]], int]) -> list[_Doc]:
    pairs, max_chars = args
    return [_analyse(title, text, max_chars) for title, text in pairs]


def _analyse_all(messages: Sequence[Message], max_chars: int, workers: int) -> Iterable[_Doc]:
    """The analysed messages in order, segmented in ``workers`` forked processes when > 1."""
    if workers <= 1 or len(messages) < 2 * _CHUNK:
        for m in messages:
            yield _analyse(m.title, m.text, max_chars)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _jieba()  # loaded once here; the forked children inherit the dictionary
    _breaks()
    chunks = [
        ([(m.title, m.text[:max_chars]) for m in messages[k : k + _CHUNK]], max_chars)
        for k in range(0, len(messages), _CHUNK)
    ]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        for docs in pool.map(_analyse_chunk, chunks):
            yield from docs


def _normalised(cols: npt.NDArray[np.int64], vals: npt.NDArray[np.float64]) -> Vector:
    norm = float(np.sqrt(vals @ vals)) if len(vals) else 0.0
    return cols, (vals / norm if norm > 0 else vals)


def _topic_place(members: Sequence[_Member]) -> str:
    specific: Counter[str] = Counter()
    districts: Counter[str] = Counter()
    for m in members:
        for p in set(m.places):
            (districts if _DISTRICT_RE.fullmatch(p) else specific)[p] += 1
    # The city code (A市) says nothing when a district is known.
    district = ""
    if districts:
        ranked = [d for d, _ in districts.most_common() if not d.endswith("市")] or [
            districts.most_common(1)[0][0]
        ]
        district = ranked[0]
    if specific:
        # A name only one member of a large topic mentions is more likely noise than the place.
        name, count = specific.most_common(1)[0]
        if len(members) == 1 or (count >= 2 and count >= 0.15 * len(members)):
            return f"{district} {name}".strip()
    return district
