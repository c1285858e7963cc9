"""The rating window: a reply the citizen does not rate within the site's window closes the case
without a verdict, for live and imported cases alike; with no window (the default) it waits."""

from __future__ import annotations

from datetime import datetime

import pytest

from minsheng.cases import actions, selectors
from minsheng.cases.actions import ActionError
from minsheng.cases.importing import HistoricalCase, case_import
from minsheng.cases.models import ActorKind, Case, Followup, Rating, Satisfaction, Status
from minsheng.cases.scan import scan
from minsheng.cases.tests.clock import end_of, frozen, local
from minsheng.conftest import World
from minsheng.notifications.models import Notification
from minsheng.sites.models import Site

pytestmark = pytest.mark.django_db


def window(world: World, days: int) -> None:
    Site.objects.filter(pk=world.city.pk).update(rating_window_working_days=days)


def status(case: Case) -> str:
    return Case.objects.values_list("status", flat=True).get(pk=case.pk)


def test_without_a_rating_window_a_replied_case_waits_for_its_rating(world, make_case):
    case = make_case("replied", at=local(2026, 3, 2))
    assert Site.objects.get(pk=world.city.pk).rating_window_working_days == 0
    assert scan(now=local(2027, 3, 2)).closed_unrated == 0
    assert status(case) == Status.REPLIED


def test_a_reply_not_rated_within_the_window_closes_the_case_without_a_verdict(world, make_case):
    window(world, 5)
    case = make_case("replied", at=local(2026, 9, 30, 10))
    # Five working days after 30 September: 8, 9, 10 (make-up Saturday), 12 and 13 October.
    assert scan(now=local(2026, 10, 13, 17, 29)).closed_unrated == 0
    assert status(case) == Status.REPLIED
    assert scan(now=local(2026, 10, 13, 17, 31)).closed_unrated == 1
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.closed_at == local(2026, 10, 13, 17, 31)
    assert not Rating.objects.filter(case=case).exists()  # no verdict
    event = case.events.get(action="close_unrated")
    assert event.actor is None and event.actor_kind == ActorKind.SYSTEM
    assert event.from_status == Status.REPLIED and event.to_status == Status.CLOSED
    assert event.data["window_working_days"] == 5
    assert datetime.fromisoformat(event.data["window_end"]) == end_of(2026, 10, 13)
    assert Notification.objects.filter(case=case, kind="closed").exists()
    assert "close_unrated" in [e.action for e in selectors.public_timeline(case)]
    # A second scan finds nothing more to do.
    assert scan(now=local(2026, 10, 14)).closed_unrated == 0
    assert case.events.filter(action="close_unrated").count() == 1


def test_a_rating_within_the_window_closes_the_case_as_usual(world, make_case):
    window(world, 5)
    case = make_case("replied", at=local(2026, 9, 30, 10))
    with frozen(local(2026, 10, 9, 10)):
        actions.case_rate(case, satisfaction=Satisfaction.SATISFIED, solved=True)
    assert scan(now=local(2026, 10, 20)).closed_unrated == 0
    assert not case.events.filter(action="close_unrated").exists()


def test_the_window_counts_from_the_latest_reply_after_a_redo(world, make_case):
    window(world, 5)
    case = make_case("replied", at=local(2026, 9, 1, 10))
    with frozen(local(2026, 9, 2, 10)):
        actions.case_rate(case, satisfaction=Satisfaction.DISSATISFIED, solved=False, comment="噪音依旧")
    with frozen(local(2026, 9, 30, 10)):
        actions.case_submit_reply(case, by=world.handler_a, body="已再次责令停工并安排夜间巡查。")
        actions.case_approve_reply(case, by=world.reviewer_a)
    assert status(case) == Status.REPLIED
    assert scan(now=local(2026, 10, 12, 10)).closed_unrated == 0  # the first reply is long past
    assert scan(now=local(2026, 10, 14, 9)).closed_unrated == 1


def test_the_action_refuses_while_the_citizen_may_still_rate(world, make_case):
    window(world, 5)
    case = make_case("replied", at=local(2026, 9, 30, 10))
    with pytest.raises(ActionError):
        actions.case_close_unrated(case, at=local(2026, 10, 9, 10))
    window(world, 0)
    with pytest.raises(ActionError):
        actions.case_close_unrated(case, at=local(2027, 1, 4, 10))
    assert status(case) == Status.REPLIED


def test_an_imported_replied_case_closes_by_the_same_rule(world):
    imported = case_import(HistoricalCase(
        title="小区路灯不亮", body="幸福家园小区3栋前路灯坏了一个月。", posted_at=local(2019, 3, 1, 9),
        channel=world.complaint, status=Status.REPLIED, department=world.dept_a,
        reply="已安排维修，路灯已恢复。", replied_at=local(2019, 3, 5, 15),
    ), site=world.city)
    assert imported is not None and imported.status == Status.REPLIED
    now = local(2026, 3, 2, 10)
    assert scan(now=now).closed_unrated == 0  # no window: it waits, as a live case would
    window(world, 5)
    assert scan(now=now).closed_unrated == 1
    imported.refresh_from_db()
    assert imported.status == Status.CLOSED and imported.closed_at == now
    assert imported.events.get(action="close_unrated").data["window_end"].startswith("2019-03-12")
    assert not Notification.objects.filter(case=imported).exists()  # nobody to tell
    # History gets no return visit, however it was closed.
    assert scan(now=local(2026, 3, 4, 10)).followups == 0


def test_a_case_closed_without_a_rating_gets_its_return_visit_like_any_closing(world, make_case):
    window(world, 5)
    case = make_case("replied", at=local(2026, 3, 2, 10))
    scan(now=local(2026, 3, 10, 10))
    assert status(case) == Status.CLOSED
    scan(now=local(2026, 3, 11, 11))  # a day after closing
    assert Followup.objects.filter(case=case).exists()
