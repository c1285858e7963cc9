"""Hot topics and duplicates on synthetic messages (no database, no shared data)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from minsheng.insights.duplicates import find_duplicates, normalise_for_duplicates
from minsheng.insights.topics import HeatWeights, Message, TopicModel, extract_places

T0 = datetime(2024, 5, 1, 9, 0)

NOISE = [
    (
        "幸福家园小区旁搅拌站噪音扰民",
        "幸福家园小区旁边的混凝土搅拌站每天晚上施工到凌晨，噪音太大，老人孩子都睡不着，请环保部门查处。",
    ),
    (
        "投诉幸福家园小区附近搅拌站夜间施工",
        "我是幸福家园小区的业主，小区附近搅拌站夜间施工噪音严重，粉尘也很大，希望尽快整治。",
    ),
    (
        "搅拌站噪音影响幸福家园小区居民休息",
        "幸福家园小区紧挨着一个搅拌站，搅拌机和运输车日夜不停，噪音扰民，居民无法正常休息。",
    ),
    (
        "幸福家园小区搅拌站粉尘噪音污染",
        "幸福家园小区东侧的搅拌站没有任何降尘降噪措施，噪音和粉尘污染严重，请相关部门依法处理。",
    ),
    (
        "请关停幸福家园小区边上的搅拌站",
        "搅拌站离幸福家园小区不到一百米，夜里大车进出，噪音扰民，多次投诉没人管，请求关停搬迁。",
    ),
    (
        "幸福家园小区居民反映搅拌站半夜施工",
        "幸福家园小区居民反映：附近搅拌站半夜施工，噪音很大，影响孩子学习和老人休息。",
    ),
    (
        "幸福家园小区被搅拌站噪音困扰",
        "住在幸福家园小区，每天被隔壁搅拌站的噪音吵醒，粉尘落满阳台，请环保局来检测噪音。",
    ),
    (
        "幸福家园小区旁违规搅拌站何时搬走",
        "幸福家园小区旁边的违规搅拌站何时搬走？噪音粉尘严重影响小区居民健康。",
    ),
]
STALLED = [
    (
        "阳光水岸二期项目停工烂尾",
        "阳光水岸二期楼盘停工一年多，开发商资金断裂，业主已交首付却迟迟不能交房，请政府督促复工。",
    ),
    (
        "阳光水岸二期何时复工交房",
        "购买的阳光水岸二期房子本该去年交房，工地停工至今，开发商失联，业主每月还着房贷。",
    ),
    (
        "阳光水岸二期烂尾业主求助",
        "阳光水岸二期项目烂尾，工地长期停工，数百户业主无法交房，请住建部门介入督促开发商复工。",
    ),
    (
        "请督促阳光水岸二期开发商复工",
        "阳光水岸二期楼盘停工两年，开发商拖欠工程款，工地荒废，业主交了房款却拿不到房子。",
    ),
    (
        "阳光水岸二期停工业主无房可住",
        "我们是阳光水岸二期的业主，项目停工烂尾，开发商不露面，希望政府尽快协调复工交房。",
    ),
]
OTHER = [
    ("咨询社保卡补办流程", "社保卡丢失了，请问在哪里补办，需要带什么材料，多久能拿到新卡？"),
    ("公交12路能否延长运营时间", "公交12路末班车太早，晚上下班后没有车坐，建议延长运营时间到晚上十点。"),
    ("医院挂号难问题", "市第一人民医院专家号很难挂上，网上预约一放号就没了，希望增加号源。"),
    ("建议增设公共自行车站点", "建议在火车站和体育馆附近增设公共自行车站点，方便市民绿色出行。"),
    ("农村低保申请条件", "请问农村低保的申请条件是什么？家里老人生病，收入很低，能否申请？"),
    ("路灯损坏无人维修", "滨江大道北段的路灯坏了一个多月，晚上一片漆黑，行人很不安全。"),
    ("二手房过户税费咨询", "购买二手房过户需要缴纳哪些税费？满五唯一的房子契税怎么算？"),
    ("幼儿园收费过高", "某民办幼儿园每学期收费一万多元，还要另交兴趣班费用，收费是否合规？"),
]


def messages(likes_on_stalled: int = 0) -> list[Message]:
    out: list[Message] = []
    for i, (title, text) in enumerate(NOISE):
        out.append(Message(f"n{i}", title, text, T0 + timedelta(days=20 + i), author=f"noise{i}"))
    for i, (title, text) in enumerate(STALLED):
        out.append(
            Message(
                f"s{i}", title, text, T0 + timedelta(days=3 * i), likes=likes_on_stalled, author=f"owner{i}"
            )
        )
    for i, (title, text) in enumerate(OTHER):
        out.append(Message(f"o{i}", title, text, T0 + timedelta(days=2 * i + 1), author=f"other{i}"))
    return out


def topic_containing(model: TopicModel, message_id: str):  # type: ignore[no-untyped-def]
    tid = model.topic_of(message_id)
    return next(t for t in model.topics() if t.id == tid)


@pytest.fixture(scope="module")
def fitted() -> TopicModel:
    model = TopicModel()
    model.fit(messages())
    return model


def test_noise_complaints_form_one_topic_without_strangers(fitted: TopicModel) -> None:
    topic = topic_containing(fitted, "n0")
    assert sorted(topic.members) == sorted(f"n{i}" for i in range(len(NOISE)))
    assert topic.size == 8 and topic.authors == 8


def test_noise_topic_is_the_hottest_and_named_after_its_concern(fitted: TopicModel) -> None:
    hottest = fitted.topics(1)[0]
    assert hottest.members[0].startswith("n") and hottest.size == 8
    assert "搅拌站" in hottest.keywords or "噪音" in hottest.keywords
    assert "幸福家园小区" in hottest.place
    assert hottest.title in {title for title, _ in NOISE}


def test_stalled_project_forms_its_own_topic(fitted: TopicModel) -> None:
    topic = topic_containing(fitted, "s0")
    assert sorted(topic.members) == sorted(f"s{i}" for i in range(len(STALLED)))


def test_unrelated_messages_stay_alone(fitted: TopicModel) -> None:
    for i in range(len(OTHER)):
        assert topic_containing(fitted, f"o{i}").size == 1


def test_topics_are_sorted_by_heat_and_top_limits(fitted: TopicModel) -> None:
    heats = [t.heat for t in fitted.topics()]
    assert heats == sorted(heats, reverse=True)
    assert len(fitted.topics(3)) == 3


def test_likes_raise_heat() -> None:
    plain, liked = TopicModel(), TopicModel()
    plain.fit(messages())
    liked.fit(messages(likes_on_stalled=40))
    assert topic_containing(liked, "s0").heat > topic_containing(plain, "s0").heat
    assert topic_containing(liked, "s0").likes == 40 * len(STALLED)


def test_heat_follows_the_documented_formula() -> None:
    weights = HeatWeights(per_case=1.0, per_author=2.0, per_like=0.1, recency_half_life_days=10.0)
    now = T0 + timedelta(days=10)
    model = TopicModel(weights=weights, now=now)
    model.fit(
        [
            Message("a", "搅拌站噪音扰民", "搅拌站噪音扰民严重", now, likes=10, author="u1"),
            Message("b", "搅拌站噪音扰民", "搅拌站噪音扰民严重啊", T0, likes=0, author="u1"),
        ]
    )
    (topic,) = model.topics()
    # cases: the author's latest 1 * 1, her earlier one 1 * 0.5 (a half-life old) * 0.2 (repeat);
    # likes 0.1 * 10 * 1; one author at her most recent message 2 * 1
    assert topic.heat == pytest.approx(1.0 + 0.1 + 1.0 + 2.0)


def test_repeated_posting_by_one_author_weighs_less_than_many_authors() -> None:
    texts = [("搅拌站噪音扰民", f"幸福家园小区搅拌站噪音扰民，第{i}次反映") for i in range(6)]
    one = TopicModel()
    one.fit(
        [Message(f"a{i}", t, x, T0 + timedelta(hours=i), author="same") for i, (t, x) in enumerate(texts)]
    )
    many = TopicModel()
    many.fit(
        [Message(f"a{i}", t, x, T0 + timedelta(hours=i), author=f"u{i}") for i, (t, x) in enumerate(texts)]
    )
    assert one.topics()[0].size == many.topics()[0].size == 6
    assert many.topics()[0].heat > 3 * one.topics()[0].heat


def test_no_decay_when_half_life_is_zero() -> None:
    model = TopicModel(weights=HeatWeights(recency_half_life_days=0), now=T0 + timedelta(days=999))
    model.fit([Message("a", "路灯坏了", "滨江大道路灯坏了", T0, likes=5, author="")])
    assert model.topics()[0].heat == pytest.approx(1.0 + 0.5 + 2.0)


def test_add_joins_a_similar_message_to_the_existing_topic(fitted: TopicModel) -> None:
    model = TopicModel.from_state(fitted.state())
    noise_id = model.topic_of("n0")
    new = Message(
        "n-new",
        "幸福家园小区搅拌站噪音又来了",
        "幸福家园小区旁边的搅拌站今晚又在施工，噪音扰民，粉尘严重。",
        T0 + timedelta(days=40),
        author="late",
    )
    assert model.add([new]) == [("n-new", noise_id)]
    assert topic_containing(model, "n-new").size == 9


def test_add_creates_a_new_topic_for_a_new_concern(fitted: TopicModel) -> None:
    model = TopicModel.from_state(fitted.state())
    before = {t.id for t in model.topics()}
    new = [
        Message(
            "w1",
            "城北水厂停水三天",
            "城北水厂检修，青石街一带停水三天没有提前通知，居民生活困难。",
            T0 + timedelta(days=41),
        ),
        Message(
            "w2",
            "青石街停水没有通知",
            "青石街停水三天，城北水厂检修没有提前通知居民，生活很不方便。",
            T0 + timedelta(days=42),
        ),
    ]
    (_, ta), (_, tb) = model.add(new)
    assert ta == tb and ta not in before
    assert topic_containing(model, "w1").size == 2


def test_add_is_idempotent_for_known_messages(fitted: TopicModel) -> None:
    model = TopicModel.from_state(fitted.state())
    assert model.add([messages()[0]]) == [("n0", fitted.topic_of("n0"))]
    assert topic_containing(model, "n0").size == 8


def test_state_round_trips_through_json(fitted: TopicModel) -> None:
    restored = TopicModel.from_state(json.loads(json.dumps(fitted.state(), ensure_ascii=False)))
    assert restored.topics() == fitted.topics()
    assert restored.threshold == fitted.threshold and restored.weights == fitted.weights
    probe = [Message("p", "搅拌站噪音", "幸福家园小区搅拌站噪音扰民", T0 + timedelta(days=50))]
    copy = TopicModel.from_state(fitted.state())
    assert restored.add(probe) == copy.add(probe)


def test_from_state_rejects_an_unknown_version(fitted: TopicModel) -> None:
    with pytest.raises(ValueError):
        TopicModel.from_state({**fitted.state(), "version": 999})


def test_places_are_extracted_with_their_names() -> None:
    places = extract_places("我住在A2区幸福家园小区，离建设路和东湖村都很近，孩子在第三中学读书。")
    assert {"A2区", "幸福家园小区", "建设路", "东湖村", "第三中学"} <= set(places)
    assert extract_places("我们要求政府尽快处理") == []


# ------------------------------------------------------------------------------- duplicates


def test_normalisation_drops_spacing_and_punctuation_and_folds_width() -> None:
    assert normalise_for_duplicates("噪音 扰民！！ ＡＢＣ１２３，（请）处理。") == "噪音扰民abc123请处理"
    assert normalise_for_duplicates("noise, please!\n") == "noiseplease"
    assert normalise_for_duplicates("【投诉】“搅拌站”——噪音…") == "投诉搅拌站噪音"


def _dup_messages() -> list[Message]:
    base = NOISE[0][1] + NOISE[1][1]
    return [
        Message("d1", "原帖", base, T0),
        Message("d2", "重发", " " + base.replace("，", ", ").replace("。", "!") + "\n", T0),  # exact
        Message("d3", "改了一点", base.replace("凌晨", "深夜"), T0),  # near
        *messages(),
    ]


def test_exact_and_near_duplicates_are_found() -> None:
    pairs = {(a, b): kind for a, b, kind in find_duplicates(_dup_messages())}
    assert pairs[("d1", "d2")] == "exact"
    assert pairs[("d1", "d3")] == "near" and pairs[("d2", "d3")] == "near"


def test_different_messages_are_not_paired() -> None:
    pairs = find_duplicates(_dup_messages())
    ids = {"d1", "d2", "d3"}
    assert all(a in ids and b in ids for a, b, _ in pairs)


def test_near_threshold_is_respected() -> None:
    msgs = _dup_messages()
    strict = find_duplicates(msgs, near_threshold=0.99)
    assert all(kind == "exact" for _, _, kind in strict)
