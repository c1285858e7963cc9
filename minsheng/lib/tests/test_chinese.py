"""The one Chinese text layer: normalisation, one jieba instance, the user dictionary."""

from __future__ import annotations

import jieba
import pytest

from minsheng.insights import textprep
from minsheng.lib import chinese


@pytest.fixture
def no_word_source():
    yield
    chinese.set_word_source(None)


def test_full_width_characters_become_half_width_and_latin_lower_case():
    assert chinese.normalise("ＡＢＣ１２３　Ｈｅｌｌｏ") == "abc123 hello"


def test_traditional_characters_become_simplified():
    assert chinese.normalise("醫院掛號難，網路問題") == "医院挂号难,网路问题"
    assert chinese.to_simplified("幸福家园小区") == "幸福家园小区"


def test_routing_normalisation_is_the_same_layer():
    assert textprep.normalize("臺灣　ＡＢＣ") == chinese.normalise("臺灣　ＡＢＣ") == "台湾 abc"


def test_search_routing_and_masking_share_one_jieba_instance():
    assert chinese.jieba_tokenizer() is jieba.dt
    assert textprep._get_tokenizer() is jieba.dt


def test_a_user_word_stays_whole_in_search_and_routing():
    word = "翠湖湾畔嘉苑"
    chinese.add_user_words([(word, "ns")])
    assert word in chinese.segment_query(f"{word}停车难")
    assert word in textprep.content_tokens(f"{word}停车难")
    assert chinese.user_words()[word] == "ns"


def test_user_words_are_normalised_and_short_or_blank_ones_ignored():
    new = chinese.add_user_words(["  ", "", "区", "ＸＹ水務集團"])
    assert new == ["xy水务集团"]
    assert chinese.add_user_words(["ＸＹ水務集團"]) == []


def test_the_word_source_is_polled_and_its_words_used(no_word_source):
    calls = []

    def source():
        calls.append(1)
        return [("东湖观澜府", "ns")]

    chinese.set_word_source(source, ttl=3600)
    assert "东湖观澜府" in chinese.segment_query("东湖观澜府噪音")
    chinese.segment_query("再来一次")
    assert len(calls) == 1  # not again before the time-to-live


def test_a_failing_word_source_keeps_segmentation_working(no_word_source):
    def source():
        raise RuntimeError("database is down")

    before = chinese.segment_query("小区垃圾清运不及时")
    chinese.set_word_source(source, ttl=3600)
    assert chinese.segment_query("小区垃圾清运不及时") == before
    assert chinese.refresh_user_words() == []
