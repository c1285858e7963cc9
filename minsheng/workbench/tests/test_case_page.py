"""The staff case page as the back office uses it: returns, contact, pauses, extensions, joint
handling, the leader's office, supervision, reminders, transfers, internal notes, reply templates,
deadlines and return visits — each form only for the role that may use it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.cases import actions, selectors
from minsheng.cases.models import (
    Case,
    CaseEvent,
    ExtensionRequest,
    Followup,
    FollowupState,
    ReplyTemplate,
    RequestState,
    ReturnRequest,
    Satisfaction,
    Status,
    Supervision,
)
from minsheng.conftest import submit_case
from minsheng.sites.models import Category, ChannelKind

pytestmark = pytest.mark.django_db

NEW_ACTIONS = (
    "return", "decide_return", "forward", "assist", "record_contact", "pause", "resume", "request_extension",
    "decide_extension", "supervise", "remind", "transfer", "note", "followup",
)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def page(client, user, case) -> str:
    client.force_login(user)
    response = client.get(reverse("workbench:case", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def post(client, user, case, name, data=None, *, version=None, prefix=True):
    """Post one action's form as the page would: the fields carry the action's name as prefix."""
    client.force_login(user)
    version = Case.objects.get(pk=case.pk).version if version is None else version
    fields = {"version": version, **(data or {})}
    if prefix:
        fields = {f"{name}-{key}": value for key, value in fields.items()}
    return client.post(reverse("workbench:act", args=[case.pk, name]), fields, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def closed_case(world, make_case, method="phone") -> tuple[Case, Followup]:
    case = make_case("replied")
    actions.case_rate(case, satisfaction=Satisfaction.SATISFIED, solved=True)
    followup = actions.case_create_followup(fresh(case), method=method)
    assert followup is not None
    return fresh(case), followup


def leave_return_window(case: Case) -> None:
    # Signed for two weeks ago: the one-working-day window is long over.
    Case.objects.filter(pk=case.pk).update(received_at=timezone.now() - timedelta(days=14))


# ---- scope ---------------------------------------------------------------------------------------


def test_handler_of_other_department_gets_404_on_every_new_action(client, world, make_case):
    open_case = make_case("processing")
    closed, followup = closed_case(world, make_case)
    client.force_login(world.handler_b)
    for case in (open_case, closed):
        for name in NEW_ACTIONS:
            url = reverse("workbench:act", args=[case.pk, name])
            response = client.post(url, {f"{name}-version": case.version, f"{name}-text": "x",
                                         f"{name}-followup": followup.pk, f"{name}-reached": "1"})
            assert response.status_code == 404, url
    assert fresh(open_case).status == Status.PROCESSING and fresh(closed).status == Status.CLOSED
    assert not CaseEvent.objects.filter(actor=world.handler_b).exists()


def test_each_role_sees_only_its_own_forms(client, world, make_case):
    case = make_case("processing")
    handler = page(client, world.handler_a, case)
    for form in ("act-return", "act-record_contact", "act-pause", "act-request_extension", "act-note", "act-reply"):
        assert f'id="{form}"' in handler, form
    for form in ("act-supervise", "act-remind", "act-transfer", "act-assist", "act-forward", "act-decide_extension"):
        assert f'id="{form}"' not in handler, form
    supervisor = page(client, world.supervisor, case)
    for form in ("act-supervise", "act-remind", "act-note"):
        assert f'id="{form}"' in supervisor, form
    for form in ("act-return", "act-pause", "act-reply", "act-transfer"):
        assert f'id="{form}"' not in supervisor, form
    intake = page(client, world.intake, case)
    assert 'id="act-remind"' in intake and 'id="act-supervise"' not in intake


# ---- the department --------------------------------------------------------------------------------


def test_a_return_inside_the_window_goes_back_to_intake_who_sees_why(client, world, make_case):
    case = make_case("processing")
    client.force_login(world.handler_a)
    response = client.get(reverse("workbench:case", args=[case.pk]))
    assert response.context["return_in_window"] is True and 'id="return-window"' in response.content.decode()
    response = post(client, world.handler_a, case, "return", {"text": "属生态环境局职责"})
    case = fresh(case)
    assert case.status == Status.RETURNED and case.lead_department is None
    # The department no longer sees the case: it lands on its queues with the message.
    assert response.request["PATH_INFO"] == reverse("workbench:home")
    assert messages_of(response)
    intake = page(client, world.intake, case)
    assert 'id="returned"' in intake and "属生态环境局职责" in intake and world.dept_a.name in intake
    assert 'id="act-dispatch"' in intake
    post(client, world.intake, case, "dispatch", {"lead": world.dept_b.pk}, prefix=False)
    assert fresh(case).lead_department == world.dept_b


def test_a_late_return_becomes_a_request_that_a_supervisor_approves(client, world, make_case):
    case = make_case("processing")
    leave_return_window(case)
    client.force_login(world.handler_a)
    response = client.get(reverse("workbench:case", args=[case.pk]))
    assert response.context["return_in_window"] is False and 'id="return-window"' in response.content.decode()
    response = post(client, world.handler_a, case, "return", {"text": "不属于本部门职责"})
    assert fresh(case).status == Status.PROCESSING
    request = ReturnRequest.objects.get(case=case)
    assert request.state == RequestState.PENDING and messages_of(response)
    handler_page = page(client, world.handler_a, case)
    assert 'id="pending-return"' in handler_page and 'id="act-return"' not in handler_page
    # A handler cannot decide it; the supervisor can.
    response = post(client, world.handler_a, case, "decide_return", {"approve": "1"})
    assert messages_of(response) and ReturnRequest.objects.get().state == RequestState.PENDING
    supervisor_page = page(client, world.supervisor, case)
    assert 'id="act-decide_return"' in supervisor_page and "不属于本部门职责" in supervisor_page
    post(client, world.supervisor, case, "decide_return", {"approve": "1", "note": "同意退回"})
    assert fresh(case).status == Status.RETURNED
    assert ReturnRequest.objects.get().state == RequestState.APPROVED


def test_a_refused_late_return_leaves_the_case_with_the_department(client, world, make_case):
    case = make_case("processing")
    leave_return_window(case)
    post(client, world.handler_a, case, "return", {"text": "不属于本部门职责"})
    post(client, world.supervisor, case, "decide_return", {"approve": "0", "note": "属于住建职责"})
    assert fresh(case).status == Status.PROCESSING and fresh(case).lead_department == world.dept_a
    assert ReturnRequest.objects.get().state == RequestState.DENIED


def test_record_contact_meets_the_first_contact_deadline(client, world, make_case):
    case = make_case("processing")
    assert "act-record_contact" in page(client, world.handler_a, case)
    post(client, world.handler_a, case, "record_contact", {"text": "电话联系，约定周五现场查看"})
    assert fresh(case).first_contact_at is not None
    # Intake may not record the department's contact.
    response = post(client, world.intake, case, "record_contact", {"text": "x"})
    assert messages_of(response)
    assert CaseEvent.objects.filter(case=case, action="record_contact").count() == 1


def test_pause_shows_the_reason_to_the_citizen_and_resume_restarts_the_clock(client, world, make_case):
    case = make_case("processing")
    post(client, world.handler_a, case, "pause", {"text": "请提供噪音发生时段的录像"})
    case = fresh(case)
    assert case.status == Status.NEED_INFO and case.paused_at is not None and case.next_due_at is None
    assert CaseEvent.objects.get(case=case, action="pause").public_note == "请提供噪音发生时段的录像"
    handler_page = page(client, world.handler_a, case)
    assert 'id="paused"' in handler_page and 'id="act-resume"' in handler_page
    post(client, world.handler_a, case, "resume", {"text": "群众已通过电话补充"})
    case = fresh(case)
    assert case.status == Status.PROCESSING and case.paused_at is None and case.next_due_at is not None


def test_an_extension_is_requested_by_the_department_and_decided_by_a_supervisor(client, world, make_case):
    case = make_case("processing")
    due = case.due_at
    response = post(client, world.handler_a, case, "request_extension",
                    {"kind": "extension", "working_days": 5, "reason": "需要多部门现场核查"})
    assert messages_of(response)
    request = ExtensionRequest.objects.get(case=case)
    assert request.working_days == 5 and request.state == RequestState.PENDING
    handler_page = page(client, world.handler_a, case)
    assert 'id="pending-extension"' in handler_page and 'id="act-request_extension"' not in handler_page
    # The department cannot approve its own request.
    post(client, world.handler_a, case, "decide_extension", {"approve": "1"})
    assert ExtensionRequest.objects.get().state == RequestState.PENDING
    supervisor_page = page(client, world.supervisor, case)
    assert 'id="act-decide_extension"' in supervisor_page and "需要多部门现场核查" in supervisor_page
    post(client, world.supervisor, case, "decide_extension", {"approve": "1", "note": "同意"})
    assert ExtensionRequest.objects.get().state == RequestState.APPROVED
    assert fresh(case).due_at > due


def test_a_complex_case_gets_fifteen_working_days_on_approval(client, world, make_case):
    case = make_case("processing")
    post(client, world.handler_a, case, "request_extension", {"kind": "complex", "reason": "涉及历史遗留问题"})
    post(client, world.supervisor, case, "decide_extension", {"approve": "1"})
    case = fresh(case)
    assert case.is_complex
    from minsheng.cases.deadlines import work_calendar

    assert case.due_at == work_calendar().due_at(case.dispatched_at, working_days=15)


def test_an_extension_without_days_or_reason_gets_a_message(client, world, make_case):
    case = make_case("processing")
    response = post(client, world.handler_a, case, "request_extension", {"kind": "extension", "reason": "x"})
    assert messages_of(response) and not ExtensionRequest.objects.exists()
    response = post(client, world.handler_a, case, "request_extension", {"kind": "extension", "working_days": 3})
    assert messages_of(response) and not ExtensionRequest.objects.exists()


def test_an_assisting_department_sends_input_that_the_lead_sees(client, world, make_case):
    case = make_case("accepted")
    actions.case_dispatch(case, by=world.intake, lead=world.dept_a, assisting=[world.dept_b])
    assisting_page = page(client, world.handler_b, case)
    assert 'id="act-assist"' in assisting_page and 'id="act-return"' not in assisting_page
    assert 'id="act-assist"' not in page(client, world.handler_a, case)
    post(client, world.handler_b, case, "assist", {"text": "经查该搅拌站环评手续齐全，已要求夜间停工"})
    lead_page = page(client, world.handler_a, case)
    assert "经查该搅拌站环评手续齐全" in lead_page and f'id="input-{world.dept_b.pk}"' in lead_page
    assert world.dept_b.name in lead_page
    # The lead department is not an assisting one.
    response = post(client, world.handler_a, case, "assist", {"text": "x"})
    assert messages_of(response)


def test_the_leaders_office_forwards_with_an_instruction_the_department_sees(client, world):
    office = world.leader.office
    office_handler = User.objects.create_user("office", password="pass-for-tests-123")
    Role.objects.create(user=office_handler, kind=RoleKind.HANDLER, site=world.city, department=office)
    case = submit_case(world, channel=world.mailbox, leader=world.leader).case
    actions.case_accept(case, by=world.intake)
    assert fresh(case).lead_department == office
    office_page = page(client, office_handler, case)
    assert 'id="act-forward"' in office_page
    # An ordinary department has no forward form, and the action refuses it.
    assert 'id="act-forward"' not in page(client, world.handler_a, make_case_processing(world))
    response = post(client, office_handler, case, "forward", {"lead": world.dept_a.pk, "instruction": "请住建局牵头限期解决"})
    assert messages_of(response)
    case = fresh(case)
    assert case.lead_department == world.dept_a and case.status == Status.DISPATCHED
    department_page = page(client, world.handler_a, case)
    assert "请住建局牵头限期解决" in department_page


def make_case_processing(world) -> Case:
    from minsheng.conftest import case_in_status

    return case_in_status(world, "processing")


def test_forward_by_an_ordinary_department_is_refused(client, world, make_case):
    case = make_case("processing")
    response = post(client, world.handler_a, case, "forward", {"lead": world.dept_b.pk, "instruction": "x"})
    assert messages_of(response) and fresh(case).lead_department == world.dept_a


# ---- supervisor and intake ------------------------------------------------------------------------


def test_a_supervision_is_shown_prominently_to_the_department(client, world, make_case):
    case = make_case("processing")
    response = post(client, world.supervisor, case, "supervise", {"instruction": "三个工作日内办结并报告", "working_days": 3})
    assert messages_of(response)
    supervision = Supervision.objects.get(case=case)
    assert fresh(case).is_supervised
    department_page = page(client, world.handler_a, case)
    assert 'id="supervisions"' in department_page and "三个工作日内办结并报告" in department_page
    assert str(world.supervisor) in department_page
    assert timezone.localtime(supervision.due_at).strftime("%Y-%m-%d %H:%M") in department_page


def test_handlers_and_intake_cannot_supervise(client, world, make_case):
    case = make_case("processing")
    for user in (world.handler_a, world.intake):
        response = post(client, user, case, "supervise", {"instruction": "x", "working_days": 3})
        assert messages_of(response)
    assert not Supervision.objects.exists()


def test_a_supervision_deadline_out_of_range_gets_a_message(client, world, make_case):
    case = make_case("processing")
    response = post(client, world.supervisor, case, "supervise", {"instruction": "x", "working_days": 99})
    assert response.status_code == 200 and messages_of(response) and not Supervision.objects.exists()


def test_intake_and_supervisor_remind_the_department(client, world, make_case):
    case = make_case("processing")
    post(client, world.intake, case, "remind", {"text": "请加快办理"})
    post(client, world.supervisor, case, "remind", {})
    assert CaseEvent.objects.filter(case=case, action="remind").count() == 2
    response = post(client, world.handler_a, case, "remind", {"text": "x"})
    assert messages_of(response)
    assert CaseEvent.objects.filter(case=case, action="remind").count() == 2


def test_intake_transfers_a_case_to_a_district(client, world, make_case):
    case = make_case("accepted")
    intake_page = page(client, world.intake, case)
    assert 'id="act-transfer"' in intake_page and world.district.name in intake_page
    assert f'value="{world.city.pk}"' not in intake_page.split('id="act-transfer"')[1].split("</form>")[0]
    response = post(client, world.intake, case, "transfer", {"to_site": world.district.pk, "reason": "属区级事权"})
    case = fresh(case)
    assert case.site == world.district and case.status == Status.SUBMITTED
    # The city's intake no longer sees it: back to the queues, with the message.
    assert response.request["PATH_INFO"] == reverse("workbench:home") and messages_of(response)


def test_a_handler_cannot_transfer(client, world, make_case):
    case = make_case("processing")
    response = post(client, world.handler_a, case, "transfer", {"to_site": world.district.pk, "reason": "x"})
    assert messages_of(response) and fresh(case).site == world.city


# ---- notes, stale forms ------------------------------------------------------------------------------


def test_an_internal_note_is_in_the_staff_timeline_and_never_public(client, world, make_case):
    case = make_case("processing")
    post(client, world.handler_a, case, "note", {"text": "已与街道办沟通，等待回复"})
    staff_page = page(client, world.handler_a, case)
    timeline = staff_page.split('id="timeline"')[1]
    assert "已与街道办沟通，等待回复" in timeline and 'class="internal"' in timeline
    assert "note" not in [e.action for e in selectors.public_timeline(case)]
    # The citizen's tracking page does not show it.
    client.logout()
    session = client.session
    session["minsheng_tracked_case"] = case.pk
    session.save()
    assert "已与街道办沟通" not in client.get(reverse("portal:track_case")).content.decode()


def test_an_empty_note_gets_a_message(client, world, make_case):
    case = make_case("processing")
    response = post(client, world.handler_a, case, "note", {"text": ""})
    assert response.status_code == 200 and messages_of(response)
    assert not CaseEvent.objects.filter(action="note").exists()


@pytest.mark.parametrize(
    ("name", "user", "data"),
    [
        ("return", "handler_a", {"text": "不属于本部门"}),
        ("record_contact", "handler_a", {"text": "电话联系"}),
        ("pause", "handler_a", {"text": "请补充材料"}),
        ("request_extension", "handler_a", {"kind": "extension", "working_days": 3, "reason": "需要核查"}),
        ("supervise", "supervisor", {"instruction": "限期办结", "working_days": 3}),
    ],
)
def test_a_stale_form_is_refused_with_a_reload_message(client, world, make_case, name, user, data):
    case = make_case("processing")
    stale = case.version
    actions.case_classify(case, by=world.intake, category=world.category, priority="normal")
    before = CaseEvent.objects.filter(case=case).count()
    response = post(client, getattr(world, user), case, name, data, version=stale)
    assert CaseEvent.objects.filter(case=case).count() == before
    assert fresh(case).status == Status.PROCESSING
    assert any("reload" in m.lower() or "刷新" in m for m in messages_of(response))


def test_garbage_input_never_gives_a_500(client, world, make_case):
    case = make_case("processing")
    client.force_login(world.supervisor)
    for name in NEW_ACTIONS:
        response = client.post(reverse("workbench:act", args=[case.pk, name]),
                               {f"{name}-version": "abc", f"{name}-working_days": "many",
                                f"{name}-followup": "x", f"{name}-to_site": "999999"}, follow=True)
        assert response.status_code == 200, name


# ---- reply templates and deadlines ---------------------------------------------------------------------


def test_reply_templates_for_the_case_are_offered_with_placeholders_filled(client, world, make_case):
    case = make_case("processing")
    other_top = Category.objects.create(name="生态环境", level=1)
    ReplyTemplate.objects.create(name="通用答复", body="您反映的“{title}”问题（{code}）已收悉。{department} {date}")
    ReplyTemplate.objects.create(name="住房类", body="住房类答复", category=world.category.parent,
                                 channel_kind=ChannelKind.COMPLAINT, site=world.city)
    ReplyTemplate.objects.create(name="区级模板", body="区级", site=world.district)
    ReplyTemplate.objects.create(name="咨询模板", body="咨询", channel_kind=ChannelKind.INQUIRY)
    ReplyTemplate.objects.create(name="环境类", body="环境", category=other_top)
    ReplyTemplate.objects.create(name="停用模板", body="停用", is_active=False)
    actions.case_classify(fresh(case), by=world.intake, category=world.category, priority="normal")
    handler_page = page(client, world.handler_a, fresh(case))
    today = timezone.localdate()
    filled = (f"您反映的“{case.title}”问题（{case.tracking_code}）已收悉。{world.dept_a.name} "
              f"{today.year}年{today.month}月{today.day}日")
    assert filled.replace("“", "&ldquo;") in handler_page or filled in handler_page
    assert "住房类答复" in handler_page
    for hidden in ("区级模板", "咨询模板", "环境类", "停用模板"):
        assert hidden not in handler_page, hidden
    assert 'id="reply-template"' in handler_page and "minsheng/case.js" in handler_page
    # Only the people who write the reply get the templates.
    assert 'id="reply-templates"' not in page(client, world.supervisor, fresh(case))


def test_a_template_with_other_braces_is_left_alone(world, make_case):
    from minsheng.workbench.views import reply_templates

    case = make_case("processing")
    ReplyTemplate.objects.create(name="t", body="{code} {unknown} {0} {{title}}")
    [(_template, text)] = reply_templates(fresh(case))
    assert text == f"{case.tracking_code} {{unknown}} {{0}} {{{case.title}}}"


def test_the_page_shows_stage_deadlines_with_time_left(client, world, make_case):
    case = make_case("processing")
    handler_page = page(client, world.handler_a, case)
    assert 'id="deadlines"' in handler_page
    assert timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M") in handler_page
    assert timezone.localtime(case.contact_due_at).strftime("%Y-%m-%d %H:%M") in handler_page
    rows = {row.label: row for row in _rows(client, world.handler_a, case)}
    running = [row for row in rows.values() if row.running]
    assert running and all(row.left for row in running)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(days=10))
    rows = _rows(client, world.handler_a, case)
    assert any(row.overdue for row in rows)


def _rows(client, user, case):
    client.force_login(user)
    return client.get(reverse("workbench:case", args=[case.pk])).context["deadlines"]


@override("en")  # the English msgids, whether or not the Chinese catalogue is compiled
def test_time_left_in_words():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from minsheng.lib.workdays import WorkCalendar
    from minsheng.workbench.views import time_left

    tz = ZoneInfo("Asia/Shanghai")
    calendar = WorkCalendar(holidays=frozenset(), makeup_workdays=frozenset())
    monday_9 = datetime(2026, 6, 1, 9, 0, tzinfo=tz)
    assert time_left(calendar, monday_9, datetime(2026, 6, 3, 17, 30, tzinfo=tz)) == ("2 working days left", False)
    assert time_left(calendar, monday_9, datetime(2026, 6, 1, 14, 0, tzinfo=tz)) == ("due today, 5 hours left", False)
    assert time_left(calendar, monday_9, datetime(2026, 5, 29, 17, 30, tzinfo=tz)) == (
        "overdue by 1 working day", True)
    assert time_left(calendar, monday_9, datetime(2026, 6, 1, 8, 0, tzinfo=tz)) == ("overdue by 1 hour", True)


# ---- return visits ---------------------------------------------------------------------------------


def test_intake_records_a_phone_return_visit_and_not_solved_reopens_the_case(client, world, make_case):
    case, followup = closed_case(world, make_case)
    intake_page = page(client, world.intake, case)
    assert 'id="act-followup"' in intake_page
    assert 'id="act-followup"' not in page(client, world.handler_a, case)
    response = post(client, world.intake, case, "followup", {
        "followup": followup.pk, "reached": "1", "satisfaction": "dissatisfied", "solved": "0",
        "answer": "群众反映夜间仍有施工"})
    assert messages_of(response)
    followup.refresh_from_db()
    assert followup.state == FollowupState.DONE and followup.solved is False and followup.recorded_by == world.intake
    case = fresh(case)
    assert case.status == Status.PROCESSING and case.redo_count == 1
    # The same visit cannot be recorded twice.
    response = post(client, world.supervisor, case, "followup", {"followup": followup.pk, "reached": "0"})
    assert messages_of(response)


def test_a_solved_return_visit_keeps_the_case_closed(client, world, make_case):
    case, followup = closed_case(world, make_case)
    post(client, world.supervisor, case, "followup",
         {"followup": followup.pk, "reached": "1", "satisfaction": "satisfied", "solved": "1"})
    assert fresh(case).status == Status.CLOSED
    followup.refresh_from_db()
    assert followup.state == FollowupState.DONE and followup.solved is True
    assert "act-followup" not in page(client, world.supervisor, case)
    assert 'id="followups"' in page(client, world.supervisor, case)


def test_an_unreachable_citizen_is_recorded_without_answers(client, world, make_case):
    case, followup = closed_case(world, make_case)
    post(client, world.intake, case, "followup", {"followup": followup.pk, "reached": "0", "answer": "无人接听"})
    followup.refresh_from_db()
    assert followup.state == FollowupState.UNREACHABLE and fresh(case).status == Status.CLOSED


def test_a_reached_citizen_without_answers_gets_a_message(client, world, make_case):
    case, followup = closed_case(world, make_case)
    response = post(client, world.intake, case, "followup", {"followup": followup.pk, "reached": "1"})
    assert messages_of(response)
    followup.refresh_from_db()
    assert followup.state == FollowupState.PENDING


def test_a_handler_cannot_record_a_return_visit(client, world, make_case):
    case, followup = closed_case(world, make_case)
    response = post(client, world.handler_a, case, "followup",
                    {"followup": followup.pk, "reached": "1", "satisfaction": "satisfied", "solved": "1"})
    assert messages_of(response)
    followup.refresh_from_db()
    assert followup.state == FollowupState.PENDING


def test_a_return_visit_of_another_case_is_refused(client, world, make_case):
    case, _followup = closed_case(world, make_case)
    _other, other_followup = closed_case(world, make_case)
    response = post(client, world.intake, case, "followup", {"followup": other_followup.pk, "reached": "0"})
    assert messages_of(response)
    other_followup.refresh_from_db()
    assert other_followup.state == FollowupState.PENDING


def test_case_page_query_count_is_bounded(client, world, make_case, django_assert_max_num_queries):
    case = make_case("processing")
    for i in range(5):
        actions.case_add_note(fresh(case), by=world.handler_a, text=f"备注{i}")
    client.force_login(world.supervisor)
    with django_assert_max_num_queries(30):
        client.get(reverse("workbench:case", args=[case.pk]))
