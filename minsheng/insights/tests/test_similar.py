"""Fingerprints for the similar-case index."""

from __future__ import annotations

from minsheng.insights import similar

NOISE = "幸福家园小区旁的混凝土搅拌站每天夜里施工到凌晨两点，噪音很大，老人孩子无法休息，请相关部门处理。"


def test_a_repost_with_small_changes_shares_a_band_and_scores_high() -> None:
    a = similar.fingerprint("搅拌站夜间噪音", NOISE)
    b = similar.fingerprint("搅拌站噪音扰民", NOISE.replace("两点", "三点") + "谢谢！")
    assert set(similar.band_keys(a.signature, "1|i")) & set(similar.band_keys(b.signature, "1|i"))
    match = similar.compare(a, b)
    assert match.score > 0.6 and "搅拌站" in match.shared_words


def test_unrelated_messages_score_low_and_share_no_band() -> None:
    a = similar.fingerprint("搅拌站夜间噪音", NOISE)
    b = similar.fingerprint("公积金贷款", "请问住房公积金贷款额度怎么计算，首付比例是多少？")
    assert not set(similar.band_keys(a.signature, "1|i")) & set(similar.band_keys(b.signature, "1|i"))
    assert similar.compare(a, b).score < 0.15


def test_keys_depend_on_the_namespace_so_sites_never_mix() -> None:
    fp = similar.fingerprint("搅拌站夜间噪音", NOISE)
    assert not set(similar.index_keys(fp, "1|i")) & set(similar.index_keys(fp, "2|i"))


def test_a_text_too_short_for_shingles_has_no_band_keys() -> None:
    fp = similar.fingerprint("", "噪音")
    assert similar.band_keys(fp.signature, "1|i") == []


def test_signatures_survive_storage() -> None:
    fp = similar.fingerprint("", NOISE)
    assert similar.signature_from_bytes(similar.signature_bytes(fp.signature)) == fp.signature
    empty = similar.fingerprint("", "")
    assert similar.signature_from_bytes(similar.signature_bytes(empty.signature)) == empty.signature


def test_place_names_are_found_even_when_jieba_splits_them() -> None:
    assert "幸福家园" in similar.place_names("我住在幸福家园，楼下很吵")
    assert "建设路" in similar.place_names("建设路的路灯坏了")
