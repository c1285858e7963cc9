"""A supervision's own deadline (督办期限): the scan marks an unanswered supervision overdue once, as
the system, tells the supervisor who issued it and the department, and the staff pages show it. Its
clock stops while the case waits for the citizen, and the wait is given back when it ends."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.cases import actions
from minsheng.cases.models import ActorKind, AlertKind, Case, CaseEvent, DeadlineAlert, Stage, Supervision
from minsheng.cases.scan import scan
from minsheng.cases.tests.clock import end_of, frozen, local
from minsheng.conftest import TEST_PASSWORD, World, case_in_status
from minsheng.notifications.models import StaffNotice

pytestmark = pytest.mark.django_db


def supervised(world: World, when, *, working_days: int = 2, by: User | None = None) -> tuple[Case, Supervision]:
    """Dispatched to department A, signed for and the citizen contacted (so that no stage deadline
    but the reply's runs, seven working days away), then put under supervision at `when`."""
    case = case_in_status(world, "processing", at=when)
    with frozen(when):
        actions.case_record_contact(case, by=world.handler_a, note="已电话联系")
        supervision = actions.case_supervise(case, by=by or world.supervisor, instruction="三日内上门核查并答复",
                                             working_days=working_days)
    case.refresh_from_db()
    return case, supervision


def supervision_alerts(case: Case) -> list[str]:
    return sorted(DeadlineAlert.objects.filter(case=case, stage=Stage.SUPERVISION).values_list("kind", flat=True))


def told_overdue(case: Case) -> set[int]:
    return set(StaffNotice.objects.filter(case=case, kind=f"alert_{AlertKind.OVERDUE}").values_list(
        "user_id", flat=True))


def test_an_unanswered_supervision_past_its_deadline_is_marked_overdue_once_by_the_system(world):
    case, supervision = supervised(world, local(2026, 3, 3, 9))
    assert supervision.due_at == end_of(2026, 3, 5)  # two working days after Tuesday
    first = scan(now=supervision.due_at + timedelta(minutes=1))
    again = scan(now=supervision.due_at + timedelta(hours=3))
    out = StringIO()
    with frozen(supervision.due_at + timedelta(hours=4)):
        call_command("scan_deadlines", stdout=out)
    assert AlertKind.OVERDUE in supervision_alerts(case)
    assert supervision_alerts(case).count(AlertKind.OVERDUE) == 1
    assert first.overdue >= 1 and again.overdue == 0 and json.loads(out.getvalue())["overdue"] == 0
    events = list(CaseEvent.objects.filter(case=case, action="alert", data__stage=Stage.SUPERVISION,
                                           data__kind=AlertKind.OVERDUE))
    assert len(events) == 1
    event = events[0]
    assert event.actor is None and event.actor_kind == ActorKind.SYSTEM
    assert event.data["supervisions"] == [supervision.pk]
    assert datetime.fromisoformat(event.data["due_at"]) == supervision.due_at
    # Nothing else is overdue: the notices are the supervision's, written once, with the alert.
    assert DeadlineAlert.objects.filter(case=case, kind=AlertKind.OVERDUE).count() == 1
    assert StaffNotice.objects.filter(case=case, kind="alert_overdue").count() == len(told_overdue(case)) == 2


def test_the_overdue_supervision_is_told_to_its_supervisor_and_the_departments_handlers_only(world):
    other_supervisor = User.objects.create_user(username="supervisor2", password=TEST_PASSWORD)
    Role.objects.create(user=other_supervisor, kind=RoleKind.SUPERVISOR, site=world.city)
    district_supervisor = User.objects.create_user(username="district_supervisor", password=TEST_PASSWORD)
    Role.objects.create(user=district_supervisor, kind=RoleKind.SUPERVISOR, site=world.district)
    case, supervision = supervised(world, local(2026, 3, 3, 9))
    scan(now=supervision.due_at + timedelta(minutes=1))
    # Not handler B (another department), nor reviewer A, nor the district's or another city supervisor.
    assert told_overdue(case) == {world.supervisor.pk, world.handler_a.pk}


def test_a_supervisor_who_no_longer_supervises_the_site_is_not_told_the_sites_supervisors_are(world):
    other_supervisor = User.objects.create_user(username="supervisor2", password=TEST_PASSWORD)
    Role.objects.create(user=other_supervisor, kind=RoleKind.SUPERVISOR, site=world.city)
    case, supervision = supervised(world, local(2026, 3, 3, 9))
    Role.objects.filter(user=world.supervisor).delete()  # moved to another post
    scan(now=supervision.due_at + timedelta(minutes=1))
    assert told_overdue(case) == {other_supervisor.pk, world.handler_a.pk}


def test_a_supervision_is_not_overdue_during_a_holiday_that_its_working_days_skip(world):
    # Two working days from Wednesday 30 September 2026: the National Day holiday (1-7 October) does
    # not count, so it falls due on Friday 9 October at 17:30.
    case, supervision = supervised(world, local(2026, 9, 30, 10))
    assert supervision.due_at == end_of(2026, 10, 9)
    scan(now=local(2026, 10, 5, 12))
    scan(now=end_of(2026, 10, 8))
    assert AlertKind.OVERDUE not in supervision_alerts(case)
    scan(now=supervision.due_at + timedelta(minutes=1))
    assert AlertKind.OVERDUE in supervision_alerts(case)


def test_a_supervision_answered_in_time_is_not_flagged(world):
    case, supervision = supervised(world, local(2026, 3, 3, 9))
    with frozen(local(2026, 3, 5, 11)):
        actions.case_submit_reply(case, by=world.handler_a, body="您好，经核查已处理。联系电话12345。")
        case.refresh_from_db()
        actions.case_approve_reply(case, by=world.reviewer_a)
    supervision.refresh_from_db()
    assert supervision.closed_at == local(2026, 3, 5, 11)
    scan(now=supervision.due_at + timedelta(days=3))
    assert supervision_alerts(case) == []
    assert told_overdue(case) == set()


def test_the_staff_pages_show_an_overdue_supervision_with_a_badge(client, world):
    case, supervision = supervised(world, local(2026, 3, 3, 9))
    before, after = supervision.due_at - timedelta(hours=2), supervision.due_at + timedelta(minutes=1)
    badge = 'class="badge supervised overdue"'
    client.force_login(world.supervisor)
    with frozen(before):
        board = client.get(reverse("workbench:board")).content.decode()
        page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert case.tracking_code in board and badge not in board and badge not in page
    with frozen(after):
        board = client.get(reverse("workbench:board")).content.decode()
        queue = client.get(reverse("workbench:queue"), {"queue": "supervised"}).content.decode()
        page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert badge in board and badge in queue and badge in page
    assert "督办超期" in queue  # the interface's language by default
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with frozen(after):
        queue = client.get(reverse("workbench:queue"), {"queue": "supervised"}).content.decode()
    assert "Supervision overdue" in queue


def test_a_handler_of_another_department_sees_neither_the_case_nor_its_overdue_supervision(client, world):
    case, supervision = supervised(world, local(2026, 3, 3, 9))
    client.force_login(world.handler_b)
    with frozen(supervision.due_at + timedelta(minutes=1)):
        assert client.get(reverse("workbench:case", args=[case.pk])).status_code == 404
        queue = client.get(reverse("workbench:queue"), {"queue": "supervised"})
    assert case.tracking_code not in queue.content.decode()
    client.force_login(world.handler_a)
    with frozen(supervision.due_at + timedelta(minutes=1)):
        queue = client.get(reverse("workbench:queue"), {"queue": "supervised"})
    assert case.tracking_code in queue.content.decode()


# -- the clock stops while the citizen is awaited ----------------------------------------------------


def supervision_alert_dues(case: Case) -> list[tuple[str, datetime]]:
    return sorted(DeadlineAlert.objects.filter(case=case, stage=Stage.SUPERVISION).values_list("kind", "due_at"))


def test_a_supervisions_clock_stops_while_the_citizen_is_awaited_and_the_wait_is_given_back(world):
    # Two working days from Tuesday 29 September 2026: 30 September and 8 October (the National Day
    # holiday, 1-7 October, does not count), due Thursday 8 October at 17:30.
    case, supervision = supervised(world, local(2026, 9, 29, 10))
    assert supervision.due_at == end_of(2026, 10, 8)
    with frozen(local(2026, 9, 30, 11)):
        actions.case_pause(case, by=world.handler_a, reason="请提供房屋产权证明")
    with frozen(local(2026, 10, 12, 10)):
        actions.case_resume(Case.objects.get(pk=case.pk), by=world.handler_a, note="材料已通过电话确认")
    supervision.refresh_from_db()
    # The wait covered the working hours of 30 September, 8, 9, 10 (a make-up Saturday) and 12
    # October: five working days back, the holiday none. 8 October + 5 working days = 14 October.
    assert supervision.due_at == end_of(2026, 10, 14)
    event = CaseEvent.objects.get(case=case, action="resume")
    assert event.data["supervision_due"] == [{"supervision": supervision.pk, "from": "2026-10-08T17:30:00+08:00",
                                              "to": "2026-10-14T17:30:00+08:00"}]


def test_no_supervision_is_overdue_while_its_clock_is_stopped(client, world):
    case, _supervision = supervised(world, local(2026, 9, 29, 10))
    with frozen(local(2026, 9, 30, 11)):
        actions.case_pause(case, by=world.handler_a, reason="请提供房屋产权证明")
    scan(now=end_of(2026, 10, 8) + timedelta(minutes=1))  # past the deadline as it stood
    scan(now=local(2026, 10, 9, 12))
    assert supervision_alerts(case) == []
    client.force_login(world.supervisor)
    with frozen(local(2026, 10, 9, 12)):
        page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
        queue = client.get(reverse("workbench:queue"), {"queue": "supervised"}).content.decode()
    supervisions = page.split('id="supervisions"')[1].split("</section>")[0]
    assert "暂停计时" in supervisions and "supervised overdue" not in page + queue
    with frozen(local(2026, 10, 12, 10)):
        actions.case_resume(Case.objects.get(pk=case.pk), by=world.handler_a, note="材料已通过电话确认")
    scan(now=end_of(2026, 10, 14) + timedelta(minutes=1))
    assert supervision_alert_dues(case) == [(AlertKind.OVERDUE, end_of(2026, 10, 14))]


def test_a_supervision_issued_during_the_wait_gets_back_only_the_wait_after_it(world, make_case):
    case = make_case("processing", at=local(2026, 10, 8, 9))
    with frozen(local(2026, 10, 8, 10)):
        actions.case_pause(Case.objects.get(pk=case.pk), by=world.handler_a, reason="请提供房屋产权证明")
    with frozen(local(2026, 10, 9, 10)):  # Friday; Saturday 10 October is a make-up working day
        supervision = actions.case_supervise(Case.objects.get(pk=case.pk), by=world.supervisor,
                                             instruction="两日内答复", working_days=2)
    assert supervision.due_at == end_of(2026, 10, 12)
    with frozen(local(2026, 10, 12, 10)):
        actions.case_supplement(Case.objects.get(pk=case.pk), text="产权证明已上传")
    supervision.refresh_from_db()
    # 9, 10 and 12 October, not 8 October, when the supervision did not exist yet.
    assert supervision.due_at == end_of(2026, 10, 15)
    assert CaseEvent.objects.get(case=case, action="supplement").data["supervision_due"][0]["to"] == (
        "2026-10-15T17:30:00+08:00")


def test_a_return_approved_during_the_wait_gives_the_supervision_back_the_wait(world):
    case, supervision = supervised(world, local(2026, 3, 2, 10), working_days=5)
    assert supervision.due_at == end_of(2026, 3, 9)
    with frozen(local(2026, 3, 5, 10)):  # after the return window: a request for the supervisor
        actions.case_return(Case.objects.get(pk=case.pk), by=world.handler_a, reason="不属于本局职责")
    with frozen(local(2026, 3, 5, 11)):
        actions.case_pause(Case.objects.get(pk=case.pk), by=world.handler_a, reason="请提供房屋产权证明")
    with frozen(local(2026, 3, 6, 11)):
        actions.case_decide_return(Case.objects.get(pk=case.pk), by=world.supervisor, approve=True)
    supervision.refresh_from_db()
    assert supervision.closed_at is None and supervision.due_at == end_of(2026, 3, 11)  # 5 and 6 March back
    assert CaseEvent.objects.get(case=case, action="decide_return").data["supervision_due"][0]["supervision"] == (
        supervision.pk)


def test_a_supervision_carried_into_a_waiting_case_gets_back_only_the_wait_after_the_merge(world, make_case):
    original = make_case("processing", at=local(2026, 10, 8, 9))
    duplicate = make_case("accepted", at=local(2026, 10, 8, 9))
    with frozen(local(2026, 10, 8, 9)):
        supervision = actions.case_supervise(duplicate, by=world.supervisor, instruction="五日内答复", working_days=5)
    assert supervision.due_at == end_of(2026, 10, 14)
    with frozen(local(2026, 10, 8, 10)):
        actions.case_pause(Case.objects.get(pk=original.pk), by=world.handler_a, reason="请提供房屋产权证明")
    with frozen(local(2026, 10, 9, 10)):
        actions.case_merge(Case.objects.get(pk=duplicate.pk), by=world.intake, into=original)
    with frozen(local(2026, 10, 12, 10)):
        actions.case_resume(Case.objects.get(pk=original.pk), by=world.handler_a, note="材料已收到")
    supervision.refresh_from_db()
    # Its clock ran on the duplicate until the merge: 9, 10 and 12 October come back, 8 October not.
    assert supervision.case_id == original.pk and supervision.due_at == end_of(2026, 10, 19)


# -- intake's wait for the citizen stops the supervision's clock too ----------------------------------


def city_supervisor(world: World) -> User:
    """A supervisor of the city who also covers its districts: their supervision follows a transfer."""
    user = User.objects.create_user(username="city_supervisor", password=TEST_PASSWORD)
    Role.objects.create(user=user, kind=RoleKind.SUPERVISOR, site=world.city, include_subsites=True)
    return user


def district_intake(world: World) -> User:
    user = User.objects.create_user(username="district_intake", password=TEST_PASSWORD)
    Role.objects.create(user=user, kind=RoleKind.INTAKE, site=world.district)
    return user


def transferred_and_waiting(world: World) -> tuple[Case, Supervision, User]:
    """Supervised by the city's supervisor on Monday 2 March 2026 for three working days (due Thursday
    5 March), transferred to the district on the 3rd, whose intake asks the citizen for more
    information an hour later."""
    supervisor, intake = city_supervisor(world), district_intake(world)
    case = case_in_status(world, "accepted", at=local(2026, 3, 2, 9))
    with frozen(local(2026, 3, 2, 10)):
        supervision = actions.case_supervise(case, by=supervisor, instruction="三日内核实并答复", working_days=3)
    assert supervision.due_at == end_of(2026, 3, 5)
    with frozen(local(2026, 3, 3, 10)):
        actions.case_transfer(Case.objects.get(pk=case.pk), by=world.intake, to_site=world.district, reason="属地管理")
    with frozen(local(2026, 3, 3, 11)):
        actions.case_request_info(Case.objects.get(pk=case.pk), by=intake, message="请补充具体地址")
    supervision.refresh_from_db()
    assert supervision.closed_at is None and supervision.due_at == end_of(2026, 3, 5)
    return Case.objects.get(pk=case.pk), supervision, supervisor


def test_a_supervision_kept_through_a_transfer_is_not_overdue_while_the_new_intake_waits_for_the_citizen(
        client, world):
    case, _supervision, supervisor = transferred_and_waiting(world)
    scan(now=end_of(2026, 3, 5) + timedelta(minutes=1))  # past the deadline as it stood
    scan(now=local(2026, 3, 6, 12))
    assert supervision_alerts(case) == []
    client.force_login(supervisor)
    with frozen(local(2026, 3, 6, 12)):
        page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
        queue = client.get(reverse("workbench:queue"), {"queue": "supervised"}).content.decode()
    assert case.tracking_code in queue
    supervisions = page.split('id="supervisions"')[1].split("</section>")[0]
    assert "暂停计时" in supervisions and "supervised overdue" not in page + queue


def test_the_citizens_answer_to_the_new_intake_gives_the_kept_supervision_back_the_wait(world):
    case, supervision, _supervisor = transferred_and_waiting(world)
    with frozen(local(2026, 3, 9, 10)):
        actions.case_supplement(case, text="地址：幸福家园3号楼")
    supervision.refresh_from_db()
    # The wait covered the working hours of 3, 4, 5, 6 and 9 March: five working days back.
    assert supervision.due_at == end_of(2026, 3, 12)
    event = CaseEvent.objects.get(case=case, action="supplement")
    assert event.data["supervision_due"] == [{"supervision": supervision.pk, "from": "2026-03-05T17:30:00+08:00",
                                              "to": "2026-03-12T17:30:00+08:00"}]
    # The clock runs again from the new deadline.
    scan(now=end_of(2026, 3, 12) + timedelta(minutes=1))
    assert supervision_alert_dues(case) == [(AlertKind.OVERDUE, end_of(2026, 3, 12))]


def test_the_new_intake_accepting_while_the_citizen_is_awaited_also_gives_the_wait_back(world):
    case, supervision, _supervisor = transferred_and_waiting(world)
    with frozen(local(2026, 3, 4, 15)):
        actions.case_accept(case, by=User.objects.get(username="district_intake"))
    supervision.refresh_from_db()
    assert supervision.due_at == end_of(2026, 3, 9)  # 3 and 4 March back, over the weekend
    accepted = CaseEvent.objects.filter(case=case, action="accept").latest("created_at")  # the district's
    assert accepted.data["supervision_due"][0]["to"] == "2026-03-09T17:30:00+08:00"


def test_a_supervision_issued_while_intake_waits_for_the_citizen_gets_back_only_the_wait_after_it(world, make_case):
    case = make_case("submitted", at=local(2026, 3, 2, 9))
    with frozen(local(2026, 3, 2, 10)):
        actions.case_request_info(Case.objects.get(pk=case.pk), by=world.intake, message="请补充具体地址")
    with frozen(local(2026, 3, 3, 10)):
        supervision = actions.case_supervise(Case.objects.get(pk=case.pk), by=world.supervisor,
                                             instruction="两日内答复", working_days=2)
    assert supervision.due_at == end_of(2026, 3, 5)
    scan(now=end_of(2026, 3, 5) + timedelta(minutes=1))
    assert supervision_alerts(case) == []
    with frozen(local(2026, 3, 6, 10)):
        actions.case_supplement(Case.objects.get(pk=case.pk), text="地址：幸福家园3号楼")
    supervision.refresh_from_db()
    # 3, 4, 5 and 6 March, not 2 March, when the supervision did not exist yet.
    assert supervision.due_at == end_of(2026, 3, 11)


def test_a_duplicate_merged_while_intake_waits_hands_over_its_supervision_with_the_wait_given_back(
        world, make_case):
    original = make_case("processing", at=local(2026, 3, 2, 9))
    duplicate = make_case("submitted", at=local(2026, 3, 2, 9))
    with frozen(local(2026, 3, 2, 10)):
        actions.case_request_info(Case.objects.get(pk=duplicate.pk), by=world.intake, message="请补充具体地址")
        supervision = actions.case_supervise(Case.objects.get(pk=duplicate.pk), by=world.supervisor,
                                             instruction="两日内答复", working_days=2)
    assert supervision.due_at == end_of(2026, 3, 4)
    with frozen(local(2026, 3, 4, 10)):
        actions.case_merge(Case.objects.get(pk=duplicate.pk), by=world.intake, into=original)
    supervision.refresh_from_db()
    # 2, 3 and 4 March waited on the duplicate: the surviving case's department gets them.
    assert supervision.case_id == original.pk and supervision.due_at == end_of(2026, 3, 9)
    merge = CaseEvent.objects.get(case=duplicate, action="merge")
    assert merge.data["supervision_due"][0]["to"] == "2026-03-09T17:30:00+08:00"
    carried = CaseEvent.objects.get(case=original, action="carry_supervision")
    assert carried.data["due_at"] == ["2026-03-09T17:30:00+08:00"]
