"""Reply checks: each fires for a stated reason and stays quiet on a good reply."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from minsheng.insights import replycheck as rc

QUESTION = "幸福家园小区旁的混凝土搅拌站每天夜里施工到凌晨两点，噪音很大，请相关部门处理。"
GOOD = (
    "网友您好！您反映的幸福家园小区旁搅拌站夜间施工噪音问题已收悉。经调查核实，该搅拌站夜间施工未办理夜间施工许可，"
    "根据《中华人民共和国环境噪声污染防治法》第三十条，我局已责令其停止夜间施工。如有疑问，请致电0731-88886666。"
)
TZ = ZoneInfo("Asia/Shanghai")


def _by_code(checks: list[rc.Check]) -> dict[str, rc.Check]:
    return {c.code: c for c in checks}


def test_a_complete_relevant_reply_passes_every_check() -> None:
    checks = _by_code(rc.check_reply(QUESTION, GOOD))
    assert {code: c.level for code, c in checks.items()} == dict.fromkeys(checks, rc.PASS)
    assert "搅拌站" in checks["relevance"].reasons[0].render()
    assert "《中华人民共和国环境噪声污染防治法》" in checks["citation"].reasons[0].render()


def test_a_reply_about_something_else_fails_relevance_naming_the_missing_words() -> None:
    check = rc.check_relevance(QUESTION, "您好，关于公积金贷款额度，按规定单人最高50万元。")
    assert check.level == rc.FAIL and "搅拌站" in check.reasons[0].render()


def test_the_citizens_name_and_phone_are_not_taken_as_subject_keywords() -> None:
    check = rc.check_relevance(QUESTION + "我叫王建国，电话13812345678。", GOOD)
    assert "王建国" not in check.reasons[0].render() and "138" not in check.reasons[0].render()


def test_completeness_names_what_is_missing_and_what_matched() -> None:
    check = rc.check_completeness("经核查，已责令搅拌站夜间停工。联系电话12345。")
    assert check.level == rc.WARN
    texts = [r.render() for r in check.reasons]
    assert texts[0].startswith("Does not address the citizen")
    assert any("经核查" in t for t in texts)
    assert rc.check_completeness("收到。").level == rc.FAIL


def test_a_citation_is_a_document_title_an_article_or_a_document_number() -> None:
    for text in ("依照《物业管理条例》办理", "按第十二条执行", "见市政办发〔2020〕12号文件", "见[2019]3号"):
        assert rc.check_citation(text).level == rc.PASS, text
    vague = rc.check_citation("根据相关规定，不予受理。")
    assert vague.level == rc.WARN and "相关规定" in vague.reasons[0].render()


def test_the_citizens_phone_or_id_in_a_reply_fails_with_the_span() -> None:
    check = rc.check_personal_data("王建国您好，您的电话13812345678已登记。", citizen_name="王建国",
                                   private_values=["13812345678"])
    assert check.level == rc.FAIL
    kinds = {r.params["kind"] for r in check.reasons}
    assert {"mobile", "name"} <= kinds


def test_an_im_account_in_a_reply_fails_and_a_licence_plate_warns() -> None:
    account = rc.check_personal_data("您好，已通过微信zhangsan_1988与您联系。")
    assert account.level == rc.FAIL and {r.params["kind"] for r in account.reasons} == {"account"}
    plate = rc.check_personal_data("经查，湘A12345车辆已被告知挪车。")
    assert plate.level == rc.WARN and {r.params["kind"] for r in plate.reasons} == {"plate"}


def test_the_departments_own_landline_is_not_personal_data() -> None:
    assert rc.check_personal_data("咨询电话0731-88886666，邮箱office@gov.cn。").level == rc.PASS


def test_the_citizens_own_landline_and_email_fail_however_the_reply_spells_them() -> None:
    # Written differently from the case record, they used to pass as the office's contacts.
    check = rc.check_personal_data("已电话（0731）8888-6666联系您，材料发至ZHANG.SAN@QQ.COM。",
                                   private_values=["0731-88886666", "zhang.san@qq.com"])
    assert check.level == rc.FAIL
    assert {r.params["kind"] for r in check.reasons} == {"landline", "email"}


def test_the_offices_contacts_still_pass_next_to_the_citizens_details() -> None:
    check = rc.check_personal_data("咨询电话0731-88886666，邮箱office@gov.cn。",
                                   private_values=["13812345678", "zhang.san@qq.com"])
    assert check.level == rc.PASS


def test_sensitive_words_come_from_the_shipped_list_and_the_site_can_adjust_it() -> None:
    words = rc.load_sensitive_words()
    assert rc.check_sensitive("此事纯属无理取闹。", words).level == rc.FAIL
    site_words = rc.load_sensitive_words(extra=["踢皮球"], allowed=["无理取闹"])
    assert rc.check_sensitive("此事纯属无理取闹。", site_words).level == rc.PASS
    assert "踢皮球" in rc.check_sensitive("不要踢皮球", site_words).reasons[0].render()


def test_a_late_reply_and_a_reply_without_substance_are_flagged() -> None:
    due = datetime(2024, 5, 10, 17, 30, tzinfo=TZ)
    late = rc.check_timeliness(GOOD, due_at=due, replied_at=due + timedelta(days=2))
    assert late.level == rc.FAIL and "48" in late.reasons[0].render()
    empty = rc.check_timeliness("您好，您的问题已转交相关部门，正在处理。", due_at=None, replied_at=None)
    assert empty.level == rc.WARN and "已转交" in empty.reasons[0].render()
    assert rc.check_timeliness(GOOD, due_at=due, replied_at=due - timedelta(hours=1)).level == rc.PASS


def test_the_usual_receipt_formula_does_not_make_a_substantial_reply_look_empty() -> None:
    reply = "网友您好！您的留言已收悉。现将有关情况回复如下：会计从业资格证已取消，现在已不能换证。"
    assert rc.check_timeliness(reply, due_at=None, replied_at=None).level == rc.PASS


def test_a_forwarding_notice_is_flagged_as_without_substance() -> None:
    reply = "您好！您所反映的问题我们已经受理，并已交办给市公安局进行处理，会在处理完后对您进行回复。"
    check = rc.check_timeliness(reply, due_at=None, replied_at=None)
    assert check.level == rc.WARN and "已交办" in check.reasons[0].render()


def test_an_answer_to_an_inquiry_counts_as_saying_what_was_decided() -> None:
    check = rc.check_completeness("网友您好！按照规定，办理落户需提交社保和劳动合同，建议您等试用期满后再来办理。")
    assert not any(r.msgid.startswith("Does not say what was done") for r in check.reasons)
