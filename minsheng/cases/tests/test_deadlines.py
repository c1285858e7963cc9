"""The deadline engine on real cases: shipped rules, rule specificity, the statutory calendar, time
zones, pauses, extensions, complex cases and redo, always through the real actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from minsheng.cases import actions
from minsheng.cases.deadlines import current_deadline, limit_for, recomputed_due
from minsheng.cases.models import (
    Case,
    DeadlineRule,
    DeadlineUnit,
    ExtensionKind,
    Priority,
    Satisfaction,
    Stage,
    Status,
)
from minsheng.cases.tests.clock import SH, end_of, frozen, local
from minsheng.conftest import World, case_in_status, submit_case
from minsheng.sites.models import CalendarDay, Category, Channel

pytestmark = pytest.mark.django_db

# A case at a given status and moment comes from the shared walk (`make_case(status, at=...)`,
# conftest.case_in_status); what follows adds only the steps these tests are about.


def classified_and_dispatched(world: World, when: datetime, *, priority: str = Priority.NORMAL,
                              category: Category | None = None) -> Case:
    """Accepted, classified by intake (priority, category) and then dispatched to department A, all at
    `when`: the deadlines of the dispatch follow the classification."""
    case = case_in_status(world, "accepted", at=when)
    with frozen(when):
        actions.case_classify(case, by=world.intake, category=category, priority=priority)
        actions.case_dispatch(case, by=world.intake, lead=world.dept_a)
    case.refresh_from_db()
    return case


def received(world: World, case: Case, when: datetime) -> Case:
    """Signed for by department A at `when`, later than its dispatch (the shared walk does both at once)."""
    with frozen(when):
        actions.case_receive(case, by=world.handler_a)
    case.refresh_from_db()
    return case


# -- shipped rules ---------------------------------------------------------------------------------


def test_shipped_rules_give_every_stage_of_a_general_case_a_due_at_half_past_five(world, make_case):
    # Monday 2 March 2026: no holiday anywhere near.
    case = make_case("submitted", at=local(2026, 3, 2, 10))
    assert case.accept_due_at == end_of(2026, 3, 3)  # 次日起算: Tuesday is the first working day
    assert case.next_due_at == case.accept_due_at

    with frozen(local(2026, 3, 3, 9)):
        actions.case_accept(case, by=world.intake)
    case.refresh_from_db()
    assert case.dispatch_due_at == end_of(2026, 3, 4)
    assert case.next_due_at == case.dispatch_due_at

    with frozen(local(2026, 3, 4, 11)):
        actions.case_dispatch(case, by=world.intake, lead=world.dept_a)
    case.refresh_from_db()
    assert case.receive_due_at == end_of(2026, 3, 5)
    # 7 working days from Wednesday: Thu 5, Fri 6, Mon 9 … Fri 13.
    assert case.due_at == end_of(2026, 3, 13)
    assert case.next_due_at == case.receive_due_at

    case = received(world, case, local(2026, 3, 5, 9))
    assert case.contact_due_at == end_of(2026, 3, 9)  # Fri 6, Mon 9
    assert case.next_due_at == case.contact_due_at
    assert timezone_name(case.due_at) == "17:30 Asia/Shanghai"


def timezone_name(moment: datetime | None) -> str:
    assert moment is not None
    local_moment = moment.astimezone(SH)
    return f"{local_moment:%H:%M} {local_moment.tzinfo}"


def test_an_emergency_is_received_within_an_hour_and_answered_within_two_clock_hours(world):
    # Saturday night: clock hours run through weekends.
    case = classified_and_dispatched(world, local(2026, 3, 7, 22), priority=Priority.EMERGENCY)
    assert case.receive_due_at == local(2026, 3, 7, 23)
    assert case.due_at == local(2026, 3, 8, 0)
    assert case.next_due_at == case.receive_due_at


def test_an_urgent_case_is_answered_within_24_clock_hours(world):
    case = classified_and_dispatched(world, local(2026, 3, 6, 16), priority=Priority.URGENT)  # a Friday
    assert case.due_at == local(2026, 3, 7, 16)
    assert case.receive_due_at == local(2026, 3, 6, 18)


# -- rule specificity ------------------------------------------------------------------------------


def rule(stage: str = Stage.REPLY, amount: int = 5, unit: str = DeadlineUnit.WORKING_DAYS, **fields: object):
    return DeadlineRule.objects.create(stage=stage, amount=amount, unit=unit, **fields)


def test_a_site_rule_beats_the_global_one(world, make_case):
    site_rule = rule(site=world.city, amount=5)
    case = make_case("dispatched", at=local(2026, 3, 2))
    assert limit_for(case, Stage.REPLY).source == f"rule {site_rule.pk}"
    assert case.due_at == end_of(2026, 3, 9)
    other_site = submit_case(world, site=world.district, channel=Channel.objects.get(site=world.district)).case
    assert limit_for(other_site, Stage.REPLY).amount == 7


def test_a_category_rule_on_a_parent_category_covers_its_child(world):
    rule(category=world.category.parent, amount=10)
    case = classified_and_dispatched(world, local(2026, 3, 2), category=world.category)
    assert limit_for(case, Stage.REPLY).amount == 10
    assert case.due_at == end_of(2026, 3, 16)
    assert limit_for(submit_case(world).case, Stage.REPLY).amount == 7  # no category


def test_a_deeper_category_rule_beats_its_parent(world):
    rule(category=world.category.parent, amount=10)
    rule(category=world.category, amount=12)
    case = submit_case(world, category=world.category).case
    assert limit_for(case, Stage.REPLY).amount == 12


def test_a_priority_rule_beats_a_channel_rule(world, make_case):
    rule(channel_kind="complaint", amount=5)
    normal = make_case("dispatched", at=local(2026, 3, 2))
    assert limit_for(normal, Stage.REPLY).amount == 5
    urgent = classified_and_dispatched(world, local(2026, 3, 2), priority=Priority.URGENT)
    limit = limit_for(urgent, Stage.REPLY)
    assert (limit.amount, limit.unit) == (24, DeadlineUnit.CLOCK_HOURS)
    assert urgent.due_at == local(2026, 3, 3, 10)


def test_the_channels_reply_limit_beats_the_global_default_but_not_a_priority_rule(world, make_case):
    Channel.objects.filter(pk=world.complaint.pk).update(reply_working_days=10)
    normal = make_case("dispatched", at=local(2026, 3, 2))
    assert limit_for(normal, Stage.REPLY).source == "channel"
    assert normal.due_at == end_of(2026, 3, 16)
    emergency = classified_and_dispatched(world, local(2026, 3, 2), priority=Priority.EMERGENCY)
    assert emergency.due_at == local(2026, 3, 2, 12)


def test_an_emergency_keeps_its_clock_hours_when_a_site_sets_its_own_general_limit(world):
    rule(site=world.city, amount=5)
    case = classified_and_dispatched(world, local(2026, 3, 2), priority=Priority.EMERGENCY)
    assert case.due_at == local(2026, 3, 2, 12)


# -- the calendar ----------------------------------------------------------------------------------


def test_national_day_2026_pushes_a_reply_due_past_the_holiday_and_counts_the_make_up_saturday(world, make_case):
    Channel.objects.filter(pk=world.complaint.pk).update(reply_working_days=5)
    case = make_case("dispatched", at=local(2026, 9, 30, 10))
    # 1–7 October off; Thu 8, Fri 9, Sat 10 (调休 working day), Mon 12, Tue 13.
    assert case.due_at == end_of(2026, 10, 13)


def test_national_day_2026_with_the_default_seven_working_days(make_case):
    case = make_case("dispatched", at=local(2026, 9, 30, 10))
    assert case.due_at == end_of(2026, 10, 15)


def test_a_make_up_saturday_is_a_working_day_for_receipt(make_case):
    case = make_case("dispatched", at=local(2026, 10, 9, 10))  # Friday before the 调休 Saturday
    assert case.receive_due_at == end_of(2026, 10, 10)


def test_a_holiday_added_by_an_administrator_moves_the_due(make_case):
    before = make_case("dispatched", at=local(2026, 3, 2))
    assert before.receive_due_at == end_of(2026, 3, 3)
    CalendarDay.objects.create(day=date(2026, 3, 3), is_workday=False, note="本地停工")
    after = make_case("dispatched", at=local(2026, 3, 2))
    assert after.receive_due_at == end_of(2026, 3, 4)
    assert after.due_at == before.due_at + timedelta(days=1)


def test_a_dispatch_at_half_past_eleven_at_night_counts_from_the_local_day_whatever_zone_the_clock_uses(make_case):
    in_shanghai = make_case("dispatched", at=local(2026, 3, 2, 23, 30))
    same_instant_in_utc = make_case("dispatched", at=datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    assert in_shanghai.receive_due_at == same_instant_in_utc.receive_due_at == end_of(2026, 3, 3)
    assert in_shanghai.due_at == same_instant_in_utc.due_at
    # 16:30 UTC on Monday is 00:30 on Tuesday in Shanghai: counting starts a day later.
    after_midnight = make_case("dispatched", at=datetime(2026, 3, 2, 16, 30, tzinfo=UTC))
    assert after_midnight.receive_due_at == end_of(2026, 3, 4)


# -- pauses, extensions, complex cases, redo -------------------------------------------------------


def approve_extension(world: World, case: Case, when: datetime, *, working_days: int) -> Case:
    """The handler asks for `working_days` more and the supervisor grants them, both at `when`."""
    with frozen(when):
        actions.case_request_extension(case, by=world.handler_a, working_days=working_days, reason="需现场勘验")
        actions.case_decide_extension(case, by=world.supervisor, approve=True)
    case.refresh_from_db()
    return case


def approve_complex(world: World, case: Case, when: datetime) -> Case:
    with frozen(when):
        actions.case_request_extension(case, by=world.handler_a, working_days=0, reason="涉及多个部门",
                                       kind=ExtensionKind.COMPLEX)
        actions.case_decide_extension(case, by=world.supervisor, approve=True)
    case.refresh_from_db()
    return case


def pause_and_resume(world: World, case: Case, start: datetime, end: datetime) -> Case:
    with frozen(start):
        actions.case_pause(case, by=world.handler_a, reason="请提供噪声监测记录")
    with frozen(end):
        actions.case_resume(case, by=world.handler_a, note="群众已补充材料")
    case.refresh_from_db()
    return case


def paused_processing_case(world: World) -> Case:
    case = case_in_status(world, "processing", at=local(2026, 3, 2, 10))
    assert (case.due_at, case.contact_due_at) == (end_of(2026, 3, 11), end_of(2026, 3, 4))
    with frozen(local(2026, 3, 4, 10)):  # Wednesday
        actions.case_pause(case, by=world.handler_a, reason="请提供房屋产权证明复印件")
    case.refresh_from_db()
    assert case.status == Status.NEED_INFO
    assert case.paused_at == local(2026, 3, 4, 10)
    assert case.next_due_at is None and current_deadline(case) is None
    return case


def test_a_pause_ended_by_the_citizens_supplement_moves_the_reply_due_by_the_paused_working_days(world):
    case = paused_processing_case(world)
    with frozen(local(2026, 3, 6, 10)):  # Friday: Wed, Thu and Fri were touched by the pause
        actions.case_supplement(case, text="产权证明已上传")
    case.refresh_from_db()
    assert case.status == Status.PROCESSING and case.paused_at is None
    assert case.due_at == end_of(2026, 3, 16)
    assert case.contact_due_at == end_of(2026, 3, 9)
    assert case.next_due_at == case.contact_due_at


def test_a_pause_ended_by_the_handler_moves_the_due_the_same_way(world):
    case = paused_processing_case(world)
    with frozen(local(2026, 3, 6, 10)):
        actions.case_resume(case, by=world.handler_a, note="群众已电话补充说明")
    case.refresh_from_db()
    assert case.due_at == end_of(2026, 3, 16)
    assert case.next_due_at == end_of(2026, 3, 9)


def test_a_pause_of_an_urgent_case_moves_its_clock_hour_deadlines_by_the_paused_time(world):
    case = classified_and_dispatched(world, local(2026, 3, 2, 10), priority=Priority.URGENT)
    case = received(world, case, local(2026, 3, 2, 10, 30))
    assert (case.due_at, case.contact_due_at) == (local(2026, 3, 3, 10), local(2026, 3, 2, 14, 30))
    with frozen(local(2026, 3, 2, 11)):
        actions.case_pause(case, by=world.handler_a, reason="请提供停水位置")
    with frozen(local(2026, 3, 2, 14)):
        actions.case_resume(case, by=world.handler_a, note="群众已电话告知")
    case.refresh_from_db()
    assert case.due_at == local(2026, 3, 3, 13)
    assert case.contact_due_at == local(2026, 3, 2, 17, 30)


def test_an_approved_extension_moves_the_due_by_its_working_days(world, make_case):
    case = make_case("processing", at=local(2026, 3, 2, 10))
    case = approve_extension(world, case, local(2026, 3, 5, 10), working_days=3)
    assert case.due_at == end_of(2026, 3, 16)  # 11 March + Thu 12, Fri 13, Mon 16


def test_a_denied_extension_changes_no_deadline(world, make_case):
    case = make_case("processing", at=local(2026, 3, 2, 10))
    before = (case.due_at, case.contact_due_at, case.next_due_at)
    with frozen(local(2026, 3, 5, 10)):
        actions.case_request_extension(case, by=world.handler_a, working_days=3, reason="需现场勘验")
        actions.case_decide_extension(case, by=world.supervisor, approve=False, note="期限内可办结")
    case.refresh_from_db()
    assert (case.due_at, case.contact_due_at, case.next_due_at) == before


def test_an_approved_complex_case_is_due_15_working_days_after_dispatch(world, make_case):
    case = approve_complex(world, make_case("processing", at=local(2026, 3, 2, 10)), local(2026, 3, 5, 10))
    assert case.is_complex
    assert case.due_at == end_of(2026, 3, 23)


def test_next_due_is_always_the_earliest_running_stage_deadline(world, make_case):
    Channel.objects.filter(pk=world.complaint.pk).update(reply_working_days=1)
    case = make_case("dispatched", at=local(2026, 3, 2, 10))
    # dispatched: receipt and reply both run (here both end on Tuesday)
    assert case.next_due_at == min(case.receive_due_at, case.due_at)
    case = received(world, case, local(2026, 3, 2, 11))
    # processing before contact: the reply (Tue) comes before the contact (Wed)
    assert (case.due_at, case.contact_due_at) == (end_of(2026, 3, 3), end_of(2026, 3, 4))
    assert case.next_due_at == case.due_at
    with frozen(local(2026, 3, 2, 12)):
        actions.case_record_contact(case, by=world.handler_a, note="已电话联系")
    case.refresh_from_db()
    assert case.next_due_at == case.due_at
    with frozen(local(2026, 3, 2, 13)):
        actions.case_submit_reply(case, by=world.handler_a, body="已处理完毕。")
    case.refresh_from_db()
    assert case.status == Status.REVIEWING and case.next_due_at == case.due_at
    with frozen(local(2026, 3, 2, 14)):
        actions.case_approve_reply(case, by=world.reviewer_a)
    case.refresh_from_db()
    assert case.status == Status.REPLIED and case.next_due_at is None


def test_next_due_while_processing_is_the_contact_due_when_that_comes_first(make_case):
    case = make_case("processing", at=local(2026, 3, 2, 10))
    assert case.next_due_at == min(case.contact_due_at, case.due_at) == case.contact_due_at


def redone(world: World, case: Case, answered: datetime, rated: datetime) -> Case:
    """Contacted and answered (reply approved) at `answered`, then rated dissatisfied at `rated`, which
    reopens it for redo (重办)."""
    with frozen(answered):
        actions.case_record_contact(case, by=world.handler_a, note="已电话联系")
        actions.case_submit_reply(case, by=world.handler_a, body="已处理完毕。")
        actions.case_approve_reply(case, by=world.reviewer_a)
    with frozen(rated):
        actions.case_rate(case, satisfaction=Satisfaction.DISSATISFIED, solved=False, comment="噪音依旧")
    case.refresh_from_db()
    return case


def test_a_redo_gets_a_fresh_reply_due(world, make_case):
    case = make_case("processing", at=local(2026, 3, 2, 10))
    case = redone(world, case, answered=local(2026, 3, 3, 9), rated=local(2026, 3, 16, 10))  # a Monday
    assert case.status == Status.PROCESSING and case.redo_count == 1
    assert case.due_at == end_of(2026, 3, 25)  # 7 working days after Monday 16 March
    assert case.next_due_at == case.due_at


# -- a rule that changes while the case is in the stage -------------------------------------------
#
# Autumn 2026: Friday 25 September is the Mid-Autumn holiday, 1-7 October is National Day, Sunday
# 20 September and Saturday 10 October are make-up working days.


def test_approving_a_complex_case_keeps_the_working_days_the_citizen_took(world, make_case):
    case = make_case("processing", at=local(2026, 9, 21, 10))
    # 7 working days from Monday 21 September: 22, 23, 24, 28, 29, 30 September, 8 October.
    assert case.due_at == end_of(2026, 10, 8)
    # Waiting Tuesday to Thursday gives back 22, 23 and 24 September: 9, 10 (make-up) and 12 October.
    case = pause_and_resume(world, case, local(2026, 9, 22, 10), local(2026, 9, 24, 10))
    assert case.due_at == end_of(2026, 10, 12)
    case = approve_complex(world, case, local(2026, 9, 29, 10))
    # 15 working days from 21 September end on 19 October (over Mid-Autumn and National Day, with
    # 10 October worked); the three paused days follow: 20, 21 and 22 October.
    assert case.is_complex
    assert case.due_at == end_of(2026, 10, 22)
    event = case.events.get(action="decide_extension")
    assert [datetime.fromisoformat(event.data[k]) for k in ("from", "to")] == [end_of(2026, 10, 12), case.due_at]


def test_approving_a_complex_case_keeps_an_extension_approved_before(world, make_case):
    case = make_case("processing", at=local(2026, 9, 21, 10))
    case = approve_extension(world, case, local(2026, 9, 23, 10), working_days=2)
    assert case.due_at == end_of(2026, 10, 10)  # 8 October + 9 and the make-up Saturday
    case = approve_complex(world, case, local(2026, 9, 29, 10))
    assert case.due_at == end_of(2026, 10, 21)  # 19 October + 20, 21


def test_approving_a_complex_case_while_the_citizen_is_awaited_leaves_the_running_pause_to_its_end(world, make_case):
    case = make_case("processing", at=local(2026, 9, 21, 10))
    with frozen(local(2026, 9, 28, 10)):  # Monday
        actions.case_pause(case, by=world.handler_a, reason="请提供噪声监测记录")
    case.refresh_from_db()
    case = approve_complex(world, case, local(2026, 9, 29, 10))
    assert case.due_at == end_of(2026, 10, 19) and case.next_due_at is None
    with frozen(local(2026, 9, 30, 10)):  # 28, 29 and 30 September come back when the citizen answers
        actions.case_supplement(case, text="监测记录已上传")
    case.refresh_from_db()
    assert case.due_at == end_of(2026, 10, 22)


def test_approving_a_complex_case_after_a_redo_counts_from_the_redo_not_the_first_dispatch(world, make_case):
    case = make_case("processing", at=local(2026, 9, 1, 10))
    case = redone(world, case, answered=local(2026, 9, 2, 10), rated=local(2026, 9, 21, 10))
    assert case.due_at == end_of(2026, 10, 8)
    case = approve_complex(world, case, local(2026, 9, 22, 10))
    assert case.due_at == end_of(2026, 10, 19)  # 15 working days from the redo on 21 September


def test_raising_the_priority_after_dispatch_moves_the_receipt_deadline_too(world, make_case):
    case = make_case("dispatched", at=local(2026, 9, 30, 10))
    accept_due = case.accept_due_at
    # The day before National Day: receipt on 8 October, reply 7 working days later on 15 October.
    assert (case.receive_due_at, case.due_at) == (end_of(2026, 10, 8), end_of(2026, 10, 15))
    with frozen(local(2026, 9, 30, 11)):
        actions.case_classify(case, by=world.intake, category=case.category, priority=Priority.URGENT)
    case.refresh_from_db()
    # Urgent: signed for within 2 clock hours and answered within 24, holiday or not.
    assert case.receive_due_at == local(2026, 9, 30, 12)
    assert case.due_at == local(2026, 10, 1, 10)
    assert case.next_due_at == case.receive_due_at
    assert case.accept_due_at == accept_due  # a stage behind the case keeps its deadline
    event = case.events.filter(action="classify").latest("id")
    assert [datetime.fromisoformat(v) for v in event.data["deadlines"]["receive_due_at"]] == [
        end_of(2026, 10, 8), local(2026, 9, 30, 12)]


def test_lowering_the_priority_of_a_paused_urgent_case_keeps_the_pause_in_working_days(world):
    case = classified_and_dispatched(world, local(2026, 9, 28, 9), priority=Priority.URGENT)
    case = received(world, case, local(2026, 9, 28, 9, 30))
    assert (case.contact_due_at, case.due_at) == (local(2026, 9, 28, 13, 30), local(2026, 9, 29, 9))
    case = pause_and_resume(world, case, local(2026, 9, 28, 10), local(2026, 9, 28, 16))
    assert (case.contact_due_at, case.due_at) == (local(2026, 9, 28, 19, 30), local(2026, 9, 29, 15))
    with frozen(local(2026, 9, 28, 17)):
        actions.case_classify(case, by=world.intake, category=case.category, priority=Priority.NORMAL)
    case.refresh_from_db()
    # Normal: contact 2 working days after receipt (29, 30 September), reply 7 after dispatch
    # (13 October); the paused Monday gives one day back to each: 8 and 14 October.
    assert case.contact_due_at == end_of(2026, 10, 8)
    assert case.due_at == end_of(2026, 10, 14)


def test_raising_the_priority_before_dispatch_moves_the_dispatch_deadline(world, make_case):
    case = make_case("submitted", at=local(2026, 9, 30, 9))
    with frozen(local(2026, 9, 30, 10)):
        actions.case_accept(case, by=world.intake)
    case.refresh_from_db()
    assert case.dispatch_due_at == end_of(2026, 10, 8)
    with frozen(local(2026, 9, 30, 10, 20)):
        actions.case_classify(case, by=world.intake, category=case.category, priority=Priority.EMERGENCY)
    case.refresh_from_db()
    assert case.dispatch_due_at == local(2026, 9, 30, 11)  # 1 clock hour from acceptance
    assert case.next_due_at == case.dispatch_due_at


def test_a_classification_that_changes_nothing_leaves_the_deadlines_alone(world, make_case):
    case = make_case("dispatched", at=local(2026, 9, 30, 10))
    before = (case.receive_due_at, case.due_at)
    with frozen(local(2026, 9, 30, 11)):
        actions.case_classify(case, by=world.intake, category=case.category, priority=case.priority)
    case.refresh_from_db()
    assert (case.receive_due_at, case.due_at) == before
    assert "deadlines" not in case.events.filter(action="classify").latest("id").data


def test_a_return_approved_while_the_citizen_is_awaited_leaves_the_next_department_a_running_clock(world, make_case):
    case = make_case("processing", at=local(2026, 3, 2, 10))
    with frozen(local(2026, 3, 5, 10)):  # after the one-day window: a request for the supervisor
        actions.case_return(case, by=world.handler_a, reason="不属于本局职责")
    with frozen(local(2026, 3, 5, 11)):
        actions.case_pause(case, by=world.handler_a, reason="请提供房屋产权证明")
    with frozen(local(2026, 3, 6, 11)):
        actions.case_decide_return(case, by=world.supervisor, approve=True)
    case.refresh_from_db()
    assert case.status == Status.RETURNED and case.paused_at is None
    with frozen(local(2026, 3, 6, 12)):  # Friday
        actions.case_dispatch(case, by=world.intake, lead=world.dept_b)
    case.refresh_from_db()
    assert case.receive_due_at == end_of(2026, 3, 9)
    assert case.next_due_at == case.receive_due_at


# -- datetimes in the audit trail --------------------------------------------------------------------


def test_an_extension_decision_records_the_old_and_new_reply_deadline_both_in_local_time(world, make_case):
    case = approve_extension(world, make_case("processing", at=local(2026, 3, 2, 10)), local(2026, 3, 5, 10),
                             working_days=3)
    event = case.events.get(action="decide_extension")
    # The "from" came from the database (UTC) and used to be written as 09:30+00:00.
    assert (event.data["from"], event.data["to"]) == ("2026-03-11T17:30:00+08:00", "2026-03-16T17:30:00+08:00")


def test_every_datetime_in_a_cases_audit_trail_is_local_time_with_its_offset(world, make_case):
    from minsheng.cases.scan import scan

    case = make_case("processing", at=local(2026, 3, 2, 10))
    case = pause_and_resume(world, case, local(2026, 3, 3, 10), local(2026, 3, 4, 10))
    with frozen(local(2026, 3, 5, 10)):
        actions.case_request_extension(case, by=world.handler_a, working_days=3, reason="需现场勘验")
        actions.case_decide_extension(case, by=world.supervisor, approve=True)
        actions.case_supervise(case, by=world.supervisor, instruction="尽快答复", working_days=1)
        actions.case_classify(case, by=world.intake, category=case.category, priority=Priority.URGENT)
    scan(now=local(2026, 3, 6, 18))
    written = {(event.action, key): value for event in case.events.all() for key, value in event.data.items()
               if isinstance(value, str) and value[:4].isdigit() and "T" in value}
    written |= {(event.action, f"{key}[{i}]"): value for event in case.events.filter(action="classify")
                for key, pair in event.data["deadlines"].items() for i, value in enumerate(pair)}
    assert set(written) >= {("resume", "paused_from"), ("decide_extension", "from"),
                            ("decide_extension", "to"), ("supervise", "due_at"), ("alert", "due_at"),
                            ("classify", "due_at[0]")}
    assert all(value.endswith("+08:00") for value in written.values()), written


def test_the_replay_reads_extension_decisions_written_in_the_old_mixed_form(world, make_case):
    """Events stored before the convention hold "from" in UTC: the replay does not depend on it (it
    replays the approved request's working days), and the instant it names is the same."""
    from minsheng.cases.deadlines import recomputed_due

    case = make_case("processing", at=local(2026, 9, 21, 10))
    case = approve_extension(world, case, local(2026, 9, 23, 10), working_days=2)
    event = case.events.get(action="decide_extension")
    new_form = dict(event.data)
    old_form = {**new_form, "from": "2026-10-08T09:30:00+00:00", "to": "2026-10-10T17:30:00+08:00"}
    assert [datetime.fromisoformat(old_form[k]) for k in ("from", "to")] == [
        datetime.fromisoformat(new_form[k]) for k in ("from", "to")]
    type(event).objects.filter(pk=event.pk).update(data=old_form)  # as an older version stored it
    case.refresh_from_db()
    assert recomputed_due(case, Stage.REPLY) == case.due_at == end_of(2026, 10, 10)
    case = approve_complex(world, case, local(2026, 9, 29, 10))
    assert case.due_at == end_of(2026, 10, 21)  # 15 working days to 19 October, then the 2 granted


def test_a_first_contact_deadline_as_of_the_contact_ignores_a_later_pause_and_redo(world, make_case):
    """recomputed_due(as_of=...): the deadline as it stood then. The actions never move the deadline
    of a first contact already made; the demo loader recomputes it this way (seed_demo)."""
    from minsheng.cases.deadlines import recomputed_due

    case = make_case("processing", at=local(2026, 3, 2, 10))
    assert case.contact_due_at == end_of(2026, 3, 4)
    with frozen(local(2026, 3, 3, 10)):
        actions.case_record_contact(case, by=world.handler_a, note="已电话联系")
    case = pause_and_resume(world, case, local(2026, 3, 3, 11), local(2026, 3, 6, 11))
    with frozen(local(2026, 3, 9, 10)):
        actions.case_submit_reply(case, by=world.handler_a, body="已处理完毕。")
        actions.case_approve_reply(case, by=world.reviewer_a)
    with frozen(local(2026, 3, 10, 10)):
        actions.case_rate(case, satisfaction=Satisfaction.DISSATISFIED, solved=False, comment="噪音依旧")
    case.refresh_from_db()
    assert case.contact_due_at == end_of(2026, 3, 4)  # the actions left it alone
    assert recomputed_due(case, Stage.CONTACT, as_of=case.first_contact_at) == case.contact_due_at
    # Without as_of the replay counts from the redo, the latest start of that stage.
    assert recomputed_due(case, Stage.CONTACT) == end_of(2026, 3, 12)


def test_recomputing_every_stage_of_a_case_reads_its_audit_trail_once(world, make_case, django_assert_num_queries):
    from minsheng.cases.deadlines import DUE_FIELDS, recomputed_due, recomputed_dues, work_calendar

    case = make_case("processing", at=local(2026, 9, 21, 10))
    case = pause_and_resume(world, case, local(2026, 9, 22, 10), local(2026, 9, 24, 10))
    case = approve_extension(world, case, local(2026, 9, 29, 10), working_days=2)
    calendar, stages = work_calendar(), list(DUE_FIELDS)
    assert case.channel  # loaded with the case, as the actions have it
    # One query each for the events, the deadline rules and the extension requests, for five stages.
    with django_assert_num_queries(3):
        dues = recomputed_dues(case, stages, calendar)
    assert dues == {stage: getattr(case, DUE_FIELDS[stage]) for stage in stages}
    assert dues == {stage: recomputed_due(case, stage, calendar) for stage in stages}


# -- intake's wait for the citizen -----------------------------------------------------------------


def test_the_citizens_answer_to_intake_starts_the_acceptance_limit_again(world, make_case):
    # Submitted Monday 2 March 2026, intake asks for more on Monday, the citizen answers on Thursday.
    case = make_case("submitted", at=local(2026, 3, 2, 10))
    with frozen(local(2026, 3, 2, 11)):
        actions.case_request_info(case, by=world.intake, message="请补充具体地址")
    case.refresh_from_db()
    assert current_deadline(case) is None  # no clock runs while the citizen is awaited
    with frozen(local(2026, 3, 5, 9)):
        actions.case_supplement(case, text="地址是书院路12号")
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    assert case.accept_due_at == end_of(2026, 3, 6)  # one working day from the answer, not from Monday
    assert current_deadline(case) == (Stage.ACCEPT, end_of(2026, 3, 6))
    assert recomputed_due(case, Stage.ACCEPT) == case.accept_due_at  # the replay agrees
