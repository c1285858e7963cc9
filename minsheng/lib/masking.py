"""Mask personal data in Chinese citizen messages and official replies before publication.

Pure Python and Django-free: importing this module must work without Django settings, and
jieba (used for person-name tagging) is loaded lazily on the first call that needs it.

Public API
----------
``find_personal_data(text, extra_names=())`` returns the spans to hide, ``mask_personal_data``
returns the masked text plus those spans, and ``apply_spans(text, spans)`` re-applies a span
list -- e.g. one that staff corrected in the review screen (removed a false positive, added a
missed name).  Spans always refer to positions in the ORIGINAL text.  ``mask_case_text`` is what
cases use for their public copies (message or official reply, with the citizen's own details).

Spelling
--------
Everything but names is matched on a folded copy of the text in which full-width forms
(１３８, ＱＱ, ｚｈａｎｇ, ＠, ．, －, ：, the ideographic space) are their ASCII twins; the
fold is one character for one, so spans are the same in both, and what is masked and returned
is the original text with the hidden characters starred (``ＱＱ１２*****８９``).

The citizen's own details
-------------------------
``extra_names`` and ``private_values`` (the name, phone and e-mail the citizen gave) are hidden
wherever they appear and win over any other detection they overlap.  The phone is found in any
ordinary spelling: its digits separated by spaces, dashes, dots or an area code's brackets
(``138 1234 5678``, ``138.1234.5678``, ``(0731)8888-6666``), full-width or in Chinese numerals,
with a ``+86``/``0086``/``86`` prefix; a landline also without its area code.  The e-mail in any
letter case, full-width, with ``＠`` or with ``。`` for a dot.  Not inside a longer number or
address.  Numbers shorter than 7 digits are not searched for (they would match anything).

What is detected, and how each kind is masked
---------------------------------------------
Digits that are kept stay in place; every hidden character becomes ``*``.  Separators
(spaces, dashes, brackets) stay so that the public can still read the shape of the value.
Every kind except ``email`` keeps the original length.

``mobile``
    11 digits ``1[3-9]xxxxxxxxx``, also grouped ``138-1234-5678`` / ``138 1234 5678`` and with
    a ``+86`` / ``86`` prefix.  Masked as ``138****5678`` (first 3 and last 4 digits kept; the
    prefix is kept).  Also written in Chinese numerals, all 11 of them (幺三八一二三四五六七八,
    with 零/〇, 幺 for 1 and 两 for 2, optionally grouped 3-4-4 by spaces or dashes): the first
    is 一/幺 and the second a 3-9, and the run is not part of a longer numeral run, so short
    runs such as 一三五 (weekdays) stay.  Masked the same way: ``幺三八****五六七八``.  The same
    rule takes Arabic and Chinese numerals mixed (``138一二三四5678``, ``幺38 1234 五六七八``).
    Right after a phone label (手机, 电话, 联系电话, 联系方式, 号码, tel ...) the 11 numerals may be
    grouped any way, one space, dash or dot between any two (``电话：1381 234 5678``); without a
    label such a grouping is not taken for a mobile.  Masked by keeping the first 3 and last 4
    numerals, whatever the grouping: ``138* *** 5678``.
``account``
    An instant-messaging account introduced by its label: QQ (QQ, qq, QQ号, QQ号码, 扣扣)
    followed by 5-11 digits, WeChat (微信, 微信号, 微 信, vx, VX, wx, wx号, v信, V信, 威信, 薇信) followed by an id of
    6-20 characters ``[A-Za-z0-9_-]`` starting with a letter, or by 6-11 digits (people give
    their phone or QQ number as their WeChat id; it is masked as the account then).  Between
    label and value: spaces, ``:``, ``：``, 是, 为, 号, 号码.  A digit value directly followed by
    a unit (微信为100000人) is a quantity.  Labels of public channels (微信公众号, QQ群) are
    not account labels, and an id right after 公众号 (微信公众号（微信号：cssbwg）) is an
    official account's, which is public.  Masked keeping the first and last character, or the first 2 and last
    2 when the value has 8 characters or more: ``12*****89``, ``zh*********88``; the label
    stays.
``plate``
    A vehicle licence plate: province abbreviation + a letter + 5 characters (6 for new-energy
    plates) of ``[A-HJ-NP-Z0-9]`` with at least 3 digits among them, optionally ``·`` / space /
    ``-`` after the letter; lower case letters are accepted (people type them).  Masked keeping
    the province, the letter and the last character: ``湘A****5``.  Trailer and driving-school
    plates (4 characters + 挂/学) too: ``鄂A****挂``; police plates (…警) are public vehicles and
    stay.
``landline``
    Area code ``0xx``/``0xxx`` + 7-8 digit number (``0731-88886666``, ``(0731)8888666``,
    ``0731 88886666``), optionally with an extension; a bare 7-8 digit number only when a
    phone keyword (电话, 联系方式, 座机, 固话, tel ...) comes just before it.  Masked by keeping the
    area code and the last 2 digits: ``0731-******66``.  Short service numbers (12345, 110,
    95588) are never touched.
``id_card``
    18 characters whose ISO 7064 MOD 11-2 check character is right (last char may be X/x),
    whose first two digits are a real province code and whose birth date is a real date
    between 1900 and today; or the old 15-digit form with a real province code and a real
    19yy birth date.  Random 18-digit numbers (order numbers, tracking codes) therefore stay
    -- unless they pass the bank-card test below.  Masked as ``4301**********123X`` (first 4
    and last 4 kept, i.e. province+city and the sequence/check digits; the birth date is
    always hidden).
``bank_card``
    16-19 digits, contiguous or grouped (``6222 0212 3456 7890``, ``622202-1234567890123``),
    Luhn-valid and starting with 3, 4, 5, 6 or 9 (the card networks used in China: UnionPay
    62, Visa 4, Mastercard 5, JCB/Amex 3, old domestic 9).  Requiring the issuer digit keeps
    date-based order numbers (``2019...``) that happen to pass Luhn (1 in 10 do) visible.
    Masked as ``6222 **** **** 7890`` (first 4 and last 4 kept).
``email``
    ``local@domain.tld``.  Masked as ``a***@example.com`` (first character of the local part,
    then always three stars, so the length of the local part is not revealed).
``name``
    * names passed by the caller (``extra_names``, e.g. the citizen's name from the form) --
      every exact occurrence is masked, no other checks;
    * intro patterns: 我叫X, 我是X, 本人X, 姓名：X, 联系人：X, 投诉人/举报人/反映人/申请人：X ...
      (jieba decides where X ends; a dictionary word such as 本人家住 / 我是业主 is no name);
    * a full name before a form of address: 张三丰先生, 李四女士 -> the name is masked, the
      title stays (张**先生); the name must start where jieba starts a word (班主任刘老师
      has no name in it);
    * jieba POS tag ``nr``, guarded: the word must be one jieba guessed rather than found in
      its dictionary (the dictionary tags everyday words nr: 谢谢, 许可证, 高峰), 2-4 Chinese
      characters, starting with a common surname, not followed by a place/organisation
      suffix (路, 街, 区, 市, 村, 小区, 公司, 局, 医院 ...), not itself ending in one, and not on a
      short list of civic words jieba mis-tags.  When jieba cut an unknown three-character
      name after two characters (蒋民|爱), the third character is taken along unless it is a
      particle or verb that usually follows a name (的, 在, 说 ...).
    Name detection is a heuristic: on a real message board roughly one name span in six to
    eight is a wrong hit (a shop, a place, a word), so staff review the spans before
    publication and correct them with ``apply_spans``.
    Masked by keeping the surname (one character, or two for compound surnames such as 欧阳)
    and starring the rest: 张三丰 -> 张**.
    Not masked, by decision:
    * surname + form of address alone (张先生, 李女士, 刘老师, 王师傅) -- does not identify;
    * already-anonymised forms with 某 (王某, 王某某);
    * a name directly followed by a leadership title (胡某某书记, 张三市长, 李四副区长): office
      holders addressed in their public capacity are not personal data.
``address``
    Only the part of an address that points at one household: building + unit, building +
    room, unit + room, or a room number on its own.  Recognised shapes: ``3栋2单元502室``,
    ``5号楼1203``, ``18栋3单元``, ``A座1801``, ``502房``, ``3-2-502室``.  Masked by starring every
    digit/letter/Chinese numeral inside that part and keeping the markers, so the compound or
    road stays readable: 幸福小区3栋2单元502室 -> 幸福小区*栋*单元***室.
    Not masked, by decision: a road/street number (人民路88号 -- typically a shop, office or
    public place, and a whole building is not a household), a building alone (3栋, 5号楼, A座),
    a floor alone (12楼), and room counts (3室2厅, 2房) which need at least 3 digits to count
    as a room number.

Ordinary numbers stay: dates, times, amounts, bus lines (12路, K101路), counts, percentages,
document numbers (湘政发〔2019〕12号), tracking codes and place names (A市, A3区).

Overlaps are resolved by priority (email > id_card > bank_card > account > mobile > landline
> plate > address > name), then by length, so every returned span list is sorted and
non-overlapping.
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "KINDS",
    "MaskResult",
    "MaskSpan",
    "apply_spans",
    "find_personal_data",
    "find_reply_personal_data",
    "mask_personal_data",
    "mask_value",
]

KINDS: frozenset[str] = frozenset(
    {"mobile", "landline", "id_card", "email", "bank_card", "account", "plate", "name", "address"}
)


@dataclass(frozen=True)
class MaskSpan:
    start: int
    end: int
    kind: str  # one of KINDS
    original: str


@dataclass(frozen=True)
class MaskResult:
    text: str  # the masked text
    spans: tuple[MaskSpan, ...]  # positions in the ORIGINAL text, sorted, non-overlapping


# Higher wins when two candidates overlap.  Structured, checksum-validated kinds beat the
# heuristic ones because a false "name" inside an e-mail would leave the e-mail readable.
_PRIORITY: dict[str, int] = {
    "email": 70,
    "id_card": 60,
    "bank_card": 50,
    # A phone number given as a WeChat id is the account (the label says what it is).
    "account": 45,
    "mobile": 40,
    "landline": 30,
    "plate": 25,
    "address": 20,
    "name": 10,
}

_STAR = "*"


def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated word lists keep the long vocabularies below readable."""
    return tuple(text.split())


