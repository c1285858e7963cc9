"""Assisting departments (协办) take part while the case is handled and step out when the reply is
approved: out of their queues and unable to act, still able to read the case they helped answer,
and back on it when the case is reopened for redo (重办)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.urls import reverse

from minsheng.cases import actions, selectors
from minsheng.cases import queues as cq
from minsheng.cases.actions import ActionError
from minsheng.cases.models import Assignment, AssignmentRole, Case, Satisfaction, Status
from minsheng.cases.tests.clock import frozen, local
from minsheng.notifications.models import StaffNotice

pytestmark = pytest.mark.django_db


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _assisted_until_reply(world, make_case) -> Case:
    """A case led by department A with department B assisting, walked to an approved reply."""
    case = make_case("accepted")
    actions.case_dispatch(case, by=world.intake, lead=world.dept_a, assisting=[world.dept_b])
    actions.case_receive(_fresh(case), by=world.handler_a)
    actions.case_assist(_fresh(case), by=world.handler_b, text="经查该搅拌站夜间施工未办理许可")
    actions.case_submit_reply(_fresh(case), by=world.handler_a, body="已责令搅拌站夜间停工。")
    with frozen(local(2026, 11, 20, 15)):
        actions.case_approve_reply(_fresh(case), by=world.reviewer_a)
    return _fresh(case)


def _assisting(case: Case) -> Assignment:
    return case.assignments.get(role=AssignmentRole.ASSISTING, department__name__contains="生态环境")


def _open_queue_ids(user) -> set[int]:
    return set(selectors.cases_for_staff(user, open_only=True).values_list("pk", flat=True))


def test_the_assisting_part_ends_when_the_reply_is_approved_and_the_event_says_so(world, make_case):
    case = _assisted_until_reply(world, make_case)
    assisting = _assisting(case)
    assert case.status == Status.REPLIED
    assert not assisting.is_active and assisting.finished_at == local(2026, 11, 20, 15)
    # The input the department sent stays on its row.
    assert assisting.input_text == "经查该搅拌站夜间施工未办理许可"
    event = case.events.get(action="approve_reply")
    assert event.data["assisting_finished"] == [world.dept_b.pk]
    # The lead's assignment is not touched: the lead stays answerable for the case.
    assert case.assignments.get(role=AssignmentRole.LEAD).is_active


def test_a_replied_case_leaves_the_assisting_departments_queues(world, make_case):
    case = _assisted_until_reply(world, make_case)
    assert case.pk not in _open_queue_ids(world.handler_b)
    counts = cq.queue_counts(world.handler_b, cq.clock())
    assert sum(counts.values()) == 0
    # The lead department still sees it among its open cases (waiting for the rating).
    assert case.pk in _open_queue_ids(world.handler_a)


def test_an_assisting_department_can_still_read_the_case_it_helped_answer(client, world, make_case):
    case = _assisted_until_reply(world, make_case)
    assert selectors.case_for_staff_or_404(world.handler_b, case.pk).pk == case.pk
    client.force_login(world.handler_b)
    page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert world.dept_b.name in page and "经查该搅拌站夜间施工未办理许可" in page
    assert 'id="act-assist"' not in page


def test_the_case_page_shows_who_assisted_after_the_case_is_closed(client, world, make_case):
    case = _assisted_until_reply(world, make_case)
    actions.case_rate(case, satisfaction=Satisfaction.SATISFIED, solved=True)
    client.force_login(world.handler_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the English msgid, compiled catalogue or not
    page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert f'id="input-{world.dept_b.pk}"' in page
    assert "part ended with the reply on 2026-11-20 15:00" in page


def test_an_assisting_department_cannot_act_once_its_part_has_ended(world, make_case):
    case = _assisted_until_reply(world, make_case)
    with pytest.raises(ActionError):
        actions.case_reveal_contact(case, by=world.handler_b)
    with pytest.raises(ActionError):
        actions.case_add_note(case, by=world.handler_b, text="补充说明")


def test_a_dissatisfied_rating_brings_the_assisting_department_back_for_the_redo(world, make_case):
    case = _assisted_until_reply(world, make_case)
    actions.case_rate(case, satisfaction=Satisfaction.DISSATISFIED, solved=False)
    case = _fresh(case)
    assisting = _assisting(case)
    assert case.status == Status.PROCESSING
    assert assisting.is_active and assisting.finished_at is None
    assert case.events.get(action="rate").data["assisting_restored"] == [world.dept_b.pk]
    assert case.pk in _open_queue_ids(world.handler_b)
    assert StaffNotice.objects.filter(user=world.handler_b, case=case, kind="redo").exists()
    # Back on the case, the department can send new input.
    actions.case_assist(case, by=world.handler_b, text="已复查，搅拌站仍在夜间施工")
    assert _assisting(case).input_text == "已复查，搅拌站仍在夜间施工"


def test_a_return_visit_that_finds_the_problem_unsolved_brings_the_assisting_department_back(world, make_case):
    case = _assisted_until_reply(world, make_case)
    actions.case_rate(case, satisfaction=Satisfaction.SATISFIED, solved=True)
    followup = actions.case_create_followup(_fresh(case), method="phone")
    assert followup is not None
    actions.case_record_followup(followup, by=world.intake, reached=True, satisfaction=Satisfaction.DISSATISFIED,
                                 solved=False, answer="噪音依旧")
    case = _fresh(case)
    assert case.status == Status.PROCESSING and _assisting(case).is_active
    assert case.events.get(action="followup").data["assisting_restored"] == [world.dept_b.pk]


def test_a_supervisor_closing_a_disputed_case_leaves_the_assisting_part_ended(world, make_case):
    case = _assisted_until_reply(world, make_case)
    actions.case_rate(case, satisfaction=Satisfaction.DISSATISFIED, solved=False)
    actions.case_submit_reply(_fresh(case), by=world.handler_a, body="再次责令停工。")
    actions.case_approve_reply(_fresh(case), by=world.reviewer_a)
    actions.case_rate(_fresh(case), satisfaction=Satisfaction.DISSATISFIED, solved=False)
    assert _fresh(case).status == Status.DISPUTED and not _assisting(case).is_active
    actions.case_decide(_fresh(case), by=world.supervisor, decision="close", justification="已依法答复")
    case = _fresh(case)
    assert case.status == Status.CLOSED
    assisting = _assisting(case)
    assert not assisting.is_active and assisting.finished_at is not None
    assert "assisting_restored" not in case.events.filter(action="decide").get().data


def test_a_department_dropped_by_a_new_dispatch_does_not_keep_read_access(world, make_case):
    case = make_case("accepted")
    actions.case_dispatch(case, by=world.intake, lead=world.dept_a, assisting=[world.dept_b])
    actions.case_return(_fresh(case), by=world.handler_a, reason="不属于本局职责")
    actions.case_dispatch(_fresh(case), by=world.intake, lead=world.district_dept)
    assert not selectors.cases_for_staff(world.handler_b).filter(pk=case.pk).exists()


def test_the_migration_ends_the_assisting_part_of_cases_replied_before_it(world, make_case):
    case = _assisted_until_reply(world, make_case)
    # As the rows stood before the change: still active after the reply.
    Assignment.objects.filter(case=case, role=AssignmentRole.ASSISTING).update(is_active=True, finished_at=None)
    migration = importlib.import_module("minsheng.cases.migrations.0008_assisting_finished")
    migration.end_finished_assisting(django_apps, None)
    assisting = _assisting(case)
    assert not assisting.is_active and assisting.finished_at == case.replied_at
