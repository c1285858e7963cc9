"""Routing model on a small synthetic corpus (no real data, no Django)."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pytest

from minsheng.insights import routing, textprep
from minsheng.insights.routing import Prediction, Router, RouterFormatError

# Six subjects, fifteen short invented messages each: (title, text).
_SUBJECTS: dict[str, list[str]] = {
    "交通": [
        "道路坑洼不平，车辆经过颠簸",
        "路口红绿灯坏了没人修",
        "公交车班次太少等车很久",
        "高速公路出口经常堵车",
        "马路中间的井盖丢失很危险",
        "建议增加地铁线路站点",
        "人行道被占用行人只能走机动车道",
        "桥梁护栏损坏需要维修",
        "出租车拒载乱收费",
        "道路施工围挡长期不拆",
        "公交站台没有遮雨棚",
        "路灯不亮夜里开车看不清",
        "交通信号灯时间设置不合理",
        "乡村公路年久失修",
        "停车位太少车辆乱停",
    ],
    "教育": [
        "学校食堂饭菜质量差",
        "孩子上小学学位紧张",
        "幼儿园收费太高",
        "老师课外有偿补课",
        "中学作业负担太重",
        "学校操场年久失修",
        "教师工资迟迟不发",
        "希望新建一所公办小学",
        "校车安全无人监管",
        "学生课业压力太大",
        "中考招生政策不透明",
        "学校周边有网吧",
        "幼儿园入园报名困难",
        "民办学校乱收费",
        "大学毕业生学历认证",
    ],
    "劳动": [
        "公司拖欠工资三个月",
        "老板不给缴纳社保",
        "农民工工资被克扣",
        "养老保险怎么转移",
        "失业保险金如何领取",
        "单位不签劳动合同",
        "加班没有加班费",
        "退休金计算有误",
        "工伤认定流程太慢",
        "医保异地报销困难",
        "辞退员工不给补偿",
        "最低工资标准调整",
        "社保断缴如何补缴",
        "公积金提取被拒绝",
        "招聘存在就业歧视",
    ],
    "环保": [
        "工厂排放废气气味刺鼻",
        "河水被污水染黑",
        "夜间施工噪音扰民",
        "垃圾焚烧烟雾很大",
        "养猪场粪便污染水源",
        "化工厂偷排废水",
        "餐馆油烟污染严重",
        "工地扬尘污染空气",
        "小区旁边垃圾堆放发臭",
        "砍伐树木破坏绿化",
        "河道有死鱼漂浮",
        "采石场粉尘太大",
        "企业夜间偷偷排污",
        "噪声超标影响休息",
        "土壤被重金属污染",
    ],
    "卫生": [
        "医院看病排队太久",
        "医生态度恶劣",
        "药品价格太贵",
        "乡镇卫生院缺少医生",
        "疫苗接种预约困难",
        "医院乱收检查费",
        "二胎生育登记手续",
        "急救车来得太慢",
        "诊所无证行医",
        "住院费用报销问题",
        "医院停车难",
        "独生子女奖励扶助",
        "社区医院设备陈旧",
        "护士人手不足",
        "食品卫生许可检查",
    ],
    "旅游": [
        "景区门票价格太高",
        "导游强迫游客购物",
        "旅行社合同欺诈",
        "景区厕所太脏",
        "旅游旺季景点拥挤",
        "酒店价格虚高宰客",
        "古镇商业化太严重",
        "景区缆车安全隐患",
        "农家乐卫生条件差",
        "旅游大巴超载",
        "商场销售假冒商品",
        "超市价格标签不符",
        "网购商品质量差退货难",
        "景区停车收费太贵",
        "民宿无证经营",
    ],
}


def _corpus() -> tuple[list[str], list[str], list[str]]:
    titles: list[str] = []
    texts: list[str] = []
    labels: list[str] = []
    for label, items in _SUBJECTS.items():
        for i, item in enumerate(items):
            # Half with a title (typed messages), half pre-cleaned without one.
            titles.append(item[:6] if i % 2 else "")
            texts.append(f"您好，{item}，希望有关部门尽快处理。谢谢！")
            labels.append(label)
    return titles, texts, labels


@pytest.fixture(scope="module")
def router() -> Router:
    return Router.train(*_corpus(), seed=0)


def test_router_knows_all_labels(router: Router) -> None:
    assert set(router.labels) == set(_SUBJECTS)


def test_router_routes_unseen_messages_to_the_right_subject(router: Router) -> None:
    preds = router.predict(
        ["小区门口道路破损", "", "工资", "污水"],
        [
            "道路坑洼很多，公交车也很少",
            "孩子上幼儿园学位紧张，学校收费太高",
            "老板拖欠工资不缴社保",
            "化工厂排放污水，河水发臭",
        ],
    )
    assert [p.label for p in preds] == ["交通", "教育", "劳动", "环保"]


def test_confidence_is_a_probability_and_top3_is_sorted(router: Router) -> None:
    titles, texts, _ = _corpus()
    for pred in router.predict(titles, texts):
        assert isinstance(pred, Prediction)
        assert 0.0 <= pred.confidence <= 1.0
        assert len(pred.top3) == 3
        scores = [s for _, s in pred.top3]
        assert scores == sorted(scores, reverse=True)
        assert pred.top3[0] == (pred.label, pred.confidence)
        assert len({label for label, _ in pred.top3}) == 3
        assert all(0.0 <= s <= 1.0 for s in scores)


def test_probabilities_sum_to_one(router: Router) -> None:
    proba = router.predict_proba(["景区门票"], ["门票太贵"])
    assert proba.shape == (1, len(router.labels))
    assert proba.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("title", "text"), [("", ""), ("   ", "\n\t "), ("，。！", "？？"), ("A市", "的了吗")]
)
def test_empty_or_meaningless_text_gets_a_prediction_without_crashing(
    router: Router, title: str, text: str
) -> None:
    [pred] = router.predict([title], [text])
    assert pred.label in router.labels
    assert 0.0 <= pred.confidence <= 1.0


def test_predicting_nothing_returns_nothing(router: Router) -> None:
    assert router.predict([], []) == []


def test_save_and_load_give_the_same_predictions(router: Router, tmp_path: Path) -> None:
    path = tmp_path / "router.joblib"
    router.save(path)
    loaded = Router.load(path)
    titles, texts, _ = _corpus()
    assert loaded.labels == router.labels
    assert loaded.predict(titles, texts) == router.predict(titles, texts)


def test_loading_a_file_of_another_format_version_is_refused(router: Router, tmp_path: Path) -> None:
    path = tmp_path / "router.joblib"
    router.save(path)
    payload = joblib.load(path)
    payload["format_version"] = routing.FORMAT_VERSION + 1
    joblib.dump(payload, path)
    with pytest.raises(RouterFormatError, match="format version"):
        Router.load(path)


def test_loading_something_that_is_not_a_router_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.joblib"
    joblib.dump({"hello": "world"}, path)
    with pytest.raises(RouterFormatError):
        Router.load(path)
    garbage = tmp_path / "garbage.joblib"
    garbage.write_bytes(b"not a pickle at all")
    with pytest.raises(RouterFormatError):
        Router.load(garbage)


def test_training_is_deterministic_for_a_seed() -> None:
    corpus = _corpus()
    a = Router.train(*corpus, seed=7)
    b = Router.train(*corpus, seed=7)
    probe = (["公交", "", "景区"], ["路灯不亮", "医院排队", "门票太贵"])
    assert a.predict(*probe) == b.predict(*probe)


def test_training_refuses_a_single_label_or_mismatched_inputs() -> None:
    with pytest.raises(ValueError):
        Router.train(["", ""], ["道路", "公交"], ["交通", "交通"])
    with pytest.raises(ValueError):
        Router.train([""], ["道路", "公交"], ["交通", "教育"])


def test_training_with_a_label_seen_once_still_works() -> None:
    titles, texts, labels = _corpus()
    router = Router.train([*titles, ""], [*texts, "殡葬改革火化政策"], [*labels, "民政"], seed=0)
    [pred] = router.predict([""], ["道路坑洼不平"])
    assert "民政" in router.labels
    assert 0.0 <= pred.confidence <= 1.0


def test_evaluate_reports_per_class_scores_macro_f1_and_accuracy() -> None:
    result = routing.evaluate(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert result["accuracy"] == pytest.approx(0.75)
    assert result["per_class"]["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }
    assert result["per_class"]["b"]["precision"] == pytest.approx(2 / 3)
    assert result["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)


def test_stratified_split_keeps_label_shares_and_is_deterministic() -> None:
    labels = ["a"] * 50 + ["b"] * 30 + ["c"] * 2 + ["d"]
    train, test = routing.stratified_split(labels, test_size=0.1, seed=3)
    assert sorted(train + test) == list(range(len(labels)))
    assert not set(train) & set(test)
    test_labels = [labels[i] for i in test]
    assert test_labels.count("a") == 5 and test_labels.count("b") == 3
    assert test_labels.count("c") == 1 and test_labels.count("d") == 0
    assert routing.stratified_split(labels, test_size=0.1, seed=3) == (train, test)
    assert routing.stratified_split(labels, test_size=0.1, seed=4) != (train, test)


def test_normalize_folds_width_case_and_whitespace() -> None:
    assert textprep.normalize("ＡＢＣ１２３　 Hello\n\nWorld_x000D_") == "abc123 hello world"
    assert textprep.normalize("A3区和B市", mask_places=True) == "区和市"
    assert textprep.normalize("") == ""


def test_tokenizer_drops_punctuation_and_function_words() -> None:
    tokens = textprep.content_tokens("我们的小区垃圾没有人清理！")
    assert "的" not in tokens and "！" not in tokens and "我们" not in tokens
    assert "垃圾" in tokens
    assert textprep.tokenize("") == []
    assert "!" in textprep.tokenize("垃圾！")  # NFKC folds full-width punctuation


def test_user_words_are_kept_whole() -> None:
    word = "雨花亭街道办事处"
    textprep.set_user_words([word, "  ", ""])
    assert word in textprep.tokenize(f"{word}不作为")


def _margins_with_temperature(rng: np.random.Generator, n: int, temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """Margins that are `temperature` times the true logits of the labels drawn from them."""
    logits = rng.normal(0.0, 2.0, size=(n, 4))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    truth = np.array([rng.choice(4, p=row) for row in p])
    return logits * temperature, truth


def test_the_fitted_temperature_turns_margins_into_the_probabilities_they_came_from() -> None:
    rng = np.random.default_rng(0)
    margins, truth = _margins_with_temperature(rng, 4000, 3.0)
    assert routing._fit_temperature(margins, truth, np.ones(len(truth), dtype=bool)) == pytest.approx(3.0, rel=0.1)


def test_the_temperature_is_fitted_on_the_selected_rows_only() -> None:
    rng = np.random.default_rng(1)
    typed, typed_truth = _margins_with_temperature(rng, 3000, 3.0)
    history, history_truth = _margins_with_temperature(rng, 3000, 0.5)
    rows = np.r_[np.ones(3000, dtype=bool), np.zeros(3000, dtype=bool)]
    fitted = routing._fit_temperature(np.vstack([typed, history]), np.r_[typed_truth, history_truth], rows)
    assert fitted == pytest.approx(3.0, rel=0.1)


def _title_block(router: Router, title: str, text: str) -> np.ndarray:
    features = router._features
    row = features.transform([routing._prepare(title, text)]).toarray()[0]
    return row[len(features.message.vocabulary_):]


def test_the_title_block_counts_half_when_few_training_messages_have_a_title(router: Router) -> None:
    # The corpus gives 7 of 15 messages a title: the title weights would come from a minority.
    assert np.linalg.norm(_title_block(router, "道路破损", "道路坑洼")) == pytest.approx(0.5, abs=1e-6)


def test_the_title_block_counts_fully_when_most_training_messages_have_one() -> None:
    titles, texts, labels = _corpus()
    typed = Router.train([t or x[3:9] for t, x in zip(titles, texts, strict=True)], texts, labels, seed=0)
    assert np.linalg.norm(_title_block(typed, "道路破损", "道路坑洼")) == pytest.approx(1.0, abs=1e-6)


def test_a_model_saved_before_the_title_weight_existed_predicts_as_it_did() -> None:
    titles, texts, labels = _corpus()
    typed = Router.train([t or x[3:9] for t, x in zip(titles, texts, strict=True)], texts, labels, seed=0)
    before = typed.predict_proba(titles, texts)
    del typed._features.title_weight  # the attribute older pickles lack
    assert np.allclose(typed.predict_proba(titles, texts), before)


def _margins_with_a_shy_class(rng: np.random.Generator, n: int, shift: float) -> tuple[np.ndarray, np.ndarray]:
    """Margins of 4 classes where the true class stands out by 1, plus noise, and class 3's margin is
    always `shift` too low: a one-vs-rest model that under-scores one class."""
    truth = rng.choice(4, size=n)
    margins = rng.normal(0.0, 0.4, size=(n, 4))
    margins[np.arange(n), truth] += 1.0
    margins[:, 3] -= shift
    return margins, truth


def test_class_offsets_give_back_what_an_under_scored_class_loses() -> None:
    margins, truth = _margins_with_a_shy_class(np.random.default_rng(2), 4000, 0.4)
    offsets = routing.class_offsets(margins, truth)
    # Only differences between offsets matter: class 3 gets back about the 0.4 it lost.
    assert 0.25 <= offsets[3] - offsets[[0, 1, 2]].mean() <= 0.55
    before = routing._macro_f1(truth, np.argmax(margins, axis=1), 4)
    after = routing._macro_f1(truth, np.argmax(margins + offsets, axis=1), 4)
    assert after > before + 0.01


def test_class_offsets_never_lower_the_score_of_the_margins_they_were_chosen_on() -> None:
    rng = np.random.default_rng(3)
    for _ in range(5):
        margins, truth = _margins_with_a_shy_class(rng, 300, float(rng.uniform(-0.5, 0.5)))
        offsets = routing.class_offsets(margins, truth)
        assert routing._macro_f1(truth, np.argmax(margins + offsets, axis=1), 4) >= routing._macro_f1(
            truth, np.argmax(margins, axis=1), 4)


def test_a_class_with_too_few_messages_keeps_offset_zero() -> None:
    margins, truth = _margins_with_a_shy_class(np.random.default_rng(4), 4000, 0.3)
    offsets = routing.class_offsets(margins, truth, adjustable=np.array([True, True, True, False]))
    assert offsets[3] == 0.0


def test_the_small_synthetic_corpus_is_too_small_for_offsets(router: Router) -> None:
    # 15 messages per subject, under Router.MIN_FOR_OFFSET: every offset stays 0.
    assert router._model.offsets is not None
    assert not router._model.offsets.any()


def test_offsets_are_chosen_when_classes_are_large_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Router, "MIN_FOR_OFFSET", 2)
    trained = Router.train(*_corpus(), seed=0)
    assert trained._model.offsets.shape == (len(trained.labels),)
    monkeypatch.setattr(Router, "OFFSET_SPLITS", 0)
    assert Router.train(*_corpus(), seed=0)._model.offsets is None


def test_offsets_shift_the_margins_before_the_softmax(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Router, "MIN_FOR_OFFSET", 2)
    titles, texts, labels = _corpus()
    trained = Router.train(titles, texts, labels, seed=0)
    model = trained._model
    X = trained._features.transform([routing._prepare(t, x) for t, x in zip(titles, texts, strict=True)])
    expected = routing._softmax((model.model.decision_function(X) + model.offsets) / model.temperature)
    assert np.allclose(trained.predict_proba(titles, texts), expected)


def test_a_model_saved_before_the_offsets_existed_predicts_from_its_margins_alone(router: Router) -> None:
    titles, texts, _labels = _corpus()
    model = router._model
    saved = model.offsets
    try:
        del model.offsets  # the attribute older pickles lack
        X = router._features.transform([routing._prepare(t, x) for t, x in zip(titles, texts, strict=True)])
        expected = routing._softmax(model.model.decision_function(X) / model.temperature)
        assert np.allclose(router.predict_proba(titles, texts), expected)
    finally:
        model.offsets = saved