# ---------------------------------------------------------------------------------------------
# Spelling.  Chinese keyboards type full-width forms (１３８, ＱＱ, ＠, ：, 　); the detectors match
# on a folded copy where each of them is its half-width twin.  The fold maps one character to one
# character, so a span found in the folded copy has the same positions in the original, and the
# original is what is masked and returned.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: ord(" ")}
# Chinese numerals as digits (幺 is the spoken 1, 两 a 2): only for comparing a number with the
# citizen's own and for masking a mobile, never for detection (一三五 is weekdays, not 135).
_NUMERAL_FOLD = str.maketrans("零〇一幺二两三四五六七八九", "0011223456789")


def _fold(text: str) -> str:
    return text.translate(_FOLD)


# ---------------------------------------------------------------------------------------------
# Number boundaries.  A number must not be glued to other digits/letters, and -- so that
# masking the masked text finds nothing new -- not glued to a star either, nor to a star
# behind a single separator (the kept tail of "138-****-5678" must not start a new match).
_NB = r"(?<![0-9A-Za-z*])(?<!\*[ \-])"
_NA = r"(?![0-9A-Za-z*])(?![ \-]\*)"

_MOBILE_RE = re.compile(
    _NB
    + r"(?P<prefix>(?:\+|00)?86[ \-]?)?"
    + r"(?P<num>1[3-9]\d(?:\d{8}|[ \-]\d{4}[ \-]\d{4}|\d{4}[ \-]\d{4}|[ \-]\d{8}))"
    + _NA
)

_LANDLINE_RE = re.compile(
    _NB
    + r"(?:(?P<area>0\d{2,3})[ \-]?|[(（](?P<parea>0\d{2,3})[)）][ \-]?)"
    + r"(?P<local>[2-9]\d{6,7})"
    + r"(?:(?:转|-|—|ext\.?)\d{1,5})?"
    + _NA
)

# A bare 7-8 digit number is a phone only right after a phone keyword.
_PHONE_KEYWORD_RE = re.compile(
    r"(?:联系电话|电话号码|电话|联系方式|座机|固话|宅电|办公电话|tel|TEL|Tel)"
    r"[^0-9\n]{0,6}?" + _NB + r"(?P<local>[2-9]\d{6,7})" + _NA
)

_ID18_RE = re.compile(_NB + r"(?P<id>\d{6}[ ]?\d{8}[ ]?\d{3}[0-9Xx])" + _NA)
_ID15_RE = re.compile(_NB + r"(?P<id>\d{15})" + _NA)

