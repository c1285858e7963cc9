"""One small month of work, walked through the real actions, shared by the report, dashboard,
public-page and agreement tests: dept A answers three cases (one rated satisfied, one basically
satisfied but not solved, one unrated), dept B has one overdue case, intake rejects one, and the
district has one case of its own. Each test module declares `scenario` as a fixture over
`build_scenario(world)`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from minsheng.cases import actions
from minsheng.cases.models import Case, Satisfaction
from minsheng.conftest import World, case_in_status, submit_case


@dataclass
class Scenario:
    world: World
    satisfied: Case  # dept A, replied, rated satisfied, published
    unrated: Case  # dept A, replied
    basic: Case  # dept A, replied, rated basically satisfied, not solved
    overdue: Case  # dept B, dispatched, deadline passed
    rejected: Case
    district: Case  # submitted to the district, dispatched to its department


def build_scenario(world: World) -> Scenario:
    satisfied = case_in_status(world, "replied")
    actions.case_rate(satisfied, satisfaction=Satisfaction.SATISFIED, solved=True)
    unrated = case_in_status(world, "replied")
    basic = case_in_status(world, "replied")
    actions.case_rate(basic, satisfaction=Satisfaction.BASIC, solved=False)

    overdue = submit_case(world, title="河道排污无人管", wants_public=False).case
    actions.case_accept(overdue, by=world.intake)
    overdue.refresh_from_db()
    actions.case_dispatch(overdue, by=world.intake, lead=world.dept_b)
    # Test setup only: the deadline is moved into the past instead of waiting seven working days.
    Case.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(days=10))

    rejected = submit_case(world, title="广告").case
    actions.case_reject(rejected, by=world.intake, reason="与政务无关")

    district = submit_case(world, site=world.district, channel=world.district.channels.get()).case
    for case in (satisfied, unrated, basic, overdue, rejected, district):
        case.refresh_from_db()
    return Scenario(world, satisfied, unrated, basic, overdue, rejected, district)
