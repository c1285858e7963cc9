"""Checks of an official reply, shown to the reviewer before approval (Django-free).

Each check returns pass / warn / fail and the reasons, each reason an English message id with
its parameters (the web layer translates it) naming the phrase that matched or what is missing:

* ``relevance``: how many of the question's keywords (``similar.keywords``) the reply takes up;
* ``completeness``: four rules -- addresses the citizen, states what was done or decided, gives a
  basis, gives a contact;
* ``citation``: a policy citation -- a document title in 《》, an article (第X条) or a document
  number such as 〔2020〕12号;
* ``personal_data``: personal data in the reply text (``lib.masking``), the department's own
  landline and e-mail excepted unless they are the citizen's;
* ``sensitive``: words from the sensitive-word list (a file shipped in the repository, adjusted
  per site);
* ``timeliness``: replied after the due time, or a reply that only says the case was forwarded or
  is being handled.

Rules are phrase lists and regular expressions, so every firing can be explained; their measured
behaviour on real replies is in docs/intelligence.md ("Reply checks").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from minsheng.insights.similar import keywords
from minsheng.lib.masking import find_personal_data, find_reply_personal_data

__all__ = ["Check", "Reason", "check_reply", "load_sensitive_words"]

PASS, WARN, FAIL = "pass", "warn", "fail"
_ORDER = {PASS: 0, WARN: 1, FAIL: 2}
SENSITIVE_WORDS_FILE = Path(__file__).with_name("sensitive_words.txt")


@dataclass(frozen=True)
class Reason:
    msgid: str  # English, translated by the web layer; %(name)s placeholders
    params: dict[str, str | int] = field(default_factory=dict)

    def render(self, translate: object = None) -> str:
        text = translate(self.msgid) if callable(translate) else self.msgid
        return text % self.params if self.params else text


@dataclass(frozen=True)
class Check:
    code: str
    level: str  # pass | warn | fail
    reasons: tuple[Reason, ...]


def _worst(levels: Iterable[str]) -> str:
    return max(levels, key=_ORDER.__getitem__, default=PASS)


# ---- relevance -----------------------------------------------------------------------------------


def _without_personal_data(text: str) -> str:
    # A citizen's name or phone number is not what the question is about.
    out, pos = [], 0
    for span in find_personal_data(text):
        out.append(text[pos : span.start])
        pos = span.end
    out.append(text[pos:])
    return " ".join(out)


def check_relevance(question: str, reply: str) -> Check:
    words = [w for w in keywords("", _without_personal_data(question), top=12)
             if "*" not in w and not any(ch.isdigit() for ch in w)][:10]
    if not words:
        return Check("relevance", PASS, (Reason("The question has no keywords to compare with."),))
    shared = [w for w in words if w in reply]
    share = len(shared) / len(words)
    params: dict[str, str | int] = {"shared": "、".join(shared) or "—", "n": len(shared), "total": len(words)}
    # Two shared subject words are enough: replies use the official word (种植蔬菜 for 种菜), so a
    # stricter line fired on relevant replies in the hand-checked sample (docs/intelligence.md).
    if len(shared) >= 2 or share >= 0.3:
        return Check("relevance", PASS, (Reason("The reply takes up %(n)s of %(total)s keywords of the question: %(shared)s.", params),))
    missing = "、".join(w for w in words[:5] if w not in shared)
    params["missing"] = missing
    if shared:
        return Check("relevance", WARN, (Reason(
            "The reply takes up only %(n)s of %(total)s keywords of the question (%(shared)s); not mentioned: %(missing)s.",
            params),))
    return Check("relevance", FAIL, (Reason(
        "The reply mentions none of the question's keywords (%(missing)s): is it the answer to this message?", params),))


# ---- completeness --------------------------------------------------------------------------------

_GREETING = re.compile(r"(?:您好|你好|网友|来信人|留言人|尊敬的|同志|先生|女士|市民朋友|朋友)")
_ACTION = re.compile(
    r"(?:经(?:调查|核实|核查|了解|研究|查|现场)|已(?:经)?(?:[责督约安协组联要派依立拆清修整处落完办纳启开下出告答]\w?)"
    r"|决定|责令|现(?:答复|回复)如下|处理(?:意见|结果|情况)|答复如下|整改|予以|不予|同意|可以办理|符合|不符合"
    # Answers to an inquiry decide by stating what applies (measured: these replies were flagged wrongly).
    r"|建议您|请您|您可|可以|可向|不能|无法|暂不|给予|须|需(?:要)?(?:提交|提供|携带|办理)|正在(?:进行|实施|建设)"
    r"|将(?:进一步|继续|逐步|加强|尽快|适时|按照))"
)
_BASIS = re.compile(r"(?:根据|依据|按照|依照|参照|《[^》]{2,60}》|规定|条例|办法|实施细则|政策|文件|第[一二三四五六七八九十百零\d]+条)")
_CONTACT = re.compile(
    r"(?:联系(?:电话|方式|人)|咨询电话|服务热线|热线|电话[:：]?\s*\d|0\d{2,3}[-－—]?\d{7,8}|12345|邮箱|电子邮件|办公地址|窗口)"
)
# "已收悉" is not here: nearly every reply opens with it (measured: it made substantial replies fire).
_PROGRESS_ONLY = re.compile(
    r"(?:已(?:转交|转办|交办|移交|转)|交办给|转(?:交|至|给)|正在(?:处理|调查|核实|办理|研究)|将尽快|会尽快|稍后|处理完后)"
)
PROGRESS_ONLY_MAX_CHARS = 200  # a longer reply is judged by the completeness rules, not as a mere receipt


def _rule(code_ok: str, code_missing: str, pattern: re.Pattern[str], text: str) -> tuple[bool, Reason]:
    m = pattern.search(text)
    if m:
        return True, Reason(code_ok, {"phrase": m.group(0)})
    return False, Reason(code_missing)


def check_completeness(reply: str) -> Check:
    results = [
        _rule("Addresses the citizen (“%(phrase)s”).", "Does not address the citizen (no greeting such as 您好 or 网友).",
              _GREETING, reply),
        _rule("States what was done or decided (“%(phrase)s”).",
              "Does not say what was done or decided (no 经调查, 已…, 决定, 责令 …).", _ACTION, reply),
        _rule("Gives a basis (“%(phrase)s”).", "Gives no basis (no 根据, 依据, 规定, 《…》 …).", _BASIS, reply),
        _rule("Gives a contact (“%(phrase)s”).", "Gives no contact for further questions (telephone, hotline, office).",
              _CONTACT, reply),
    ]
    missing = sum(1 for ok, _ in results if not ok)
    level = PASS if missing == 0 else (WARN if missing <= 2 else FAIL)
    # Missing items first: that is what the reviewer acts on.
    reasons = tuple(r for ok, r in results if not ok) + tuple(r for ok, r in results if ok)
    return Check("completeness", level, reasons)


# ---- citation ------------------------------------------------------------------------------------

_CITATION = re.compile(
    r"(?:《[^》]{2,60}》|第[一二三四五六七八九十百零\d]+条|[〔\[［(（]\s*(?:19|20)\d{2}\s*[〕\]］)）]\s*\d{1,4}\s*号)"
)
_VAGUE_BASIS = re.compile(r"(?:有关规定|相关规定|相关政策|有关政策|相关文件|有关文件)")


def check_citation(reply: str) -> Check:
    found = list(dict.fromkeys(m.group(0) for m in _CITATION.finditer(reply)))
    if found:
        return Check("citation", PASS, (Reason("Cites %(citations)s.", {"citations": "、".join(found[:5])}),))
    vague = _VAGUE_BASIS.search(reply)
    if vague:
        return Check("citation", WARN, (Reason(
            "Refers to “%(phrase)s” without naming the document, article or document number.",
            {"phrase": vague.group(0)}),))
    return Check("citation", WARN, (Reason("No policy citation (《document》, 第X条 or a document number such as 〔2020〕12号)."),))


# ---- personal data -------------------------------------------------------------------------------

# What reaches the person directly (a number to call, an account to message) or identifies them for sure.
_SERIOUS = frozenset({"mobile", "account", "id_card", "bank_card"})


def check_personal_data(reply: str, *, citizen_name: str = "", private_values: Sequence[str] = ()) -> Check:
    names = [citizen_name] if citizen_name else []
    # The masking's own rule for replies: the citizen's phone and e-mail are recognised however the
    # reply spells them (138-1234-5678, full-width, +86), so they are never taken for the office's.
    found = find_reply_personal_data(reply, extra_names=names, private_values=[v for v in private_values if v])
    spans = [s for s, _own in found]
    if not spans:
        return Check("personal_data", PASS, (Reason("No personal data found in the reply."),))
    reasons = tuple(
        Reason("%(kind)s at characters %(start)s–%(end)s: “%(value)s”.",
               {"kind": s.kind, "start": s.start, "end": s.end, "value": s.original})
        for s in spans
    )
    serious = any(s.kind in _SERIOUS or own or s.original == citizen_name for s, own in found)
    return Check("personal_data", FAIL if serious else WARN, reasons)


# ---- sensitive words -----------------------------------------------------------------------------


def load_sensitive_words(extra: Iterable[str] = (), allowed: Iterable[str] = (),
                         path: Path = SENSITIVE_WORDS_FILE) -> frozenset[str]:
    words = {
        line.strip() for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }
    words |= {w.strip() for w in extra if w.strip()}
    return frozenset(words - {w.strip() for w in allowed})


def check_sensitive(reply: str, words: Iterable[str]) -> Check:
    found = sorted({w for w in words if w and w in reply}, key=reply.index)
    if not found:
        return Check("sensitive", PASS, (Reason("No word from the sensitive-word list."),))
    return Check("sensitive", FAIL, (Reason("Contains words from the sensitive-word list: %(words)s.",
                                            {"words": "、".join(found)}),))


# ---- timeliness ----------------------------------------------------------------------------------


def check_timeliness(reply: str, *, due_at: datetime | None, replied_at: datetime | None) -> Check:
    reasons: list[Reason] = []
    level = PASS
    if due_at is not None and replied_at is not None and replied_at > due_at:
        hours = int((replied_at - due_at).total_seconds() // 3600)
        reasons.append(Reason("Replied %(hours)s hours after the due time (%(due)s).",
                              {"hours": hours, "due": due_at.strftime("%Y-%m-%d %H:%M")}))
        level = FAIL if hours >= 24 else WARN
    progress = _PROGRESS_ONLY.search(reply)
    substance = _ACTION.search(_PROGRESS_ONLY.sub("", reply))
    if progress and not substance and len(reply) <= PROGRESS_ONLY_MAX_CHARS:
        reasons.append(Reason("Only says “%(phrase)s” without saying what was done or decided.",
                              {"phrase": progress.group(0)}))
        level = _worst([level, WARN])
    if not reasons:
        reasons.append(Reason("On time, and the reply has substance."))
    return Check("timeliness", level, tuple(reasons))


# ---- all -----------------------------------------------------------------------------------------


def check_reply(
    question: str,
    reply: str,
    *,
    citizen_name: str = "",
    private_values: Sequence[str] = (),
    sensitive_words: Iterable[str] | None = None,
    due_at: datetime | None = None,
    replied_at: datetime | None = None,
) -> list[Check]:
    words = load_sensitive_words() if sensitive_words is None else sensitive_words
    return [
        check_relevance(question, reply),
        check_completeness(reply),
        check_citation(reply),
        check_personal_data(reply, citizen_name=citizen_name, private_values=private_values),
        check_sensitive(reply, words),
        check_timeliness(reply, due_at=due_at, replied_at=replied_at),
    ]