_BANK_RE = re.compile(
    _NB + r"(?P<card>\d{16,19}" + r"|\d{4}(?:[ \-]\d{4}){3}(?:[ \-]\d{1,3})?" + r"|\d{6}[ \-]\d{10,13})" + _NA
)

# Mobiles written in Chinese numerals: 幺 is the spoken 1, 两 a 2.  All 11 characters are
# required and the run must not continue, so ordinary numerals (一三五, 一九九八年) stay.
_CN_MOBILE_DIGITS = "零〇一幺二两三四五六七八九"
_CN_D = f"[{_CN_MOBILE_DIGITS}]"
_CN_NB = rf"(?<![{_CN_MOBILE_DIGITS}十百千万亿*])(?<!\*[ \-])"
_CN_NA = rf"(?![{_CN_MOBILE_DIGITS}十百千万亿*])(?![ \-]\*)"
_CN_MOBILE_RE = re.compile(
    _CN_NB
    + rf"(?P<num>[一幺][三四五六七八九]{_CN_D}"
    + rf"(?:{_CN_D}{{8}}|[ \-]{_CN_D}{{4}}[ \-]{_CN_D}{{4}}|{_CN_D}{{4}}[ \-]{_CN_D}{{4}}|[ \-]{_CN_D}{{8}}))"
    + _CN_NA
)
# The same shapes with Arabic and Chinese numerals mixed (138一二三四5678, 幺38 1234 五六七八),
# limited like the rule above (the first 1/一/幺, the second 3-9, all 11, the run does not go on)
# and, since it may hold Arabic digits, not glued to other digits either.
_MIXED_D = f"[0-9{_CN_MOBILE_DIGITS}]"
_MIXED_NB = rf"(?<![0-9{_CN_MOBILE_DIGITS}十百千万亿*])(?<!\*[ \-])"
_MIXED_NA = rf"(?![0-9{_CN_MOBILE_DIGITS}十百千万亿*])(?![ \-]\*)"
_MIXED_MOBILE_RE = re.compile(
    _MIXED_NB
    + rf"(?P<num>[1一幺][3-9三四五六七八九]{_MIXED_D}"
    + rf"(?:{_MIXED_D}{{8}}|[ \-]{_MIXED_D}{{4}}[ \-]{_MIXED_D}{{4}}|{_MIXED_D}{{4}}[ \-]{_MIXED_D}{{4}}"
    + rf"|[ \-]{_MIXED_D}{{8}}))"
    + _MIXED_NA
)
# After a phone label the grouping is free: any numeral may be followed by one space, dash or dot
# (1381 234 5678, 138.1234.5678, 138 一二三 四五 六七八).  The label says what the number is.
_MOBILE_LABEL_RE = re.compile(
    r"(?:手机号码|手机号|手机|电话号码|联系电话|电话|联系方式|联系号码|号码|tel|TEL|Tel|phone|Phone)"
    rf"[^0-9{_CN_MOBILE_DIGITS}*\n]{{0,6}}?"
    + _MIXED_NB
    + r"(?P<num>(?:(?:\+|00)?86[ \-.]?)?"
    + rf"[1一幺][ \-.]?[3-9三四五六七八九](?:[ \-.]?{_MIXED_D}){{9}})"
    + rf"(?![ \-.]?[0-9A-Za-z{_CN_MOBILE_DIGITS}十百千万亿*])"
)

# Instant-messaging accounts count only after their label; a bare 9-digit number or a Latin
# word is not known to be an account.  QQ群 and 微信公众号 are public channels, not labels here.
# A Latin label glued to letters, digits or a star is part of an id (or of a masked one), so
# masking the masked text finds nothing new.
_ACCOUNT_SEP = r"(?:\s|[:：是为]|号码|号){0,4}"
_ACCOUNT_END = r"(?![0-9A-Za-z_*\-])"
_ACCOUNT_RE = re.compile(
    r"(?:(?<![0-9A-Za-z_*\-])[Qq]{2}(?:号码|号)?|扣扣(?:号码|号)?)"
    + _ACCOUNT_SEP
    + r"(?<![0-9*])(?P<qq>[1-9]\d{4,10})"
    + _ACCOUNT_END
    # WeChat's nicknames: 威信/薇信 (homophones), 微 信 (a space against keyword filters), v信, vx, wx.
    + r"|(?:(?:微 ?信|[威薇]信|(?<![0-9A-Za-z_*\-])(?:[VvWw][Xx]|[Vv]信))(?:号码|号)?)"
    + _ACCOUNT_SEP
    + r"(?<![0-9A-Za-z_*\-])(?P<wechat>[A-Za-z][A-Za-z0-9_\-]{5,19}|\d{6,11})"
    + _ACCOUNT_END
)

_PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Trailer (挂) and driving-school (学) plates end in a Chinese character; police plates (警)
# are public vehicles and stay.
_PLATE_RE = re.compile(
    rf"(?P<head>[{_PLATE_PROVINCES}][A-Za-z][·•・ \-]?)"
    r"(?P<tail>[A-HJ-NP-Za-hj-np-z0-9]{5,6}(?![0-9A-Za-z*])|[A-HJ-NP-Za-hj-np-z0-9]{4}[挂学])"
)

_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-@*])(?P<local>[A-Za-z0-9][A-Za-z0-9._%+\-]*)@"
    r"(?P<domain>[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,})"
    r"(?![A-Za-z0-9\-])"
)

# ---------------------------------------------------------------------------------------------
# Addresses.
_CN_NUM = "零〇一二三四五六七八九十百"
_ALNUM = rf"[0-9A-Za-z{_CN_NUM}]"
_BUILDING = rf"(?:{_ALNUM}{{1,4}}(?:号楼|栋|幢|座|楼))"
_UNIT = rf"(?:{_ALNUM}{{1,3}}单元)"
_ROOM = r"(?:[0-9A-Za-z]{0,2}\d{3,4}(?:号房|室|房|号)?)"
_ROOM_MARKED = r"(?:[0-9A-Za-z]{0,2}\d{3,4}(?:号房|室|房))"

_ADDRESS_RE = re.compile(
    r"(?<![0-9A-Za-z*])(?:"
    # building + unit [+ room]
    rf"{_BUILDING}{_UNIT}(?:{_ROOM})?"
    # building + room (bare room number allowed right after the building marker)
    rf"|{_BUILDING}(?:{_ALNUM}{{1,3}}层)?{_ROOM}"
    # unit + room
    rf"|{_UNIT}(?:{_ALNUM}{{1,3}}层)?{_ROOM}"
    # 3-2-502室 (building-unit-room written with dashes)
    r"|\d{1,2}-\d{1,2}-\d{3,4}(?:室|房|号)?"
    # room number on its own needs an explicit 室/房
    rf"|{_ROOM_MARKED}"
    r")(?![0-9A-Za-z*])"
)

