"""How a supervision (督办) ends when the case ends without the reply it asked for.

An approved reply closes it. A case rejected or closed by a supervisor's decision closes it too; a
merged duplicate hands it to the surviving case when that case can still be supervised; a transfer
keeps it only for a supervisor who also covers the receiving site. Each is recorded on the action's
event, and the supervisor who issued it is told when someone else ended it.
"""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.cases import actions
from minsheng.cases.models import (
    AlertKind,
    Case,
    CaseEvent,
    DeadlineAlert,
    Satisfaction,
    Stage,
    Status,
    Supervision,
)
from minsheng.cases.scan import scan
from minsheng.cases.tests.clock import frozen, local
from minsheng.conftest import TEST_PASSWORD, World
from minsheng.notifications.models import StaffNotice

pytestmark = pytest.mark.django_db

INSTRUCTION = "三日内核实并答复"


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def supervise(world: World, case: Case, *, by: User | None = None) -> Supervision:
    return actions.case_supervise(fresh(case), by=by or world.supervisor, instruction=INSTRUCTION, working_days=3)


def ended_notices(case: Case) -> dict[int, str]:
    return dict(StaffNotice.objects.filter(case=case, kind="supervision_ended").values_list("user_id", "text"))


def assert_ended(case: Case, supervision: Supervision, event: CaseEvent) -> None:
    supervision.refresh_from_db()
    case = fresh(case)
    assert supervision.closed_at == case.closed_at == event.created_at
    assert not case.is_supervised and not case.supervisions.filter(closed_at__isnull=True).exists()
    assert event.data["supervisions_closed"] == [supervision.pk]


def supervisor_with_subsites(world: World) -> User:
    user = User.objects.create_user(username="city_supervisor", password=TEST_PASSWORD)
    Role.objects.create(user=user, kind=RoleKind.SUPERVISOR, site=world.city, include_subsites=True)
    return user


def test_a_rejected_case_ends_its_supervision_and_tells_the_supervisor(world, make_case):
    case = make_case("accepted")
    supervision = supervise(world, case)
    actions.case_reject(fresh(case), by=world.intake, reason="不属于政府职能范围")
    assert_ended(case, supervision, fresh(case).events.get(action="reject"))
    assert list(ended_notices(case)) == [world.supervisor.pk]
    assert case.tracking_code in ended_notices(case)[world.supervisor.pk]


def test_the_page_queue_and_scan_of_a_rejected_case_show_no_running_supervision(client, world, make_case):
    case = make_case("accepted")
    supervision = supervise(world, case)
    actions.case_reject(fresh(case), by=world.intake, reason="不属于政府职能范围")
    client.force_login(world.supervisor)
    page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert 'id="supervisions"' not in page and INSTRUCTION not in page.split('id="timeline"')[0]
    queue = client.get(reverse("workbench:queue"), {"queue": "supervised"}).content.decode()
    assert case.tracking_code not in queue
    scan(now=supervision.due_at + timedelta(days=1))
    assert not DeadlineAlert.objects.filter(case=case, stage=Stage.SUPERVISION).exists()


def test_a_merged_duplicate_hands_its_supervision_to_the_surviving_case(world, make_case):
    original = make_case("processing")
    duplicate = make_case("accepted")
    supervision = supervise(world, duplicate)
    due, version = supervision.due_at, fresh(original).version
    actions.case_merge(fresh(duplicate), by=world.intake, into=fresh(original))
    supervision.refresh_from_db()
    original, duplicate = fresh(original), fresh(duplicate)
    # The same instruction, issuer and limit, now on the surviving case and still running.
    assert supervision.case_id == original.pk and supervision.closed_at is None and supervision.due_at == due
    assert original.is_supervised and not duplicate.is_supervised
    assert duplicate.events.get(action="merge").data["supervisions_carried"] == [supervision.pk]
    carried = original.events.get(action="carry_supervision")
    assert carried.actor == world.intake and carried.from_status == carried.to_status == Status.PROCESSING
    assert carried.data["supervisions"] == [supervision.pk]
    assert carried.data["merged_from"] == duplicate.tracking_code
    assert original.version == version + 1  # an officer's open form on the surviving case is stale
    # The department now holding it hears of it; the supervisor hears where it went.
    told = StaffNotice.objects.filter(case=original, kind="supervised").values_list("user_id", flat=True)
    assert set(told) == {world.handler_a.pk, world.reviewer_a.pk}
    assert original.tracking_code in ended_notices(duplicate)[world.supervisor.pk]


