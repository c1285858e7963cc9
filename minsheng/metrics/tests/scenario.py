"""The March 2026 scenario of issue 4 (table in test_scenario.py), shared by the metrics tests
through the `march` fixture of conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from minsheng.accounts.models import Role, RoleKind
from minsheng.cases import actions
from minsheng.cases.models import Case, FollowupMethod, Satisfaction
from minsheng.cases.tests.clock import frozen, local
from minsheng.conftest import World, submit_case
from minsheng.metrics import actions as metric_actions
from minsheng.metrics.engine import Scope
from minsheng.sites.models import Department

AS_OF = local(2026, 4, 2, 12)


def at(moment: datetime, step: Callable[[], Any]) -> Any:
    with frozen(moment):
        return step()


def fresh(case: Case) -> Case:
    case.refresh_from_db()
    return case


def dispatched(world: World, submitted: datetime, department: Department, *, dispatch_at: datetime | None = None,
               **submit: Any) -> Case:
    case = at(submitted, lambda: submit_case(world, **submit).case)
    dispatch_at = dispatch_at or submitted.replace(hour=submitted.hour + 1)
    at(dispatch_at, lambda: actions.case_accept(fresh(case), by=world.intake))
    at(dispatch_at, lambda: actions.case_dispatch(fresh(case), by=world.intake, lead=department))
    return fresh(case)


def reply(world: World, case: Case, moment: datetime, handler: Any = None, reviewer: Any = None) -> None:
    at(moment, lambda: actions.case_submit_reply(fresh(case), by=handler or world.handler_a, body="已处理，谢谢。"))
    at(moment, lambda: actions.case_approve_reply(fresh(case), by=reviewer or world.reviewer_a))


def rate(case: Case, moment: datetime, satisfaction: str, solved: bool) -> None:
    at(moment, lambda: actions.case_rate(fresh(case), satisfaction=satisfaction, solved=solved))


def build_march(world: World) -> dict[int, Case]:
    reviewer_b = Role.objects.create(user=world.handler_b, kind=RoleKind.REVIEWER, site=world.city,
                                     department=world.dept_b).user
    office = world.leader.office
    assert office is not None
    office_handler = world.admin.__class__.objects.create_user(username="office", password="x-office-123")
    Role.objects.create(user=office_handler, kind=RoleKind.HANDLER, site=world.city, department=office)
    c: dict[int, Case] = {}
    a = world.dept_a

    c[1] = dispatched(world, local(2026, 3, 2, 9), a, dispatch_at=local(2026, 3, 2, 11))
    at(local(2026, 3, 3, 9), lambda: actions.case_receive(fresh(c[1]), by=world.handler_a))
    reply(world, c[1], local(2026, 3, 5, 15))
    rate(c[1], local(2026, 3, 6, 10), Satisfaction.BASIC, True)
    followup = at(local(2026, 3, 9, 10), lambda: actions.case_create_followup(fresh(c[1]), method=FollowupMethod.PHONE))
    at(local(2026, 3, 10, 10), lambda: actions.case_record_followup(
        followup, by=world.supervisor, reached=True, satisfaction=Satisfaction.BASIC, solved=True))

    c[2] = dispatched(world, local(2026, 3, 2, 9), world.dept_b, dispatch_at=local(2026, 3, 2, 11))
    at(local(2026, 3, 4, 9), lambda: actions.case_receive(fresh(c[2]), by=world.handler_b))
    reply(world, c[2], local(2026, 3, 13, 10), handler=world.handler_b, reviewer=reviewer_b)

    c[3] = dispatched(world, local(2026, 3, 3, 9), world.dept_b, dispatch_at=local(2026, 3, 3, 10, 30))
    at(local(2026, 3, 3, 14), lambda: actions.case_return(fresh(c[3]), by=world.handler_b, reason="不属于本单位职责"))
    at(local(2026, 3, 4, 9), lambda: actions.case_dispatch(fresh(c[3]), by=world.intake, lead=a))
    at(local(2026, 3, 4, 10), lambda: actions.case_receive(fresh(c[3]), by=world.handler_a))
    reply(world, c[3], local(2026, 3, 6, 10))
    rate(c[3], local(2026, 3, 7, 10), Satisfaction.BASIC, False)

    c[4] = dispatched(world, local(2026, 3, 3, 9), a)
    at(local(2026, 3, 3, 11), lambda: actions.case_receive(fresh(c[4]), by=world.handler_a))
    at(local(2026, 3, 10, 9), lambda: actions.case_request_extension(fresh(c[4]), by=world.handler_a, working_days=5,
                                                                       reason="需要现场勘查"))
    at(local(2026, 3, 10, 11), lambda: actions.case_decide_extension(fresh(c[4]), by=world.supervisor, approve=True))
    reply(world, c[4], local(2026, 3, 17, 10))

    c[5] = dispatched(world, local(2026, 3, 4, 9), a)
    at(local(2026, 3, 4, 11), lambda: actions.case_receive(fresh(c[5]), by=world.handler_a))
    reply(world, c[5], local(2026, 3, 5, 10))
    rate(c[5], local(2026, 3, 6, 10), Satisfaction.DISSATISFIED, False)
    reply(world, c[5], local(2026, 3, 16, 10))
    rate(c[5], local(2026, 3, 16, 12), Satisfaction.SATISFIED, True)

    c[6] = dispatched(world, local(2026, 3, 4, 9), a)
    at(local(2026, 3, 4, 11), lambda: actions.case_receive(fresh(c[6]), by=world.handler_a))
    exclusion = at(local(2026, 3, 9, 9), lambda: metric_actions.exclusion_request(
        fresh(c[6]), by=world.handler_a, reason="诉求人要求为其个人违建补偿，无政策依据"))
    at(local(2026, 3, 9, 15), lambda: metric_actions.exclusion_decide(exclusion, by=world.supervisor, approve=True,
                                                                        note="属不合理诉求"))

    c[7] = dispatched(world, local(2026, 3, 5, 9), a)
    at(local(2026, 3, 5, 11), lambda: actions.case_receive(fresh(c[7]), by=world.handler_a))

    c[8] = dispatched(world, local(2026, 3, 5, 9), a)
    at(local(2026, 3, 5, 11), lambda: actions.case_receive(fresh(c[8]), by=world.handler_a))
    at(local(2026, 3, 6, 10), lambda: actions.case_pause(fresh(c[8]), by=world.handler_a, reason="请提供房产证复印件"))

    c[9] = at(local(2026, 3, 6, 9), lambda: submit_case(world, title="广告").case)
    at(local(2026, 3, 6, 10), lambda: actions.case_reject(fresh(c[9]), by=world.intake, reason="内容与政务无关"))
    c[10] = at(local(2026, 3, 6, 9), lambda: submit_case(world).case)
    at(local(2026, 3, 6, 10), lambda: actions.case_merge(fresh(c[10]), by=world.intake, into=c[1]))
    c[11] = at(local(2026, 3, 10, 9), lambda: submit_case(world).case)

    c[12] = dispatched(world, local(2026, 3, 9, 9), a)

    c[13] = dispatched(world, local(2026, 2, 27, 9), a)
    at(local(2026, 2, 27, 11), lambda: actions.case_receive(fresh(c[13]), by=world.handler_a))
    reply(world, c[13], local(2026, 3, 2, 10))

    c[14] = at(local(2026, 3, 10, 9), lambda: submit_case(world, channel=world.mailbox, leader=world.leader).case)
    at(local(2026, 3, 10, 10), lambda: actions.case_accept(fresh(c[14]), by=world.intake))
    at(local(2026, 3, 10, 11), lambda: actions.case_forward(fresh(c[14]), by=office_handler, lead=a,
                                                            instruction="请住建局核实处理"))
    return {k: fresh(v) for k, v in c.items()}


def march_scope(world: World, **kw: Any) -> Scope:
    kw.setdefault("as_of", AS_OF)
    return Scope(site=world.city, start=date(2026, 3, 1), end=date(2026, 3, 31), **kw)
