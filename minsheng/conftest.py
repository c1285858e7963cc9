"""Shared personas and a small site cluster for the tests.

A市 (city) with 住建局 (department A) and 生态环境局 (department B); A1区 (district) below it with its
城管局. Personas: a citizen (via tracking code), an intake officer, handler A, handler B, reviewer A,
a supervisor and an administrator of the city.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

import pytest

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.cases import actions
from minsheng.cases.models import Case, Satisfaction
from minsheng.cases.tests.clock import frozen
from minsheng.sites.models import Category, Channel, ChannelKind, Department, Leader, Site

TEST_PASSWORD = "pass-for-tests-123"  # noqa: S105 - the personas' password in tests only


@dataclass
class World:
    city: Site
    district: Site
    dept_a: Department
    dept_b: Department
    district_dept: Department
    complaint: Channel
    mailbox: Channel
    inquiry: Channel
    leader: Leader
    category: Category
    intake: User
    handler_a: User
    handler_b: User
    reviewer_a: User
    supervisor: User
    admin: User
    district_handler: User


def _user(username: str, *roles: tuple[str, Site, Department | None]) -> User:
    user = User.objects.create_user(username=username, password=TEST_PASSWORD, display_name=username)
    for kind, site, department in roles:
        Role.objects.create(user=user, kind=kind, site=site, department=department)
    return user


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    city = Site.objects.create(code="a-city", name="A市人民政府")
    district = Site.objects.create(code="a1", name="A1区人民政府", parent=city)
    dept_a = Department.objects.create(site=city, name="A市住房和城乡建设局")
    dept_b = Department.objects.create(site=city, name="A市生态环境局")
    office = Department.objects.create(site=city, name="A市人民政府办公室")
    district_dept = Department.objects.create(site=district, name="A1区城市管理局")
    complaint = Channel.objects.create(site=city, kind=ChannelKind.COMPLAINT, name="投诉")
    mailbox = Channel.objects.create(site=city, kind=ChannelKind.MAILBOX, name="市长信箱")
    inquiry = Channel.objects.create(site=city, kind=ChannelKind.INQUIRY, name="咨询")
    Channel.objects.create(site=district, kind=ChannelKind.COMPLAINT, name="投诉")
    leader = Leader.objects.create(site=city, name="李明", title="市长", office=office)
    top = Category.objects.create(name="城乡建设", level=1)
    category = Category.objects.create(name="住房保障", level=2, parent=top)
    return World(
        city=city, district=district, dept_a=dept_a, dept_b=dept_b, district_dept=district_dept,
        complaint=complaint, mailbox=mailbox, inquiry=inquiry, leader=leader, category=category,
        intake=_user("intake", (RoleKind.INTAKE, city, None)),
        handler_a=_user("handler_a", (RoleKind.HANDLER, city, dept_a)),
        handler_b=_user("handler_b", (RoleKind.HANDLER, city, dept_b)),
        reviewer_a=_user("reviewer_a", (RoleKind.REVIEWER, city, dept_a)),
        supervisor=_user("supervisor", (RoleKind.SUPERVISOR, city, None)),
        admin=_user("admin", (RoleKind.ADMIN, city, None)),
        district_handler=_user("district_handler", (RoleKind.HANDLER, district, district_dept)),
    )


def submit_case(world: World, **overrides: object) -> actions.Submission:
    data: dict[str, object] = {
        "site": world.city, "channel": world.complaint, "title": "小区旁搅拌站夜间噪音扰民",
        "body": "幸福家园小区旁的混凝土搅拌站每天夜里施工到凌晨两点，噪音很大，请相关部门处理。我叫王建国，电话13812345678。",
        "name": "王建国", "phone": "13812345678", "email": "wang@example.com", "wants_public": True,
    }
    data.update(overrides)
    return actions.case_submit(**data)  # type: ignore[arg-type]


def case_in_status(world: World, status: str, *, at: datetime | None = None) -> Case:
    """A fresh case walked through the real actions up to `status`. With `at`, every step happens at
    that moment (the clock frozen there), so its deadlines count from a known day."""
    steps = {
        "submitted": [],
        "accepted": ["accept"],
        "dispatched": ["accept", "dispatch"],
        "processing": ["accept", "dispatch", "receive"],
        "reviewing": ["accept", "dispatch", "receive", "submit_reply"],
        "replied": ["accept", "dispatch", "receive", "submit_reply", "approve_reply"],
        "closed": ["accept", "dispatch", "receive", "submit_reply", "approve_reply", "rate"],
    }[status]
    with frozen(at) if at is not None else nullcontext():
        case = submit_case(world).case
        for step in steps:
            case.refresh_from_db()
            if step == "accept":
                actions.case_accept(case, by=world.intake)
            elif step == "dispatch":
                actions.case_dispatch(case, by=world.intake, lead=world.dept_a)
            elif step == "receive":
                actions.case_receive(case, by=world.handler_a)
            elif step == "submit_reply":
                actions.case_submit_reply(case, by=world.handler_a, body="经核查，已责令搅拌站夜间停工，联系电话12345。")
            elif step == "approve_reply":
                actions.case_approve_reply(case, by=world.reviewer_a)
            elif step == "rate":
                actions.case_rate(case, satisfaction=Satisfaction.SATISFIED, solved=True)
    case.refresh_from_db()
    assert case.status == status
    return case


@pytest.fixture
def make_case(world):  # type: ignore[no-untyped-def]
    def make(status: str = "submitted", *, at: datetime | None = None) -> Case:
        return case_in_status(world, status, at=at)

    return make