def test_a_carried_supervision_is_watched_on_the_surviving_case(client, world, make_case):
    original = make_case("processing")
    duplicate = make_case("accepted")
    supervision = supervise(world, duplicate)
    actions.case_merge(fresh(duplicate), by=world.intake, into=fresh(original))
    client.force_login(world.handler_a)
    page = client.get(reverse("workbench:case", args=[original.pk])).content.decode()
    assert 'id="supervisions"' in page and INSTRUCTION in page
    scan(now=supervision.due_at + timedelta(minutes=1))
    overdue = DeadlineAlert.objects.filter(stage=Stage.SUPERVISION, kind=AlertKind.OVERDUE)
    assert list(overdue.values_list("case_id", flat=True)) == [original.pk]


def test_a_supervision_ends_with_a_duplicate_merged_into_an_answered_case(world, make_case):
    original = make_case("replied")
    duplicate = make_case("accepted")
    supervision = supervise(world, duplicate)
    actions.case_merge(fresh(duplicate), by=world.intake, into=fresh(original))
    assert_ended(duplicate, supervision, fresh(duplicate).events.get(action="merge"))
    assert not fresh(original).is_supervised
    assert not fresh(original).events.filter(action="carry_supervision").exists()
    assert original.tracking_code in ended_notices(duplicate)[world.supervisor.pk]


def test_a_transfer_keeps_the_supervision_of_a_supervisor_who_covers_the_receiving_site(world, make_case):
    city_supervisor = supervisor_with_subsites(world)
    case = make_case("accepted")
    supervision = supervise(world, case, by=city_supervisor)
    actions.case_transfer(fresh(case), by=world.intake, to_site=world.district, reason="属地管理")
    supervision.refresh_from_db()
    case = fresh(case)
    assert case.site == world.district and case.is_supervised and supervision.closed_at is None
    assert case.events.get(action="transfer").data["supervisions_kept"] == [supervision.pk]
    assert ended_notices(case) == {}


def test_a_transfer_ends_a_supervision_the_receiving_site_does_not_answer_to(world, make_case):
    district_supervisor = User.objects.create_user(username="district_supervisor", password=TEST_PASSWORD)
    Role.objects.create(user=district_supervisor, kind=RoleKind.SUPERVISOR, site=world.district)
    case = make_case("accepted")
    supervision = supervise(world, case)  # the city's supervisor, without the districts
    actions.case_transfer(fresh(case), by=world.intake, to_site=world.district, reason="属地管理")
    supervision.refresh_from_db()
    case = fresh(case)
    event = case.events.get(action="transfer")
    assert supervision.closed_at == event.created_at and not case.is_supervised
    assert event.data["supervisions_closed"] == [supervision.pk] and "supervisions_kept" not in event.data
    # The district's supervisors do not inherit it; the city's supervisor is told it ended.
    assert list(ended_notices(case)) == [world.supervisor.pk]
    assert world.district.name in ended_notices(case)[world.supervisor.pk]


def disputed(world: World, case: Case) -> Case:
    """Dissatisfied twice: the first time redone and answered again, the second time for a supervisor."""
    actions.case_rate(fresh(case), satisfaction=Satisfaction.DISSATISFIED, solved=False)
    actions.case_submit_reply(fresh(case), by=world.handler_a, body="再次核查并处理。")
    actions.case_approve_reply(fresh(case), by=world.reviewer_a)
    actions.case_rate(fresh(case), satisfaction=Satisfaction.DISSATISFIED, solved=False)
    assert fresh(case).status == Status.DISPUTED
    return fresh(case)


def test_a_supervisors_decision_to_redo_a_disputed_case_keeps_its_supervision(world, make_case):
    case = disputed(world, make_case("replied"))
    supervision = supervise(world, case)
    actions.case_decide(case, by=world.supervisor, decision="redo", justification="重新核查")
    supervision.refresh_from_db()
    assert supervision.closed_at is None and fresh(case).is_supervised  # the answer it asks for is due again
    assert "supervisions_closed" not in fresh(case).events.get(action="decide").data


def test_a_supervisors_decision_to_close_a_disputed_case_ends_its_supervisions(world, make_case):
    other_supervisor = User.objects.create_user(username="supervisor2", password=TEST_PASSWORD)
    Role.objects.create(user=other_supervisor, kind=RoleKind.SUPERVISOR, site=world.city)
    case = disputed(world, make_case("replied"))
    theirs = supervise(world, case, by=other_supervisor)
    mine = supervise(world, case)
    actions.case_decide(fresh(case), by=world.supervisor, decision="close", justification="已依法答复，不再重办")
    decided = fresh(case).events.get(action="decide")
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.closed_at == mine.closed_at == decided.created_at and not fresh(case).is_supervised
    assert decided.data["supervisions_closed"] == [theirs.pk, mine.pk]
    # The supervisor who decided is not told of their own decision.
    assert list(ended_notices(case)) == [other_supervisor.pk]