_QUANTITY_UNITS = frozenset("米元万亿平公千吨个人户年天次辆名余多%％.．")
# Words after which a "room number" is something else (12345热线 is not room 12345).
_ADDRESS_NOT_AFTER = ("路", "街", "道", "巷", "弄", "大道")

# ---------------------------------------------------------------------------------------------
# Names.
# Common surnames.  Rare ones that are far more often a function word, an abbreviation
# (楚 = Hunan), a fee (费) or part of a place name in civic text (A3区, 南栋, 由...负责) are
# left out on purpose: jieba tags them nr inside ordinary words.
_SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟"
    "邝封谈匡鞠惠荆冀郁胥班储栗燕鄢劳谌奚皮粟冼蔺闻厉伊仝郜阚屠朴盖廉禹祖漆狄索晋扈晁芮阙浦鹿薄邸雍辜裘亓"
    "邰赫杭况鲜印逯隆诸慕亢嵇哈湛宾戎勾茅於尉冶昝奉"
)
_COMPOUND_SURNAMES = _words(
    """
    欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫 西门 轩辕
    澹台 公冶 宗政 濮阳 太史 申屠 钟离 呼延 万俟 闻人 赫连 百里 东郭 第五
    """
)
SURNAMES: frozenset[str] = frozenset(_SINGLE_SURNAMES) | frozenset(_COMPOUND_SURNAMES)

_HAN = "\u4e00-\u9fff"
_HAN_RE = re.compile(rf"^[{_HAN}]+$")

# Forms of address that may follow a surname or a full name.
_TITLES = _words(
    """
    先生 女士 小姐 老师 师傅 阿姨 大爷 大妈 大姐 大哥 老人 同学 同志 医生 律师 经理 老板 师父 奶奶
    爷爷
    """
)
# Office holders addressed by these titles act in public; their names stay.
_PUBLIC_TITLES = _words(
    """
    书记 省长 市长 县长 区长 州长 镇长 乡长 主席 副书记 副省长 副市长 副县长 副区长 副州长 副镇长
    副乡长 副主席 常务副 委员长 总理
    """
)
# A tagged "name" followed by one of these is a place, organisation or facility.
_NOT_NAME_FOLLOWERS = _words(
    """
    路 街 道 巷 弄 大道 区 县 市 省 州 镇 乡 村 屯 庄 社区 小区 花园 公寓 大厦 广场 苑 府 城 园 湾
    港 里 坊 公司 集团 局 厅 委 办 院 所 站 校 中学 小学 大学 学院 学校 幼儿园 医院 卫生 中心 部 处
    科 队 厂 店 馆 桥 湖 山 江 河 塘 洲 岛 寺 庙 楼 栋 号 线 家园 新村 银行 派出所 电站 矿 场 路口
    片区 组 工程 项目 牌 品牌 酒店 宾馆 超市 商场 市场 农场 林场 水库 大桥 隧道 高速 机场 车站 码头
    街道 居委 村委 物业 地产 置业 科技 实业 堂 阁 轩 国际 时代 天地 名城 一号 二号 壹号 片 社 会
    中队 大队 支队 纪念馆 纸业 电器 商贸 液化 有限 股份 合作社 家庭农场 养殖 烟花 公路 高铁 新区
    集镇 健康 清洁 发改 石化 商住 汽配 博爱 坡 公园 铁路 机电 学家 影像
    """
)
# Characters that end organisation/place words jieba sometimes tags nr (高新区, 金星村 ...).
_NOT_NAME_LAST_CHARS = frozenset(
    "路街区县市省镇乡村局厅院校苑园城湾港府楼站所厂店馆桥湖山江河寺庙组塘岭铺坪冲垸堤坝洲处嘴"
)
# Civic words jieba tags nr in complaint/reply text; measured on message-board data.
_NOT_NAME_WORDS: frozenset[str] = frozenset(
    _words(
        """
        丁字 万元 万家 万家丽 万科 严格 严重 于是 于此 任何 任意 任职 任课 余额 信息 信访 元旦 党员
        党委 全体 全部 全面 公共 公司 公安 公平 公正 关于 关注 关键 农超 包括 华为 华府 华庭 华润 单及
        南延线 卫健 卫建 卫生 司机 司法 向东 向北 向南 向西 向阳 和平 和谐 国务院 国土 国家 宁乡 安全
        安居 安监 安监员 宣传 容易 尚未 左拐 师德师 师生 常居 常规 平安 平峰 应当 应该 强制 成功 成本
        成立 成都 房东 房产 房屋 文明 方便 时间 明天 明年 明显 明确 易燃 晋升 普惠式 普惠性 景区 来信
        来电 林业 林权 梁后 楼栋 楼栋长 武广 毛泽东 江南 海关 海洋 温度 温馨 游室 申请 白天 白改黑 盛世
        石化 石油 石门 碧桂园 秦皇岛 程序 简单 管理 管道 米兰 苏凝 苏宁 解决 解释 计划 谷歌 费用 费由
        路段 路灯 路面 车位 车少 车库 车辆 连续 邢台 都市 金星 金牌 金茂 金融 金额 雨花 项目 马仔 马月
        高一 高三 高中 高二 高压 高层 高新 高档 高温 高考 高速 高铁 麻石 黄星 黄花 黄金 黄闪 黎明 齐全
        龙头 龙岗
        """
    )
)
# Prepositions/verbs that can precede a surname+title ("向张先生" is 向 + 张先生, not 向张).
_FUNCTION_CHARS = frozenset("向和与给对让叫被找把将跟同由为请问及或以从在于是有说告")

# Characters that commonly follow a name and so end it (张三说, 李四在, 王五和, 熊威两人).
_AFTER_NAME_CHARS = frozenset(
    "的在是和与及等了说也都到对把被向给已于将为因又还就才会要能可不没前后家户"
    "父母妻夫儿女子哥姐弟妹叔姨系称同先生士人们一二三四五六七八九十两个曾让请"
    "来去从自所外内亦未尚仍均皆共带领认进约"
)
_INTRO_RE = re.compile(
    r"(?:我叫|我是|我的名字[是叫]|名字[是叫]|本人[是叫系]?|姓名[:：是为]?|联系人[:：]?|签名[:：]?|"
    r"投诉人[:：]?|举报人[:：]?|反映人[:：]?|申请人[:：]?|来信人[:：]?|留言人[:：]?|业主[:：])"
    r"\s*"
)
_TITLE_RE = re.compile(rf"(?P<name>[{_HAN}]{{2,4}})(?P<title>{'|'.join(_TITLES)})")


