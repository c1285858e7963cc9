"""Importing historical cases from CSV and XLSX files of a previous system."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from minsheng.cases import importing
from minsheng.cases.importing import HistoricalCase, case_import, make_import_key
from minsheng.cases.models import ActorKind, Case, CaseEvent, Reply, ReplyStatus, Status
from minsheng.cases.search import search
from minsheng.cases.selectors import published_cases
from minsheng.cases.tracking import password_matches

pytestmark = pytest.mark.django_db(transaction=False)

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = ["标题", "留言内容", "留言时间", "栏目", "分类", "答复部门", "答复内容", "答复时间", "状态"]
GOOD = {
    "标题": "幸福小区电梯长期故障",
    "留言内容": "幸福小区3栋2单元的电梯坏了一个月，物业一直不修。我叫王建国，电话13812345678。",
    "留言时间": "2019/2/28 11:25:05",
    "栏目": "投诉",
    "分类": "城乡建设/住房保障",
    "答复部门": "A市住房和城乡建设局",
    "答复内容": "经核查，物业公司已于3月5日修复电梯。联系人王建国反映的问题已解决。",
    "答复时间": "2019-03-06 09:00:00",
    "状态": "已办结",
}


def row(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


def write_csv(
    path: Path, rows: list[dict[str, str]], header: list[str] = HEADER, encoding: str = "utf-8"
) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run(path: Path, *args: str, site: str = "a-city") -> str:
    out = io.StringIO()
    call_command("import_cases", str(path), "--site", site, *args, stdout=out)
    return out.getvalue()


def read_report(path: Path) -> list[list[str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))[1:]


# ---- good rows -------------------------------------------------------------------------------


def test_an_answered_row_becomes_a_closed_case_with_an_approved_reply(world, tmp_path):
    output = run(write_csv(tmp_path / "cases.csv", [row()]))

    case = Case.objects.get()
    posted = datetime(2019, 2, 28, 11, 25, 5, tzinfo=SHANGHAI)
    replied = datetime(2019, 3, 6, 9, 0, 0, tzinfo=SHANGHAI)
    assert case.status == Status.CLOSED and case.is_imported and len(case.import_key) == 64
    assert case.submitted_at == case.accepted_at == case.dispatched_at == case.received_at == posted
    assert case.replied_at == case.closed_at == replied
    assert case.due_at is None
    assert case.channel == world.complaint and case.category == world.category
    assert case.lead_department == world.dept_a
    assert case.tracking_code.startswith("20190228")
    assert case.assignments.get().department == world.dept_a
    reply = case.replies.get()
    assert reply.status == ReplyStatus.APPROVED and reply.department == world.dept_a
    assert reply.author.username == "system-import" and not reply.author.is_active
    assert not reply.author.has_usable_password()
    event = case.events.get()
    assert event.action == "import" and event.actor_kind == ActorKind.SYSTEM and event.actor is None
    assert event.data["line"] == 2 and event.data["file"] == "cases.csv"
    assert "已导入 1" in output and "imported 1" in output and "拒绝 0" in output


def test_an_imported_case_has_no_citizen_data_and_no_usable_query_password(world, tmp_path):
    run(write_csv(tmp_path / "cases.csv", [row()]))

    case = Case.objects.get()
    assert case.citizen_name == case.citizen_phone == case.citizen_email == case.citizen_digest == ""
    for password in ("", "123456"):
        assert not password_matches(case.tracking_code, password, case.query_password_digest)


def test_public_copies_of_an_imported_case_are_masked(world, tmp_path):
    run(write_csv(tmp_path / "cases.csv", [row()]))

    case = Case.objects.get()
    reply = case.replies.get()
    assert "13812345678" not in case.public_body and "王建国" not in case.public_body
    assert "3栋2单元" not in case.public_body
    assert "王建国" not in reply.public_body
    assert "13812345678" in case.body  # staff keep the original text


LIVE_AND_HISTORY = {
    "title": "幸福小区电梯长期故障，业主投诉物业",
    "body": "幸福小区3栋2单元502室的电梯坏了一个月，物业一直不修。我叫王建国，电话13812345678，"
            "邮箱wang@example.com，身份证号11010519491231002X。",
    "reply": "经核查，物业公司已于3月5日修复电梯。联系人王建国反映的问题已解决。"
             "如有疑问请致电0571-87654321或发邮件至zjj@a-city.gov.cn。",
}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_imported_and_live_cases_are_masked_alike(world, tmp_path, jobs):
    """One rule (lib.masking.mask_case_text) for both. What only the citizen's own details reveal
    (their name standing alone, without 我叫 or 联系人 before it) a live case can hide and history
    cannot, having none: so here the name comes with its context, as it usually does."""
    from minsheng.cases import actions
    from minsheng.conftest import submit_case

    texts = LIVE_AND_HISTORY
    live = submit_case(world, title=texts["title"], body=texts["body"], name="王建国", phone="13812345678",
                       email="wang@example.com").case
    actions.case_accept(live, by=world.intake)
    actions.case_dispatch(live, by=world.intake, lead=world.dept_a)
    actions.case_receive(live, by=world.handler_a)
    actions.case_submit_reply(live, by=world.handler_a, body=texts["reply"])
    actions.case_approve_reply(live, by=world.reviewer_a)
    live.refresh_from_db()
    # Through the command (one process, or worker processes) and through case_import itself.
    run(write_csv(tmp_path / "cases.csv", [row(标题=texts["title"], 留言内容=texts["body"], 答复内容=texts["reply"])]),
        "--jobs", jobs)
    direct = case_import(HistoricalCase(
        title=texts["title"], body=texts["body"], posted_at=datetime(2019, 3, 1, 9, tzinfo=SHANGHAI),
        channel=world.complaint, status=Status.CLOSED, department=world.dept_a, reply=texts["reply"],
        replied_at=datetime(2019, 3, 6, 9, tzinfo=SHANGHAI)), site=world.city)
    assert direct is not None
    imported = Case.objects.filter(is_imported=True)
    assert imported.count() == 2

    def public(case: Case) -> tuple[str, str, str]:
        return case.public_title, case.public_body, case.replies.get(status=ReplyStatus.APPROVED).public_body

    assert {public(case) for case in imported} == {public(live)}
    title, body, reply = public(live)
    assert "王建国" not in title + body + reply and "13812345678" not in body and "wang@example.com" not in body
    assert "11010519491231002X" not in body and "502" not in body
    # The department's own contacts stay in its reply, imported or not.
    assert "0571-87654321" in reply and "zjj@a-city.gov.cn" in reply


def test_an_imported_case_is_not_published_without_the_publish_option(world, tmp_path):
    run(write_csv(tmp_path / "cases.csv", [row()]))

    case = Case.objects.get()
    assert case.published_at is None and not case.wants_public
    assert not published_cases(world.city).exists()


def test_a_published_imported_case_is_listed_and_found_by_search(world, tmp_path):
    run(write_csv(tmp_path / "cases.csv", [row()]), "--publish")

    case = Case.objects.get()
    assert case.published_at == case.replied_at
    assert list(published_cases(world.city)) == [case]
    assert list(search(published_cases(world.city), "电梯故障")) == [case]
    assert not search(published_cases(world.city), "王建国").exists()  # only masked text is indexed


def test_a_row_without_a_reply_enters_intake_as_submitted(world, tmp_path):
    unanswered = row(答复部门="A市生态环境局", 答复内容="", 答复时间="", 状态="")
    output = run(write_csv(tmp_path / "cases.csv", [unanswered]), "--publish")

    case = Case.objects.get()
    assert case.status == Status.SUBMITTED
    assert case.lead_department is None and case.replied_at is None and case.published_at is None
    assert not case.replies.exists()
    # The department the old system named is kept for intake, and the case may be published once
    # it is answered, because --publish said the old portal was public.
    assert case.events.get().data["department_hint"] == world.dept_b.pk
    assert case.wants_public and case.publish_agreed
    assert "1 条无答复，进入待受理" in output


def test_a_replied_status_keeps_the_case_open_for_rating(world, tmp_path):
    run(write_csv(tmp_path / "cases.csv", [row(状态="已答复")]))

    case = Case.objects.get()
    assert case.status == Status.REPLIED and case.closed_at is None


@pytest.mark.parametrize(
    "posted_at", ["2017-06-08 17:31:20", "2019-02-28", "2019/2/28", "2019年2月28日 8:05"]
)
def test_every_documented_date_format_is_read_as_beijing_time(world, tmp_path, posted_at):
    run(write_csv(tmp_path / "cases.csv", [row(留言时间=posted_at)]))

    submitted = Case.objects.get().submitted_at.astimezone(SHANGHAI)
    assert submitted.year in (2017, 2019) and submitted.utcoffset().total_seconds() == 8 * 3600


def test_channel_department_and_category_are_matched_by_their_other_names(world, tmp_path):
    world.dept_b.short_name = "环保局"
    world.dept_b.save()
    rows = [
        row(标题="按英文栏目类型", 栏目="inquiry", 答复部门="环保局", 分类="住房保障"),
        row(标题="按栏目名称", 栏目="市长信箱", 答复部门="A1区城市管理局", 分类="城乡建设"),
        row(标题="按中文栏目类型", 栏目="领导信箱", 分类=""),
    ]
    output = run(write_csv(tmp_path / "cases.csv", rows))

    assert "拒绝 0" in output, output
    first, second, third = (Case.objects.get(title=r["标题"]) for r in rows)
    assert first.channel == world.inquiry and first.lead_department == world.dept_b
    assert first.category == world.category
    assert second.channel == world.mailbox and second.lead_department == world.district_dept
    assert second.category == world.category.parent
    assert third.channel == world.mailbox and third.category is None


# ---- bad rows --------------------------------------------------------------------------------

BAD_ROWS = [
    (row(标题=""), "标题为空", "title is empty"),
    (row(标题="长" * 101), "标题超过100字", "title is longer than 100 characters"),
    (row(留言内容=""), "留言内容为空", "text is empty"),
    (row(留言内容="字" * 10_001), "留言内容超过10000字", "text is longer than 10,000 characters"),
    (row(留言时间=""), "缺少留言时间", "posted_at is missing"),
    (row(留言时间="去年春天"), "留言时间“去年春天”无法识别", "posted_at “去年春天” is not a date"),
    (row(留言时间="2019/2/30"), "留言时间“2019/2/30”无法识别", "is not a date"),
    (row(留言时间="2999-01-01 08:00:00", 答复时间=""), "留言时间晚于当前时间", "posted_at is in the future"),
    (row(栏目="网上信访"), "栏目“网上信访”不存在", "unknown channel “网上信访”"),
    (row(栏目=""), "缺少栏目", "channel is missing"),
    (row(分类="城乡建设/教育"), "分类“城乡建设/教育”不存在", "unknown category"),
    (row(答复部门="A市教育局"), "部门“A市教育局”不存在", "unknown department “A市教育局”"),
    (row(答复部门=""), "有答复但没有答复部门", "the reply has no department"),
    (row(答复时间=""), "有答复但缺少答复时间", "the reply has no replied_at"),
    (row(答复时间="2019-02-27 10:00:00"), "答复时间早于留言时间", "replied_at is before posted_at"),
    (row(答复内容="", 状态=""), "有答复时间但没有答复内容", "replied_at is given but the reply is empty"),
    (row(答复内容="", 答复时间="", 状态="已办结"), "状态为“已办结”但没有答复内容", "needs a reply"),
    (row(状态="待受理"), "有答复的留言状态不能是“待受理”", "cannot have status"),
    (row(状态="处理中"), "状态“处理中”无法识别", "unknown status “处理中”"),
]


def test_each_kind_of_bad_row_is_reported_with_its_line_and_reason(world, tmp_path):
    rows = [row(), *(bad for bad, _zh, _en in BAD_ROWS)]
    report = tmp_path / "report.csv"
    output = run(write_csv(tmp_path / "cases.csv", rows), "--report", str(report))

    assert Case.objects.count() == 1
    lines = read_report(report)
    assert [int(line[0]) for line in lines] == list(range(3, 3 + len(BAD_ROWS)))
    for (_bad, zh, en), (_number, reason_zh, reason_en, _title) in zip(BAD_ROWS, lines, strict=True):
        assert zh in reason_zh and en in reason_en
    assert f"拒绝 {len(BAD_ROWS)}" in output and f"rejected {len(BAD_ROWS)}" in output
    assert "第17行：答复时间早于留言时间 / line 17: replied_at is before posted_at" in output


def test_a_row_with_several_problems_lists_them_all(world, tmp_path):
    report = tmp_path / "report.csv"
    run(write_csv(tmp_path / "cases.csv", [row(标题="", 栏目="网上信访")]), "--report", str(report))

    (line,) = read_report(report)
    assert line[1] == "标题为空；栏目“网上信访”不存在"
    assert line[2] == "title is empty; unknown channel “网上信访”"


def test_a_csv_row_shifted_by_an_unquoted_comma_is_rejected(world, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        "标题,留言内容,留言时间,栏目\n路灯不亮,人民路,上的路灯坏了,2019-02-28,投诉\n", encoding="utf-8"
    )
    output = run(path)

    assert not Case.objects.exists()
    assert "第2行：本行有5列，表头只有4列" in output


# ---- repeats and interruptions ---------------------------------------------------------------


def test_running_the_same_import_twice_creates_no_duplicates(world, tmp_path):
    path = write_csv(tmp_path / "cases.csv", [row(), row(标题="另一条留言")])
    run(path)
    output = run(path)

    assert Case.objects.count() == 2 and CaseEvent.objects.count() == 2 and Reply.objects.count() == 2
    assert "已导入 0" in output and "已存在跳过 2" in output


def test_a_repeated_row_within_a_file_is_imported_once(world, tmp_path):
    output = run(write_csv(tmp_path / "cases.csv", [row(), row(留言内容=GOOD["留言内容"] + "  ")]))

    assert Case.objects.count() == 1
    assert "文件内重复 1" in output


def test_the_same_message_from_a_csv_and_an_xlsx_export_has_the_same_key(world, tmp_path):
    run(write_csv(tmp_path / "cases.csv", [row()]))
    # Excel keeps times as fractions of a day; 11:25:05 can come back a microsecond early.
    almost = datetime(2019, 2, 28, 11, 25, 4, 999_999)
    output = run(write_xlsx(tmp_path / "cases.xlsx", [row(留言时间=almost)]))

    assert Case.objects.count() == 1 and "已存在跳过 1" in output


def test_an_interrupted_import_keeps_committed_batches_and_a_rerun_finishes_it(world, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "cases.csv", [row(标题=f"第{i}条留言") for i in range(5)])
    real_import = importing.case_import
    calls = {"n": 0}

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real_import(*args, **kwargs)

    from minsheng.cases.management.commands import import_cases

    monkeypatch.setattr(import_cases, "case_import", interrupted)
    with pytest.raises(CommandError, match="已中断：已导入 2 行"):
        run(path, "--batch-size", "2")
    assert Case.objects.count() == 2  # the first batch; the second was rolled back

    monkeypatch.setattr(import_cases, "case_import", real_import)
    output = run(path, "--batch-size", "2")
    assert Case.objects.count() == 5 and "已导入 3" in output and "已存在跳过 2" in output


def test_case_import_returns_none_for_a_case_already_imported(world):
    data = HistoricalCase(
        title="路灯不亮", body="人民路上的路灯坏了。", posted_at=datetime(2019, 1, 1, tzinfo=SHANGHAI),
        channel=world.complaint, status=Status.SUBMITTED,
    )
    assert case_import(data, site=world.city) is not None
    assert case_import(data, site=world.city) is None
    expected = make_import_key("a-city", "路灯不亮", "人民路上的路灯坏了。", data.posted_at)
    assert Case.objects.get().import_key == expected


# ---- encodings and formats -------------------------------------------------------------------


def test_a_gb18030_file_from_chinese_excel_is_read(world, tmp_path):
    output = run(write_csv(tmp_path / "cases.csv", [row(标题="䶮字与𠀀字也能读")], encoding="gb18030"))

    assert "已导入 1" in output
    assert Case.objects.get().title == "䶮字与𠀀字也能读"


def test_a_utf8_file_with_a_byte_order_mark_is_read(world, tmp_path):
    run(write_csv(tmp_path / "cases.csv", [row()], encoding="utf-8-sig"))

    assert Case.objects.count() == 1


def write_xlsx(path: Path, rows: list[dict[str, object]], header: list[str] = HEADER) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append([values.get(column) for column in header])
    workbook.save(path)
    return path


def test_an_xlsx_file_with_native_datetime_cells_is_read(world, tmp_path):
    rows = [row(留言时间=datetime(2019, 2, 28, 11, 25, 5), 答复时间=datetime(2019, 3, 6, 9, 0))]
    # Saved under a .csv name: the format is judged by the content.
    run(write_xlsx(tmp_path / "export.csv", rows))

    case = Case.objects.get()
    assert case.submitted_at == datetime(2019, 2, 28, 11, 25, 5, tzinfo=SHANGHAI)
    assert case.replied_at == datetime(2019, 3, 6, 9, 0, tzinfo=SHANGHAI)


def test_teddy_style_columns_import_with_a_default_channel_and_department(world, tmp_path):
    header = ["source_id", "user", "title", "posted_at", "text", "reply", "replied_at"]
    rows = [{
        "source_id": "2549", "user": "A00045581", "title": "景蓉华苑物业管理有问题",
        "posted_at": "2019/4/25 9:32:09", "text": "小区物业要退出小区。", "reply": "已责成街道处理。",
        "replied_at": "2019/5/10 14:56:53",
    }]
    path = write_csv(tmp_path / "teddy.csv", rows, header=header)
    output = run(path, "--default-channel", "complaint", "--default-department", "A市住房和城乡建设局")

    case = Case.objects.get()
    assert "拒绝 0" in output
    assert case.channel == world.complaint and case.lead_department == world.dept_a
    assert case.events.get().data["source_id"] == "2549"


def test_columns_can_be_mapped_to_other_headers(world, tmp_path):
    header = ["主题词", "详细描述", "日期"]
    rows = [{"主题词": "路灯不亮", "详细描述": "人民路路灯坏了。", "日期": "2019-02-28"}]
    path = write_csv(tmp_path / "cases.csv", rows, header=header)
    run(path, "--columns", "title=主题词,text=详细描述,posted_at=日期", "--default-channel", "投诉")

    assert Case.objects.get().title == "路灯不亮"


def test_the_importing_member_of_staff_is_the_actor_of_the_audit_event(world, tmp_path):
    run(write_csv(tmp_path / "cases.csv", [row()]), "--user", "admin")

    event = CaseEvent.objects.get()
    assert event.actor == world.admin and event.actor_kind == ActorKind.STAFF


def test_a_dry_run_validates_and_reports_but_writes_nothing(world, tmp_path):
    report = tmp_path / "report.csv"
    path = write_csv(tmp_path / "cases.csv", [row(), row(标题="")])
    output = run(path, "--dry-run", "--report", str(report))

    assert not Case.objects.exists() and not CaseEvent.objects.exists()
    assert "试运行" in output and "可导入 1" in output and "would import 1" in output
    assert [line[0] for line in read_report(report)] == ["3"]


# ---- bad files -------------------------------------------------------------------------------


def test_a_garbage_file_is_refused_with_a_clear_error(world, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(CommandError, match=r"文件不是 CSV 或 XLSX 表格|无法识别文件编码"):
        run(path)


def test_binary_garbage_inside_a_csv_is_refused(world, tmp_path):
    path = write_csv(tmp_path / "cases.csv", [row()])
    path.write_bytes(path.read_bytes() + b"\x00\x01\x02garbage\xff\xfe")
    with pytest.raises(CommandError, match="二进制数据"):
        run(path)


def xlsx_without_sheets(path: Path) -> Path:
    source = write_xlsx(path.with_suffix(".tmp"), [row()])
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as stripped:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/workbook.xml":
                text = data.decode()
                start, end = text.index("<sheets>"), text.index("</sheets>") + len("</sheets>")
                data = (text[:start] + "<sheets/>" + text[end:]).encode()
            stripped.writestr(item, data)
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的"),
        (b"\n\n  \n", "文件是空的"),
        ("姓名,电话\n张三,123\n".encode(), "表头缺少必需的列：标题、内容、留言时间"),
        ("标题,标题,留言内容,留言时间\n".encode(), "对应了多个列"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, r"旧版 Excel（\.xls）"),
        ("标题".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04 not really a zip", "不是有效的 XLSX"),
    ],
    ids=["empty", "blank", "wrong-header", "double-column", "xls", "utf16", "bad-zip"],
)
def test_a_bad_file_is_refused_with_a_bilingual_error(world, tmp_path, content, message):
    path = tmp_path / "cases.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as error:
        run(path)
    assert " / " in str(error.value)  # Chinese / English


def test_a_missing_file_is_refused(world, tmp_path):
    with pytest.raises(CommandError, match=r"文件不存在：.* / file not found"):
        run(tmp_path / "nowhere.csv")


def test_an_xlsx_file_without_sheets_is_refused(world, tmp_path):
    with pytest.raises(CommandError, match="XLSX 文件中没有工作表 / the XLSX file has no sheet"):
        run(xlsx_without_sheets(tmp_path / "cases.xlsx"))


def test_an_unknown_site_or_default_is_refused_before_reading(world, tmp_path):
    path = write_csv(tmp_path / "cases.csv", [row()])
    with pytest.raises(CommandError, match="站点“nowhere”不存在"):
        run(path, site="nowhere")
    with pytest.raises(CommandError, match="部门“A市教育局”不存在"):
        run(path, "--default-department", "A市教育局")
    with pytest.raises(CommandError, match="--columns 写法有误"):
        run(path, "--columns", "headline=标题")