def test_an_approved_reply_names_the_supervisions_it_closes(world, make_case):
    case = make_case("processing")
    supervision = supervise(world, case)
    with frozen(local(2026, 3, 3, 11)):
        actions.case_submit_reply(fresh(case), by=world.handler_a, body="经核查已处理。")
        actions.case_approve_reply(fresh(case), by=world.reviewer_a)
    supervision.refresh_from_db()
    assert supervision.closed_at == local(2026, 3, 3, 11) and not fresh(case).is_supervised
    assert fresh(case).events.get(action="approve_reply").data["supervisions_closed"] == [supervision.pk]
    assert ended_notices(case) == {}  # the reply is the answer asked for, not an ending to explain


def answered_notices(case: Case) -> dict[int, str]:
    return dict(StaffNotice.objects.filter(case=case, kind="supervision_answered").values_list("user_id", "text"))


def reply_and_approve(world: World, case: Case, *, by: User | None = None) -> None:
    actions.case_submit_reply(fresh(case), by=world.handler_a, body="经核查已处理。")
    actions.case_approve_reply(fresh(case), by=by or world.reviewer_a)


def test_an_approved_reply_tells_the_supervisor_that_the_answer_they_asked_for_came(world, make_case):
    case = make_case("processing")
    first, second = supervise(world, case), supervise(world, case)
    reply_and_approve(world, case)
    # Once, however many of their supervisions the answer fulfils, in the interface's language.
    assert answered_notices(case) == {world.supervisor.pk: f"{case.tracking_code} 已答复，您对该件的督办已办结。"}
    assert fresh(case).events.get(action="approve_reply").data["supervisions_closed"] == [first.pk, second.pk]


def test_a_reviewer_who_issued_a_supervision_is_not_told_of_their_own_approval(world, make_case):
    leader = User.objects.create_user(username="reviewing_supervisor", password=TEST_PASSWORD)
    Role.objects.create(user=leader, kind=RoleKind.SUPERVISOR, site=world.city)
    Role.objects.create(user=leader, kind=RoleKind.REVIEWER, site=world.city, department=world.dept_a)
    case = make_case("processing")
    theirs, mine = supervise(world, case), supervise(world, case, by=leader)
    reply_and_approve(world, case, by=leader)
    assert list(answered_notices(case)) == [world.supervisor.pk]
    assert fresh(case).events.get(action="approve_reply").data["supervisions_closed"] == [theirs.pk, mine.pk]


def test_a_supervisor_no_longer_active_is_not_told_that_the_answer_came(world, make_case):
    case = make_case("processing")
    supervision = supervise(world, case)
    User.objects.filter(pk=world.supervisor.pk).update(is_active=False)  # left the service
    reply_and_approve(world, case)
    supervision.refresh_from_db()
    assert supervision.closed_at is not None and answered_notices(case) == {}
    assert fresh(case).events.get(action="approve_reply").data["supervisions_closed"] == [supervision.pk]


def test_the_answer_to_a_redone_disputed_case_is_told_to_the_supervisor_again(world, make_case):
    case = disputed(world, make_case("replied"))
    supervision = supervise(world, case)
    actions.case_decide(case, by=world.admin, decision="redo", justification="重新核查")
    reply_and_approve(world, case)
    supervision.refresh_from_db()
    assert supervision.closed_at is not None and list(answered_notices(case)) == [world.supervisor.pk]


def test_the_migration_ends_the_supervisions_of_cases_that_ended_before_it(world, make_case):
    rejected, running = make_case("accepted"), make_case("accepted")
    old = supervise(world, rejected)
    still = supervise(world, running)
    actions.case_reject(fresh(rejected), by=world.intake, reason="不属于政府职能范围")
    # As the rows stood before the change: the rejection left the supervision open.
    Supervision.objects.filter(pk=old.pk).update(closed_at=None)
    Case.objects.filter(pk=rejected.pk).update(is_supervised=True)
    migration = importlib.import_module("minsheng.cases.migrations.0009_end_supervisions_of_ended_cases")
    migration.end_supervisions_of_ended_cases(django_apps, None)
    old.refresh_from_db()
    still.refresh_from_db()
    assert old.closed_at == fresh(rejected).closed_at and not fresh(rejected).is_supervised
    assert still.closed_at is None and fresh(running).is_supervised