# ---------------------------------------------------------------------------------------------
# Validators.
_PROVINCES = frozenset(
    _words(
        """
        11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71
        81 82 83
        """
    )
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_checksum(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits of a resident ID."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _valid_birth(year: int, month: int, day: int) -> bool:
    try:
        born = _dt.date(year, month, day)
    except ValueError:
        return False
    return _dt.date(1900, 1, 1) <= born <= _dt.date.today()


def is_valid_id18(value: str) -> bool:
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789Xx":
        return False
    if value[:2] not in _PROVINCES:
        return False
    if not _valid_birth(int(value[6:10]), int(value[10:12]), int(value[12:14])):
        return False
    return id_checksum(value[:17]) == value[17].upper()


def is_valid_id15(value: str) -> bool:
    if len(value) != 15 or not value.isdigit() or value[:2] not in _PROVINCES:
        return False
    # Old IDs were issued 1984-2004 to people born in the 20th century.
    return _valid_birth(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _is_bank_card(digits: str) -> bool:
    return 16 <= len(digits) <= 19 and digits[0] in "34569" and luhn_valid(digits)


# ---------------------------------------------------------------------------------------------
# Masking of single values.
def _star_digits_keep(value: str, keep_head: int, keep_tail: int, *, chars: str) -> str:
    """Star the characters in `chars` except the first `keep_head` and last `keep_tail` of them.

    Separators are not counted, so grouped and contiguous forms mask the same digits.
    """
    positions = [i for i, ch in enumerate(value) if ch in chars]
    hidden = set(positions[keep_head : len(positions) - keep_tail if keep_tail else None])
    return "".join(_STAR if i in hidden else ch for i, ch in enumerate(value))


_DIGITS = "0123456789"
_DIGITS_X = "0123456789Xx"


def _mask_mobile(value: str) -> str:
    """`value` comes folded (full-width and Chinese numerals as ASCII digits, see mask_value)."""
    digits = [ch for ch in value if ch in _DIGITS]
    number = "".join(digits)
    # A +86 / 0086 prefix is not part of the number; any grouping masks the same digits.
    prefix = len(number) - 11
    if (prefix, number[:prefix]) in ((0, ""), (2, "86"), (4, "0086")) and number[prefix] == "1":
        return _star_digits_keep(value, prefix + 3, 4, chars=_DIGITS)
    # staff-supplied span of another shape: hide everything
    return _star_digits_keep(value, 0, 0, chars=_DIGITS)


def _mask_account(value: str) -> str:
    keep = 2 if len(value) >= 8 else 1
    if len(value) <= 2 * keep:
        return _STAR * len(value)
    return value[:keep] + _STAR * (len(value) - 2 * keep) + value[-keep:]


def _mask_plate(value: str) -> str:
    match = _PLATE_RE.fullmatch(value)
    if match is None:  # staff-supplied span of another shape: keep the province only
        return value[:1] + _STAR * (len(value) - 1)
    tail = match.group("tail")
    return match.group("head") + _STAR * (len(tail) - 1) + tail[-1]


def _mask_landline(value: str) -> str:
    match = re.match(r"^([(（]?0\d{2,3}[)）]?[ \-]?)(.*)$", value, flags=re.S)
    if match is None:
        return _star_digits_keep(value, 0, 2, chars=_DIGITS)
    area, rest = match.group(1), match.group(2)
    return area + _star_digits_keep(rest, 0, 2, chars=_DIGITS)


def _mask_email(value: str) -> str:
    local, sep, domain = value.partition("@")
    if not sep or not local:
        return _STAR * len(value)
    return f"{local[0]}***@{domain}"


def _mask_name(value: str) -> str:
    keep = 2 if len(value) >= 3 and value[:2] in _COMPOUND_SURNAMES else 1
    return value[:keep] + _STAR * (len(value) - keep)


_ADDRESS_MASKABLE = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" + _CN_NUM)


def _mask_address(value: str) -> str:
    return "".join(_STAR if ch in _ADDRESS_MASKABLE else ch for ch in value)


_MASKERS: dict[str, Callable[[str], str]] = {
    "mobile": _mask_mobile,
    "landline": _mask_landline,
    "id_card": lambda v: _star_digits_keep(v, 4, 4, chars=_DIGITS_X),
    "bank_card": lambda v: _star_digits_keep(v, 4, 4, chars=_DIGITS),
    "email": _mask_email,
    "account": _mask_account,
    "plate": _mask_plate,
    "name": _mask_name,
    "address": _mask_address,
}


def mask_value(kind: str, value: str) -> str:
    """The public form of one piece of personal data of the given kind, in its own spelling:
    the maskers read the folded value, and its stars are put back on the original characters."""
    try:
        masker = _MASKERS[kind]
    except KeyError:
        raise ValueError(f"unknown personal-data kind: {kind!r}") from None
    folded = _fold(value)
    if kind == "mobile":
        folded = folded.translate(_NUMERAL_FOLD)
    masked = masker(folded)
    if len(masked) != len(folded):  # an e-mail: first character, three stars, '@' and domain as typed
        at = folded.find("@")
        return value[:1] + _STAR * 3 + value[at:] if at > 0 else _STAR * len(value)
    return "".join(
        _STAR if new == _STAR and seen != _STAR else old for old, new, seen in zip(value, masked, folded, strict=True)
    )


# ---------------------------------------------------------------------------------------------
# jieba, loaded on first use: importing it builds a 30 MB prefix dictionary.
_jieba_lock = threading.Lock()
_posseg: Any = None


def _get_posseg() -> Any:
    global _posseg
    if _posseg is None:
        with _jieba_lock:
            if _posseg is None:
                import jieba
                import jieba.posseg

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.initialize()
                _posseg = jieba.posseg
    return _posseg


# ---------------------------------------------------------------------------------------------
# Detectors.  Each yields (start, end, kind) candidates; overlaps are resolved afterwards.
_Candidate = tuple[int, int, str]


def _find_emails(text: str) -> Iterable[_Candidate]:
    for m in _EMAIL_RE.finditer(text):
        yield m.start(), m.end(), "email"


def _find_ids(text: str) -> Iterable[_Candidate]:
    for m in _ID18_RE.finditer(text):
        value = m.group("id").replace(" ", "")
        if is_valid_id18(value):
            yield m.start(), m.end(), "id_card"
    for m in _ID15_RE.finditer(text):
        if is_valid_id15(m.group("id")):
            yield m.start(), m.end(), "id_card"


def _find_bank_cards(text: str) -> Iterable[_Candidate]:
    for m in _BANK_RE.finditer(text):
        digits = re.sub(r"[ \-]", "", m.group("card"))
        if _is_bank_card(digits):
            yield m.start(), m.end(), "bank_card"


def _find_mobiles(text: str) -> Iterable[_Candidate]:
    for m in _MOBILE_RE.finditer(text):
        yield m.start(), m.end(), "mobile"
    for m in _CN_MOBILE_RE.finditer(text):
        yield m.start(), m.end(), "mobile"
    for m in _MIXED_MOBILE_RE.finditer(text):
        # All Arabic is the plain rule's (which also knows the +86 prefix); all Chinese the rule above.
        if re.search(r"[0-9]", m.group()) and re.search(_CN_D, m.group()):
            yield m.start(), m.end(), "mobile"
    for m in _MOBILE_LABEL_RE.finditer(text):
        yield m.start("num"), m.end("num"), "mobile"


# 某某微信公众号（微信号：cssbwg）: an official account's id is public, like its name.
_PUBLIC_ACCOUNT_BEFORE_RE = re.compile(r"(?:公众号|公众平台|服务号|订阅号)[（(：:，,\s“\"]{0,2}$")


def _find_accounts(text: str) -> Iterable[_Candidate]:
    for m in _ACCOUNT_RE.finditer(text):
        group = "qq" if m.group("qq") is not None else "wechat"
        start, end = m.start(group), m.end(group)
        if _PUBLIC_ACCOUNT_BEFORE_RE.search(text, max(0, m.start() - 8), m.start()):
            continue
        # 微信为100000人提供服务: a number followed by a unit is a quantity.
        if text[start].isdigit() and text[end : end + 1] in _QUANTITY_UNITS:
            continue
        yield start, end, "account"


def _find_plates(text: str) -> Iterable[_Candidate]:
    for m in _PLATE_RE.finditer(text):
        tail = m.group("tail")
        # At most two letters in a plate's serial: 京ABCDE1 is a code, not a plate.
        if sum(ch.isdigit() for ch in tail) < 3:
            continue
        yield m.start(), m.end(), "plate"


def _find_landlines(text: str) -> Iterable[_Candidate]:
    for m in _LANDLINE_RE.finditer(text):
        yield m.start(), m.end(), "landline"
    for m in _PHONE_KEYWORD_RE.finditer(text):
        yield m.start("local"), m.end("local"), "landline"


def _find_addresses(text: str) -> Iterable[_Candidate]:
    for m in _ADDRESS_RE.finditer(text):
        start, end = m.start(), m.end()
        value = m.group(0)
        before = text[max(0, start - 2) : start]
        # 人民路502号 is a street number, not a room.
        if value.endswith("号") and not value.endswith("号房") and before.endswith(_ADDRESS_NOT_AFTER):
            continue
        # "号" at the end of building/room shapes would otherwise swallow 〔2019〕12号-like text;
        # a room ending in 号 counts only when a building/unit came first.
        if re.fullmatch(r"[0-9A-Za-z]{0,2}\d{3,4}号", value):
            continue
        # A bare number after 座/楼 followed by a unit is a quantity (一座1500米长的桥).
        if value[-1].isdigit() and text[end : end + 1] in _QUANTITY_UNITS:
            continue
        yield start, end, "address"


def _surname_len(word: str) -> int:
    if len(word) >= 3 and word[:2] in _COMPOUND_SURNAMES:
        return 2
    if word[:1] in SURNAMES:
        return 1
    return 0


def _followed_by(text: str, end: int, suffixes: Iterable[str]) -> bool:
    return any(text.startswith(s, end) for s in suffixes)


def _plausible_name(word: str) -> bool:
    if not 2 <= len(word) <= 4 or not _HAN_RE.match(word):
        return False
    # A compound surname alone (欧阳先生) is a surname, like 张先生.
    if "某" in word or word in _NOT_NAME_WORDS or word in _COMPOUND_SURNAMES:
        return False
    # 的/了/是 never sit inside a name (县纪委的同志, 姓王的女士; 李姓经理 is anonymous),
    # and X家Y is a place (马家塘).
    if any(ch in "的了是在和与及姓" for ch in word[1:]) or (len(word) == 3 and word[1] == "家"):
        return False
    if word[-1] in _NOT_NAME_LAST_CHARS:
        return False
    slen = _surname_len(word)
    if slen == 0 or len(word) - slen > 2:
        return False
    return not (slen == 2 and len(word) == 2)


def _name_context_ok(text: str, start: int, end: int) -> bool:
    if _followed_by(text, end, _NOT_NAME_FOLLOWERS):
        return False
    # An office holder addressed by title (胡某某书记, 张三副市长) is public.
    return not _followed_by(text, end, _PUBLIC_TITLES)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """jieba (word, flag, start) triples; jieba never rewrites characters, so find() is exact."""
    out: list[tuple[str, str, int]] = []
    pos = 0
    for pair in _get_posseg().cut(text):
        word: str = pair.word
        start = text.find(word, pos)
        if start < 0:
            continue
        out.append((word, str(pair.flag), start))
        pos = start + len(word)
    return out


def _find_names_jieba(text: str, tokens: list[tuple[str, str, int]]) -> Iterable[_Candidate]:
    for i, (word, flag, start) in enumerate(tokens):
        end = start + len(word)
        # jieba tags compound surnames as places (欧阳 ns) and splits the given name off.
        if word in _COMPOUND_SURNAMES and i + 1 < len(tokens):
            nxt, nflag, nstart = tokens[i + 1]
            if (
                nstart == end
                and nflag.startswith("nr")
                and 1 <= len(nxt) <= 2
                and _HAN_RE.match(nxt)
                and _name_context_ok(text, start, nstart + len(nxt))
            ):
                yield start, nstart + len(nxt), "name"
            continue
        if flag != "nr":
            continue
        # jieba often keeps a title on the name (刘老师): strip it; a bare surname stays.
        for title in _TITLES:
            if word.endswith(title) and len(word) > len(title):
                word = word[: -len(title)]
                end = start + len(word)
                break
        # jieba's dictionary tags hundreds of everyday words nr (谢谢, 许可证, 高峰, 左转) and the
        # names it does know are famous people; private names are never in it.  So a tagged
        # word counts only when jieba guessed it (HMM) rather than looked it up.
        if _in_dictionary(word):
            continue
        if not _plausible_name(word):
            continue
        # jieba often cuts an unknown 3-character name after two (蒋民|爱|在): take the
        # third character along unless it is a particle or verb that can follow a name.
        if (
            len(word) == 2
            and end < len(text)
            and re.match(rf"[{_HAN}]", text[end])
            and text[end] not in _AFTER_NAME_CHARS
            and (end + 1 >= len(text) or not _in_dictionary(text[end : end + 2]))
        ):
            end += 1
        if text[end - 1] in _NOT_NAME_LAST_CHARS or not _name_context_ok(text, start, end):
            continue
        yield start, end, "name"


def _in_dictionary(word: str) -> bool:
    _get_posseg()
    import jieba

    freq: int = jieba.dt.FREQ.get(word, 0)
    return freq > 0


def _find_names_patterns(text: str, token_starts: set[int]) -> Iterable[_Candidate]:
    # Full name + form of address: 张三先生.  A surname alone (张先生) is left visible.
    for m in _TITLE_RE.finditer(text):
        name = m.group("name")
        start = m.start("name")
        # The regex is greedy to the left; the name is the longest tail that starts where
        # jieba starts a word (班主任|刘老师 is not 任刘) and reads as a name (向张三先生 -> 张三).
        for k in range(len(name) - 1):
            sub = name[k:]
            if start + k not in token_starts or not _plausible_name(sub):
                continue
            if sub[0] in _FUNCTION_CHARS and sub[1] in SURNAMES:  # 向张先生 = 向 + 张先生
                continue
            yield start + k, start + len(name), "name"
            break
    # Intro patterns: 我叫X / 本人X / 姓名：X.
    for m in _INTRO_RE.finditer(text):
        rest = text[m.end() : m.end() + 5]
        run = re.match(rf"[{_HAN}]{{2,4}}", rest)
        if run is None:
            continue
        cand = run.group(0)
        for length in _intro_name_lengths(cand):
            word = cand[:length]
            if _plausible_name(word) and _name_context_ok(text, m.end(), m.end() + length):
                yield m.end(), m.end() + length, "name"
                break


def _intro_name_lengths(cand: str) -> list[int]:
    """How long the name right after 我叫/本人/姓名： is; empty when there is no name.

    jieba decides where the name ends ("张三住在" -> 张三).  A word jieba's dictionary knows as
    something other than a person (本人家住, 本人于是, 本人于去年) means there is no name.
    """
    pairs = [(p.word, str(p.flag)) for p in _get_posseg().cut(cand)]
    if not pairs:
        return []
    first, flag = pairs[0]
    if len(first) >= 2:
        return [] if _is_common_word(first) else [len(first)]
    words = [w for w, _ in pairs]
    # 赵|建国: jieba tagged the surname nr, so the given name may be any word (建国, 国庆).
    if len(words) > 1 and len(words[1]) <= 2 and (flag == "nr" or not _is_common_word(words[1])):
        # jieba split an unknown name into surname + given name (李 / 小明)
        return [1 + len(words[1])]
    return []


def _is_common_word(word: str) -> bool:
    """True when jieba's dictionary knows `word` (2+ chars) as something other than a name."""
    if len(word) < 2:
        return False
    tag: str | None = _get_posseg().dt.word_tag_tab.get(word)
    return tag is not None and not tag.startswith("nr")


def _find_extra_names(text: str, extra_names: Iterable[str]) -> Iterable[_Candidate]:
    for raw in extra_names:
        name = raw.strip()
        if len(name) < 2:  # a lone surname would star every 张 in the text
            continue
        start = text.find(name)
        while start >= 0:
            yield start, start + len(name), "name"
            start = text.find(name, start + len(name))


def _resolve(candidates: Iterable[_Candidate], forced: set[_Candidate]) -> list[_Candidate]:
    """Keep the best non-overlapping candidates: what the caller knows about the citizen (name,
    phone, e-mail) first, then by priority."""
    ordered = sorted(
        set(candidates),
        key=lambda c: (c in forced, _PRIORITY[c[2]], c[1] - c[0], -c[0]),
        reverse=True,
    )
    taken: list[_Candidate] = []
    for cand in ordered:
        if cand[0] >= cand[1]:
            continue
        if all(cand[1] <= t[0] or cand[0] >= t[1] for t in taken):
            taken.append(cand)
    taken.sort()
    return taken


# Between two digits of the citizen's own number: spaces, dashes, dots, the brackets of an area code.
_PRIVATE_SEP = r"[\s\-.()]{0,3}"


def _private_patterns(values: Iterable[str]) -> list[tuple[re.Pattern[str], str]]:
    """The citizen's own phone and e-mail as patterns over the folded text, in any ordinary
    spelling: 138 1234 5678, 138-1234-5678, 138.1234.5678, +86/0086, full-width or Chinese
    numerals; an e-mail in any case, with a full-width ＠ or a 。 for a dot."""
    patterns: list[tuple[re.Pattern[str], str]] = []
    for raw in values:
        value = _fold(raw or "").strip()
        if "@" in value:
            local, _, domain = value.partition("@")
            if local and domain:
                dotted = r"[.。]".join(re.escape(part) for part in domain.split("."))
                pattern = (
                    rf"(?<![A-Za-z0-9._%+\-]){re.escape(local)}\s?@\s?{dotted}(?![A-Za-z0-9\-])(?![.。][A-Za-z0-9])"
                )
                patterns.append((re.compile(pattern, re.IGNORECASE), "email"))
            continue
        number = re.sub(r"[^0-9]", "", value.translate(_NUMERAL_FOLD))
        if (len(number), number[:-11]) in ((13, "86"), (15, "0086")) and number[-11] == "1":
            number = number[-11:]
        if len(number) < 7:  # too short to tell from any other number
            continue
        if len(number) == 11 and number[0] == "1":
            prefix = r"(?:(?:\+|00)?86[\s\-.]{0,3})?"
            patterns.append((re.compile(r"(?<![0-9])" + prefix + _PRIVATE_SEP.join(number) + r"(?![0-9])"), "mobile"))
            continue
        patterns.append((re.compile(r"(?<![0-9])" + _PRIVATE_SEP.join(number) + r"(?![0-9])"), "landline"))
        # 0731-88886666 is also given without its area code (010 and 02x have 3 digits, others 4).
        area = 3 if number[:2] in ("01", "02") else 4
        local = number[area:]
        if number[0] == "0" and 7 <= len(local) <= 8:
            patterns.append((re.compile(r"(?<![0-9])" + _PRIVATE_SEP.join(local) + r"(?![0-9])"), "landline"))
    return patterns


def _find_private_values(folded: str, private_values: Iterable[str]) -> Iterable[_Candidate]:
    numerals = folded.translate(_NUMERAL_FOLD)
    for pattern, kind in _private_patterns(private_values):
        for m in pattern.finditer(folded if kind == "email" else numerals):
            yield m.start(), m.end(), kind


def _find(
    text: str, extra_names: Iterable[str], private_values: Iterable[str]
) -> tuple[list[MaskSpan], set[tuple[int, int]]]:
    """The spans to hide, and which of them are the citizen's own phone or e-mail."""
    if not text:
        return [], set()
    # Everything but names is matched on the folded copy; jieba reads what the citizen wrote.
    folded = _fold(text)
    candidates: list[_Candidate] = []
    candidates.extend(_find_emails(folded))
    candidates.extend(_find_ids(folded))
    candidates.extend(_find_bank_cards(folded))
    candidates.extend(_find_accounts(folded))
    candidates.extend(_find_mobiles(folded))
    candidates.extend(_find_landlines(folded))
    candidates.extend(_find_plates(folded))
    candidates.extend(_find_addresses(folded))
    extra_cands = list(_find_extra_names(text, extra_names))
    private_cands = list(_find_private_values(folded, private_values))
    candidates.extend(extra_cands)
    candidates.extend(private_cands)
    if re.search(rf"[{_HAN}]", text):
        tokens = _tokens(text)
        candidates.extend(_find_names_patterns(text, {start for _, _, start in tokens}))
        candidates.extend(_find_names_jieba(text, tokens))
    spans = [MaskSpan(s, e, k, text[s:e]) for s, e, k in _resolve(candidates, {*extra_cands, *private_cands})]
    return spans, {(s, e) for s, e, _ in private_cands}


def find_personal_data(
    text: str, *, extra_names: Iterable[str] = (), private_values: Iterable[str] = ()
) -> list[MaskSpan]:
    """Spans of personal data in `text`, sorted and non-overlapping (see module docstring).
    `extra_names` and `private_values` are the citizen's own name and phone/e-mail: hidden
    wherever they appear, and before anything else that overlaps them."""
    return _find(text, extra_names, private_values)[0]


def apply_spans(text: str, spans: Iterable[MaskSpan]) -> str:
    """Mask `text` with the given spans, e.g. a list staff corrected after review.

    Raises ValueError when a span does not fit the text (it was made for another version of
    the text) or when spans overlap: publishing a half-masked value is worse than failing.
    """
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    out: list[str] = []
    pos = 0
    for span in ordered:
        if span.kind not in KINDS:
            raise ValueError(f"unknown personal-data kind: {span.kind!r}")
        if not 0 <= span.start < span.end <= len(text):
            raise ValueError(f"span {span.start}:{span.end} is outside the text")
        if span.start < pos:
            raise ValueError(f"span {span.start}:{span.end} overlaps the previous span")
        if text[span.start : span.end] != span.original:
            raise ValueError(
                f"span {span.start}:{span.end} does not match the text "
                f"(expected {span.original!r}, found {text[span.start : span.end]!r})"
            )
        out.append(text[pos : span.start])
        out.append(mask_value(span.kind, span.original))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def mask_personal_data(
    text: str, *, extra_names: Iterable[str] = (), private_values: Iterable[str] = ()
) -> MaskResult:
    """Find personal data in `text` and return the masked text with the spans used."""
    spans = find_personal_data(text, extra_names=extra_names, private_values=private_values)
    return MaskResult(text=apply_spans(text, spans), spans=tuple(spans))


# A department's reply ends with how to reach the department: its office landline and mailbox are
# public by design. In official replies those kinds stay, unless the value is the citizen's own.
OFFICIAL_CONTACT_KINDS = frozenset({"landline", "email"})


def find_reply_personal_data(
    text: str, *, extra_names: Iterable[str] = (), private_values: Iterable[str] = ()
) -> list[tuple[MaskSpan, bool]]:
    """The spans an official reply hides, each with whether it is one of `private_values` (the
    citizen's own phone and email, in any spelling). Landlines and emails are the office's and
    stay out of the list unless they are the citizen's own. The reply checks read the flag: the
    citizen's own number in a reply is a leak, not a contact."""
    found, private = _find(text, extra_names, private_values)
    return [
        (span, (span.start, span.end) in private)
        for span in found
        if span.kind not in OFFICIAL_CONTACT_KINDS or (span.start, span.end) in private
    ]


def mask_official_reply(
    text: str, *, extra_names: Iterable[str] = (), private_values: Iterable[str] = ()
) -> MaskResult:
    """Mask an official reply: like `mask_personal_data`, but landlines and emails stay visible
    unless they are one of `private_values` (the citizen's own phone and email, in any spelling)."""
    spans = tuple(span for span, _own in find_reply_personal_data(
        text, extra_names=extra_names, private_values=private_values))
    return MaskResult(text=apply_spans(text, spans), spans=spans)


def mask_case_text(
    text: str, reply: bool = False, *, citizen_name: str = "", citizen_phone: str = "", citizen_email: str = ""
) -> str:
    """The public copy of one text of a case: the citizen's title or message, or (`reply`) the
    department's answer, which keeps the office's landline and mailbox unless they are the citizen's
    own. What the citizen told us about themselves (name, phone, e-mail) is hidden wherever it
    appears, in their own text as in the reply, however it is spelled there.

    The one rule for every case, live (`cases.actions`, at acceptance and at approval) or imported
    (`cases.importing` and the `import_cases` command, whose worker processes call it without
    Django): an imported case has no citizen details, so it passes none. Truncating a title to its
    column is the caller's business."""
    if not text:
        return ""
    names = [citizen_name] if citizen_name else []
    private = [citizen_phone, citizen_email]
    mask = mask_official_reply if reply else mask_personal_data
    return mask(text, extra_names=names, private_values=private).text
