"""Chinese text normalisation and tokenisation shared by the insight models.

Django-free on purpose: the routing model, its tests and the benchmarks import this
without settings. Normalisation and the jieba instance come from the project's one Chinese
text layer, :mod:`minsheng.lib.chinese`; this module adds what the models need on top (URL and
spreadsheet debris, masked place codes, stop words).

Two input shapes must end up looking alike: a message as the citizen typed it (title and
body, punctuation, function words, full-width characters, spreadsheet debris) and a
"cleaned" message whose punctuation and stop words were already removed upstream, as in
the historical data some sites import. :func:`content_tokens` therefore drops punctuation,
single digits/letters and a fixed list of function words, so the model never learns
"has punctuation" as a proxy for where a message came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from minsheng.lib import chinese

__all__ = [
    "STOP_WORDS",
    "content_tokens",
    "drop_function_words",
    "normalize",
    "set_user_words",
    "tokenize",
]

# Spreadsheet exports leave escaped carriage returns such as "_x000D_" in cells.
_XML_ESCAPE_RE = re.compile(r"_x[0-9a-fA-F]{4}_")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.ASCII)
_WS_RE = re.compile(r"\s+")
# Masked place codes as published: A市, A3区, C4市, B12县 ... (after lower-casing: a3区).
_PLACE_CODE_RE = re.compile(r"(?<![a-z0-9])[a-z]\d{0,2}(?=[市区县])")
_WORD_CHAR_RE = re.compile(r"\w")
_SINGLE_ALNUM_RE = re.compile(r"^[a-z0-9]$")

# Function words, pronouns, conjunctions and fillers that carry no subject information.
# Dropping them makes typed messages look like pre-cleaned ones (see module docstring).
_STOP_WORDS_TEXT = """
    的 地 得 了 着 过 是 在 有 都 也 和 与 及 以及 或 或者 并 并且 且 而 而且 而是 但 但是
    可是 然而 不过 只是 就 就是 才 才能 还 还是 还有 又 再 更 很 非常 太 极 最 挺 比较
    我 我们 你 你们 您 他 他们 她 她们 它 它们 咱们 自己 本人 大家 各位 人家 别人
    这 那 这个 那个 这些 那些 这样 那样 这么 那么 这里 那里 这种 那种 此 其 其中 其他
    其它 该 本 某 某些 各 各种 每 一切 任何 所有
    为 为了 因 因为 由于 所以 因此 于是 于 对 对于 关于 向 从 自 自从 由 被 把 给 让
    叫 将 以 按 按照 根据 据 通过 经过 随着 除 除了 跟 同 像 如 如果 若 假如 要是 只要
    只有 虽然 虽 尽管 即使 就算 既然 既 否则 不然 不管 无论 不但 不仅 甚至 而已 等 等等
    吗 呢 吧 啊 呀 哦 嘛 啦 哈 么 呗 之 乎 者 也罢 的话
    什么 怎么 怎样 如何 为什么 为何 哪 哪里 哪些 哪个 谁 多少 几 何时 到底 难道 究竟
    可以 可能 能 能够 会 要 想 应 应该 应当 必须 需要 不要 不能 不会 不是 没 没有 不得
    一 二 三 四 五 六 七 八 九 十 个 些 一些 一个 一样 一直 一下 一定 已 已经 曾 曾经
    正在 仍 仍然 依然 还在 马上 立即 然后 后来 首先 其次 另外 另 同时 其实 当然 竟然
    居然 果然 确实 如此 如今 如下 以上 以下 之一 之后 之前 以后 以前 时候 起来 出来
    下来 上去 下去 开始 结果 经常 往往 常常 总是 不少 很多 许多 多次 有些 有的 一般
    即 便 则 乃 故 仅 仅仅 均 共 连 当 比 离 往 朝 沿 趁 凭 替 用 对此 为此 因而 从而
    请问 您好 你好 谢谢 感谢 尊敬
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())

# For text that is not segmented (routing reads characters): the multi-character function words
# and the sentence particles. Other single-character stop words (在, 有, 是 ...) are too often part of
# a content word to be cut out of running text.
_FUNCTION_WORDS_RE = re.compile(
    "|".join(map(re.escape, sorted((w for w in STOP_WORDS if len(w) > 1), key=len, reverse=True)))
    + "|[的了吗呢吧啊呀哦嘛啦]"
)


def drop_function_words(text: str) -> str:
    """``text`` without function words, longest first, no segmentation (about 10,000 messages a
    second). Pre-cleaned historical messages were published without them, typed ones have them."""
    return _FUNCTION_WORDS_RE.sub("", text)


def normalize(text: str, *, mask_places: bool = False) -> str:
    """Return a canonical form of ``text``.

    :func:`minsheng.lib.chinese.normalise` (NFKC: full-width Latin, digits and punctuation to
    half-width; traditional characters to simplified; Latin lower-cased), after dropping
    spreadsheet escapes, and then URLs dropped and whitespace runs collapsed to one space. With ``mask_places`` the masked place codes of
    published data (A市, A3区) lose their letter and number, keeping only 市/区/县.
    """
    if not text:
        return ""
    text = _XML_ESCAPE_RE.sub(" ", text)
    text = chinese.normalise(text)
    text = _URL_RE.sub(" ", text)
    if mask_places:
        text = _PLACE_CODE_RE.sub("", text)
    return _WS_RE.sub(" ", text).strip()


def _get_tokenizer() -> Any:
    # The process's one jieba instance, shared with search and masking (minsheng.lib.chinese).
    return chinese.jieba_tokenizer()


def set_user_words(words: Iterable[str]) -> None:
    """Teach the tokenizer extra words (place, compound and department names).

    Kept for callers of this module; it adds to the one user dictionary of
    :mod:`minsheng.lib.chinese`, so search and masking learn the words too. It affects every
    user in the process, so call it at start-up, not per request.
    """
    chinese.add_user_words(words)


def tokenize(text: str, *, hmm: bool = True) -> list[str]:
    """Segment normalised ``text`` with jieba; whitespace tokens are dropped.

    ``hmm`` lets jieba guess words missing from its dictionary (slower, about 1.3x).
    """
    text = normalize(text)
    if not text:
        return []
    return [t for t in _get_tokenizer().lcut(text, HMM=hmm) if not t.isspace()]


def content_tokens(text: str, *, mask_places: bool = False, hmm: bool = False) -> list[str]:
    """Tokens that carry meaning: no punctuation, stop words, lone digits or letters.

    jieba's HMM guessing of unknown words is off by default: it costs a quarter of the
    throughput, and models that also use character n-grams do not need it.
    """
    text = normalize(text, mask_places=mask_places)
    if not text:
        return []
    out: list[str] = []
    for tok in _get_tokenizer().lcut(text, HMM=hmm):
        if tok.isspace() or tok in STOP_WORDS or not _WORD_CHAR_RE.search(tok):
            continue
        if _SINGLE_ALNUM_RE.match(tok):
            continue
        out.append(tok)
    return out
