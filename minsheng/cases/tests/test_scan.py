"""The deadline scan: reminders, escalation, red lines and return visits, each raised once."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from minsheng.cases import actions
from minsheng.cases.models import (
    AlertKind,
    Case,
    CaseEvent,
    DeadlineAlert,
    Followup,
    FollowupMethod,
    Satisfaction,
    Stage,
    Status,
)
from minsheng.cases.scan import in_followup_sample, scan
from minsheng.cases.tests.clock import frozen, local
from minsheng.conftest import World, case_in_status, submit_case
from minsheng.notifications import sms
from minsheng.notifications.models import Notification, StaffNotice
from minsheng.sites.models import Site

pytestmark = pytest.mark.django_db





@pytest.fixture(autouse=True)
def _clear_sms_outbox():
    sms.outbox.clear()


def dispatched(world: World, when: datetime) -> Case:
    """Dispatched to department A on Monday 2 March 2026: receipt due Tue 3 March 17:30, reply due
    Wed 11 March 17:30."""
    return case_in_status(world, "dispatched", at=when)


def alerts(case: Case) -> set[tuple[str, str]]:
    return set(DeadlineAlert.objects.filter(case=case).values_list("stage", "kind"))


def notified(case: Case, kind: str) -> set[int]:
    return set(StaffNotice.objects.filter(case=case, kind=f"alert_{kind}").values_list("user_id", flat=True))


# -- idempotency, reminders, escalation ------------------------------------------------------------


def test_two_scans_raise_each_alert_once_and_send_each_notice_once(world):
    case = dispatched(world, local(2026, 3, 2))
    first = scan(now=local(2026, 3, 12))
    # Never signed for: overdue for receipt and, later, for the reply too.
    assert alerts(case) == {(Stage.RECEIVE, AlertKind.OVERDUE), (Stage.REPLY, AlertKind.OVERDUE)}
    assert first.overdue == 2 and first.notices == 4  # handler A and the supervisor, twice
    notices, events = StaffNotice.objects.count(), CaseEvent.objects.filter(action="alert").count()
    second = scan(now=local(2026, 3, 12, 10, 1))
    assert second.counts == {"reminders": 0, "overdue": 0, "redlines": 0, "followups": 0, "notices": 0,
                             "closed_unrated": 0}
    assert DeadlineAlert.objects.count() == 2
    assert StaffNotice.objects.count() == notices
    assert CaseEvent.objects.filter(action="alert").count() == events == 2


def test_a_reminder_comes_only_within_the_sites_reminder_lead_time(world):
    case = dispatched(world, local(2026, 3, 2))  # receipt due Tue 3 March 17:30
    assert scan(now=local(2026, 3, 2, 16)).reminders == 0  # 25.5 hours before
    result = scan(now=local(2026, 3, 3, 10))  # 7.5 hours before
    assert alerts(case) == {(Stage.RECEIVE, AlertKind.REMINDER)}
    assert result.reminders == 1
    # Reminders reach the handlers, not the supervisors.
    assert notified(case, AlertKind.REMINDER) == {world.handler_a.pk}


def test_a_longer_lead_time_reminds_earlier(world):
    Site.objects.filter(pk=world.city.pk).update(reminder_lead_hours=48)
    case = dispatched(world, local(2026, 3, 2))
    scan(now=local(2026, 3, 2, 16))
    assert alerts(case) == {(Stage.RECEIVE, AlertKind.REMINDER)}


def test_overdue_alerts_go_to_the_departments_handlers_and_the_sites_supervisors(world):
    case = dispatched(world, local(2026, 3, 2))
    scan(now=local(2026, 3, 4))
    assert alerts(case) == {(Stage.RECEIVE, AlertKind.OVERDUE)}
    assert notified(case, AlertKind.OVERDUE) == {world.handler_a.pk, world.supervisor.pk}


def test_an_intake_stage_overdue_goes_to_intake_and_the_supervisors(world):
    with frozen(local(2026, 3, 2)):
        case = submit_case(world).case
    scan(now=local(2026, 3, 4))
    assert alerts(case) == {(Stage.ACCEPT, AlertKind.OVERDUE)}
    assert notified(case, AlertKind.OVERDUE) == {world.intake.pk, world.supervisor.pk}


def test_an_extension_makes_a_new_reminder_for_the_new_due(world):
    case = dispatched(world, local(2026, 3, 2))
    with frozen(local(2026, 3, 3, 9)):
        actions.case_receive(case, by=world.handler_a)
        actions.case_record_contact(case, by=world.handler_a, note="已电话联系")
    scan(now=local(2026, 3, 11, 9))
    assert alerts(case) == {(Stage.REPLY, AlertKind.REMINDER)}
    with frozen(local(2026, 3, 11, 10)):
        actions.case_request_extension(case, by=world.handler_a, working_days=2, reason="需现场勘验")
        actions.case_decide_extension(case, by=world.supervisor, approve=True)
    scan(now=local(2026, 3, 12, 9))
    assert scan(now=local(2026, 3, 13, 9)).reminders == 1  # due Fri 13 March 17:30
    assert DeadlineAlert.objects.filter(case=case, kind=AlertKind.REMINDER).count() == 2
    assert not DeadlineAlert.objects.filter(case=case, kind=AlertKind.OVERDUE).exists()


# -- red lines and paused cases --------------------------------------------------------------------


def test_an_unanswered_case_is_flagged_at_two_months_and_critical_at_three(world):
    with frozen(local(2026, 1, 5)):
        case = submit_case(world).case
    scan(now=local(2026, 3, 6))  # 60 days
    assert (Stage.REPLY, AlertKind.REDLINE_FLAG) not in alerts(case)
    result = scan(now=local(2026, 3, 8))  # 62 days
    assert (Stage.REPLY, AlertKind.REDLINE_FLAG) in alerts(case)
    assert (Stage.REPLY, AlertKind.REDLINE_CRITICAL) not in alerts(case)
    assert result.redlines == 1
    # Still at intake, so intake hears of it, and the supervisors.
    assert notified(case, AlertKind.REDLINE_FLAG) == {world.intake.pk, world.supervisor.pk}
    result = scan(now=local(2026, 4, 8))  # 93 days
    assert (Stage.REPLY, AlertKind.REDLINE_CRITICAL) in alerts(case)
    assert result.redlines == 1  # the flag was raised already
    assert scan(now=local(2026, 4, 9)).redlines == 0


def test_a_replied_case_never_reaches_a_red_line(make_case):
    case = make_case("replied", at=local(2026, 1, 5))
    scan(now=local(2026, 6, 1))
    assert alerts(case) == set()


def test_a_paused_case_gets_nothing(world, make_case):
    case = make_case("processing", at=local(2026, 1, 5))
    with frozen(local(2026, 1, 5)):
        actions.case_pause(case, by=world.handler_a, reason="请提供现场照片")
    result = scan(now=local(2026, 6, 1))
    assert alerts(case) == set()
    assert result.notices == 0


# -- return visits ---------------------------------------------------------------------------------


def test_a_closed_case_gets_one_return_visit_by_sms_link_after_the_delay(make_case, django_capture_on_commit_callbacks):
    case = make_case("closed", at=local(2026, 3, 2))
    assert scan(now=local(2026, 3, 3, 9)).followups == 0  # 23 hours: too early
    with django_capture_on_commit_callbacks(execute=True):
        assert scan(now=local(2026, 3, 3, 11)).followups == 1
    followup = Followup.objects.get(case=case)
    assert followup.method == FollowupMethod.SMS
    note = Notification.objects.get(case=case, kind="followup", medium="sms")
    assert f"/followup/{followup.token}/" in note.body
    assert any(followup.token in text for _phone, text in sms.outbox)
    assert scan(now=local(2026, 3, 4)).followups == 0
    assert Followup.objects.filter(case=case).count() == 1


def test_a_return_visit_by_phone_sends_the_citizen_nothing(world, make_case):
    Site.objects.filter(pk=world.city.pk).update(followup_method="phone")
    case = make_case("closed", at=local(2026, 3, 2))
    scan(now=local(2026, 3, 4))
    assert Followup.objects.get(case=case).method == FollowupMethod.PHONE
    assert not Notification.objects.filter(case=case, kind="followup").exists()


def test_a_case_closed_again_after_a_redo_gets_a_new_return_visit(world, make_case):
    case = make_case("closed", at=local(2026, 3, 2))
    scan(now=local(2026, 3, 4))
    first = Followup.objects.get(case=case)
    with frozen(local(2026, 3, 4, 12)):
        actions.case_answer_followup(first, satisfaction=Satisfaction.DISSATISFIED, solved=False)
        actions.case_submit_reply(case, by=world.handler_a, body="已再次核查并处理。")
        actions.case_approve_reply(case, by=world.reviewer_a)
        actions.case_rate(case, satisfaction=Satisfaction.SATISFIED, solved=True)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert scan(now=local(2026, 3, 5, 11)).followups == 0
    assert scan(now=local(2026, 3, 5, 13)).followups == 1
    assert Followup.objects.filter(case=case).count() == 2


def test_the_followup_sample_is_a_stable_draw_per_case():
    draws = [in_followup_sample(pk, 30) for pk in range(1, 5001)]
    assert draws == [in_followup_sample(pk, 30) for pk in range(1, 5001)]
    assert 0.27 < sum(draws) / len(draws) < 0.33
    assert all(in_followup_sample(pk, 100) for pk in range(1, 100))
    assert not any(in_followup_sample(pk, 0) for pk in range(1, 100))


def test_only_the_sampled_share_of_closed_cases_gets_a_return_visit(world, make_case):
    Site.objects.filter(pk=world.city.pk).update(followup_percent=50)
    cases = [make_case("closed", at=local(2026, 3, 2)) for _ in range(8)]
    scan(now=local(2026, 3, 4))
    scan(now=local(2026, 3, 5))
    visited = set(Followup.objects.values_list("case_id", flat=True))
    assert visited == {c.pk for c in cases if in_followup_sample(c.pk, 50)}


def test_an_imported_case_never_gets_a_return_visit(world, make_case):
    case = make_case("closed", at=local(2026, 3, 2))
    Case.objects.filter(pk=case.pk).update(is_imported=True)
    assert scan(now=local(2026, 3, 4)).followups == 0
    assert not Followup.objects.exists()


# -- the command and the cost of a scan ------------------------------------------------------------

_codes = itertools.count(1)


def bulk_overdue(world: World, n: int, *, now: datetime) -> list[Case]:
    """n dispatched cases overdue for receipt, written in one go (no actions: this is about volume)."""
    due = now - timedelta(hours=2)
    return Case.objects.bulk_create([
        Case(site=world.city, channel=world.complaint, lead_department=world.dept_a, status=Status.DISPATCHED,
             tracking_code=f"B{next(_codes):012d}", query_password_digest="-", title=f"批量案件{i}", body="内容",
             citizen_name="张三", citizen_phone="13800000000", citizen_digest="-",
             submitted_at=now - timedelta(days=3), dispatched_at=now - timedelta(days=2),
             receive_due_at=due, due_at=now + timedelta(days=5), next_due_at=due)
        for i in range(n)
    ])


def test_the_scan_deadlines_command_prints_its_counts(world):
    bulk_overdue(world, 3, now=timezone.now())
    out = StringIO()
    call_command("scan_deadlines", stdout=out)
    counts = json.loads(out.getvalue())
    assert counts == {"reminders": 0, "overdue": 3, "redlines": 0, "followups": 0, "notices": 6, "closed_unrated": 0}
    out = StringIO()
    call_command("scan_deadlines", stdout=out)
    assert json.loads(out.getvalue())["overdue"] == 0


def queries_for_a_scan(world: World, n: int, now: datetime) -> int:
    bulk_overdue(world, n, now=now)
    with CaptureQueriesContext(connection) as captured:
        result = scan(now=now)
    assert result.overdue >= n
    return len(captured.captured_queries)


def test_the_scan_costs_a_constant_number_of_queries_per_chunk(world, settings, django_assert_max_num_queries):
    now = timezone.now()
    small = queries_for_a_scan(world, 50, now)
    DeadlineAlert.objects.all().delete()
    Case.objects.all().delete()
    large = queries_for_a_scan(world, 200, now + timedelta(minutes=1))
    # Four times the cases: only bulk inserts split into batches (SQLite caps their parameters)
    # may add a few queries, nothing per case.
    assert large - small <= 8, (small, large)
    # With chunks of 100, 200 cases are two chunks, each a bounded number of queries.
    Case.objects.all().delete()
    settings.DEADLINE_SCAN_CHUNK = 100
    bulk_overdue(world, 200, now=now)
    with django_assert_max_num_queries(2 * 20 + 10):
        assert scan(now=now + timedelta(minutes=2)).overdue == 200


def test_a_supervision_deadline_reminds_the_department_and_escalates_when_it_passes(world):
    case = dispatched(world, local(2026, 3, 2))
    with frozen(local(2026, 3, 3, 9)):
        actions.case_receive(case, by=world.handler_a)
        actions.case_record_contact(case, by=world.handler_a, note="已电话联系")
        supervision = actions.case_supervise(case, by=world.supervisor, instruction="三日内上门核查并答复",
                                             working_days=2)
    due = supervision.due_at  # Thu 5 March 17:30: two working days after Tuesday
    scan(now=due - timedelta(hours=2))
    assert (Stage.SUPERVISION, AlertKind.REMINDER) in alerts(case)
    assert world.supervisor.pk not in notified(case, AlertKind.REMINDER)
    scan(now=due + timedelta(minutes=1))
    assert (Stage.SUPERVISION, AlertKind.OVERDUE) in alerts(case)
    assert {world.handler_a.pk, world.supervisor.pk} <= notified(case, AlertKind.OVERDUE)
    before = DeadlineAlert.objects.count()
    scan(now=due + timedelta(minutes=2))
    assert DeadlineAlert.objects.count() == before


def test_a_supervision_closed_by_the_approved_reply_raises_nothing(world):
    case = dispatched(world, local(2026, 3, 2))
    with frozen(local(2026, 3, 3, 9)):
        actions.case_receive(case, by=world.handler_a)
        supervision = actions.case_supervise(case, by=world.supervisor, instruction="尽快答复", working_days=1)
        case.refresh_from_db()
        actions.case_submit_reply(case, by=world.handler_a, body="您好，经核查已处理。联系电话12345。")
        case.refresh_from_db()
        actions.case_approve_reply(case, by=world.reviewer_a)
    scan(now=supervision.due_at + timedelta(hours=1))
    assert (Stage.SUPERVISION, AlertKind.OVERDUE) not in alerts(case)
