"""Load a realistic demo city: ``python manage.py seed_demo [--cases N]``.

Builds 「A市人民政府」 with five districts, their departments, channels, leaders, a demo taxonomy,
staff logins for every role, and a few hundred cases spread over the last four months in every
status. The content lives in `minsheng.core.demo_content`.

Every case is created and moved only through `minsheng.cases.actions`, exactly as the portal and
the workbench would, so the demo exercises the real rules (scopes, transitions, masking,
publication, search indexing, audit events). Actions stamp the current time; the one demo-only
liberty is `_backdate`, which afterwards moves each case's timestamps onto a plausible timeline.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from django.utils import timezone

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.cases import actions
from minsheng.cases.actions import Decision
from minsheng.cases.deadlines import DUE_FIELDS, recomputed_due, refresh_next_due, work_calendar
from minsheng.cases.models import (
    Assignment,
    Case,
    CaseEvent,
    DeadlineRule,
    DeadlineUnit,
    ExtensionRequest,
    Priority,
    Rating,
    Reply,
    ReplyTemplate,
    Satisfaction,
    Stage,
    Status,
    Supervision,
)
from minsheng.cases.scan import scan
from minsheng.core import demo_content as demo
from minsheng.notifications.models import DeliveryState, Notification
from minsheng.sites.models import Category, Channel, Department, Leader, Site

DEFAULT_CASES = 300
SUPERVISION_WORKING_DAYS = 3
SEED = 2026
BASE_URL = "http://127.0.0.1:8000"

# How a case's life goes, as the steps after "submit". "rate:x" is the citizen's rating, "decide:x"
# a supervisor's decision. The weights give roughly 300 cases with every status represented, and
# each scenario has a range of submission ages (days ago): open cases are recent, closed ones spread
# over four months, as on a real portal.
REPLY = ("accept", "dispatch", "receive", "submit_reply", "approve_reply")
SECOND_REPLY = ("submit_reply", "approve_reply")


@dataclass(frozen=True)
class Scenario:
    name: str
    weight: int
    steps: tuple[str, ...]
    age_days: tuple[float, float]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("submitted", 18, (), (0, 3)),
    Scenario("need_info", 10, ("request_info",), (1, 12)),
    Scenario("accepted", 16, ("accept",), (0.5, 4)),
    Scenario("dispatched", 16, ("accept", "dispatch"), (1, 9)),
    Scenario("processing", 20, ("accept", "dispatch", "receive"), (2, 18)),
    Scenario("processing_returned", 6, (*REPLY[:4], "return_reply"), (5, 20)),
    Scenario("reviewing", 14, REPLY[:4], (3, 15)),
    Scenario("replied", 24, REPLY, (4, 25)),
    Scenario("closed_satisfied", 70, (*REPLY, "rate:satisfied"), (8, 120)),
    Scenario("closed_basic", 34, (*REPLY, "rate:basic"), (8, 120)),
    Scenario("redone_processing", 8, (*REPLY, "rate:dissatisfied"), (12, 40)),
    Scenario("redone_closed", 10, (*REPLY, "rate:dissatisfied", *SECOND_REPLY, "rate:basic"), (25, 120)),
    Scenario("disputed", 6, (*REPLY, "rate:dissatisfied", *SECOND_REPLY, "rate:dissatisfied"), (20, 70)),
    Scenario(
        "decided_close", 6,
        (*REPLY, "rate:dissatisfied", *SECOND_REPLY, "rate:dissatisfied", "decide:close"), (35, 120),
    ),
    Scenario(
        "decided_redo", 3,
        (*REPLY, "rate:dissatisfied", *SECOND_REPLY, "rate:dissatisfied", "decide:redo"), (35, 90),
    ),
    Scenario("returned", 6, ("accept", "dispatch", "return"), (1, 6)),
    Scenario("redispatched", 3, ("accept", "dispatch", "return", "dispatch", "receive"), (2, 10)),
    Scenario("supervised", 5, ("accept", "dispatch", "receive", "supervise"), (8, 25)),
    Scenario("paused", 4, ("accept", "dispatch", "receive", "record_contact", "pause"), (2, 12)),
    Scenario("extension_pending", 4, ("accept", "dispatch", "receive", "record_contact", "request_extension"),
             (5, 12)),
    Scenario("extension_approved", 3,
             ("accept", "dispatch", "receive", "record_contact", "request_extension", "decide_extension"), (6, 14)),
    Scenario("rejected", 12, ("reject",), (1, 120)),
    Scenario("rejected_after_accept", 5, ("accept", "reject"), (1, 120)),
    Scenario("merged", 15, ("merge",), (0, 0)),  # timed from the case it duplicates
)

# Hours between one step and the next (low, high), and whether staff do it in office hours.
GAPS: dict[str, tuple[float, float, bool]] = {
    "accept": (1, 20, True),
    "request_info": (1, 24, True),
    "reject": (1, 30, True),
    "merge": (1, 24, True),
    "classify": (0.1, 1, True),
    "dispatch": (0.3, 20, True),
    "receive": (0.5, 24, True),
    "submit_reply": (24, 140, True),
    "return_reply": (2, 24, True),
    "approve_reply": (1, 30, True),
    "rate": (5, 120, False),
    "decide": (24, 96, True),
    "return": (1, 7, True),
    "record_contact": (2, 30, True),
    "supervise": (48, 120, True),
    "pause": (4, 48, True),
    "request_extension": (24, 96, True),
    "decide_extension": (2, 24, True),
}


@dataclass
class World:
    city: Site
    sites: dict[str, Site]  # by code
    district_names: dict[str, str]  # site code -> "A1区"
    departments: dict[str, Department]  # by demo key
    hotlines: dict[str, str]  # department key -> service number
    channels: dict[tuple[str, str], Channel]  # (site code, kind)
    leaders: dict[str, list[Leader]]  # site code -> leaders
    categories: dict[tuple[str, ...], Category]  # path -> category
    users: dict[str, User]
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)  # username, role, scope, note

    @property
    def department_keys(self) -> dict[int, str]:
        return {department.pk: key for key, department in self.departments.items()}


@dataclass
class Planned:
    """A case about to be seeded: what it says, where it goes, and the steps of its life."""

    scenario: Scenario
    theme: demo.Theme
    site_code: str
    channel_kind: str
    lead_key: str
    slots: dict[str, str]
    submitted_at: datetime
    duplicate_of: Case | None = None


class Command(BaseCommand):
    help = "载入演示数据：A市及5个区、部门、栏目、账号和约300件留言 / load the demo city with ~300 cases"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases", type=int, default=DEFAULT_CASES,
            help=f"留言数量（默认{DEFAULT_CASES}，每种状态至少一件） / number of cases (default {DEFAULT_CASES})",
        )

    def handle(self, *args: Any, cases: int, **options: Any) -> None:
        if Site.objects.filter(code=demo.CITY_CODE).exists():
            self.stdout.write(
                f"演示数据已载入（站点 {demo.CITY_CODE} 已存在），未做任何修改。 / "
                f"The demo is already loaded (site {demo.CITY_CODE} exists); nothing was changed."
            )
            return
        started = time.monotonic()
        with transaction.atomic():
            world = build_world()
        self.stdout.write(
            f"站点 sites {len(world.sites)}，部门 departments {len(world.departments)}，"
            f"栏目 channels {len(world.channels)}，分类 categories {len(world.categories)}，"
            f"账号 users {len(world.users)}"
        )
        seeder = CaseSeeder(world, random.Random(SEED))
        with _inline_delivery():
            statuses = seeder.run(max(cases, len(SCENARIOS)))
            _back_office_setup(world)
            # One scan as the worker would run it: reminders and escalations for the demo's overdue
            # cases, return visits for closed ones. Demo-only: what it queues for the invented phone
            # numbers is marked sent, never delivered.
            alerts = scan()
            Notification.objects.filter(state=DeliveryState.PENDING).update(
                state=DeliveryState.SENT, sent_at=timezone.now()
            )
        elapsed = time.monotonic() - started
        self.stdout.write(f"期限扫描 deadline scan: {alerts.counts}")
        self.stdout.write(
            f"留言 cases {sum(statuses.values())}："
            + "，".join(f"{s} {Status(s).label} {n}" for s, n in sorted(statuses.items()))
        )
        published = Case.objects.filter(site_id__in=[s.pk for s in world.sites.values()], published_at__isnull=False)
        self.stdout.write(f"已公开 published {published.count()}；用时 took {elapsed:.1f}s")
        from minsheng.opinion.engine import assign_all  # the worker's first minute run: topics for the demo

        self.stdout.write(f"舆情话题 topics: {assign_all()}")
        from minsheng.routing.tasks import train_site_model  # a first routing model: intake sees suggestions

        for site in world.sites.values():
            self.stdout.write(f"分派模型 routing model {site.code}: {train_site_model.call_local(site.pk)}")
        self._print_logins(world)

    def _print_logins(self, world: World) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("演示账号 / demo logins"))
        rows = [("用户名 username", "角色 role", "范围 scope", "密码 password"), *world.logins]
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            self.stdout.write("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)))
        self.stdout.write(
            "其他部门账号为 handler_<部门代码> / reviewer_<部门代码>（如 handler_jt、reviewer_a2cg），密码相同。 / "
            "Every other department has handler_<key> and reviewer_<key> logins with the same password."
        )
        self.stdout.write("")
        self.stdout.write(f"门户 portal:    {BASE_URL}/")
        self.stdout.write(f"工作台 staff:   {BASE_URL}/staff/")


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


# ---------------------------------------------------------------------------------------------
# sites, departments, channels, leaders, categories, users


def build_world() -> World:
    city = Site.objects.create(code=demo.CITY_CODE, name=demo.CITY_NAME, sort_order=0)
    sites = {city.code: city}
    district_names: dict[str, str] = {}
    specs: list[tuple[Site, demo.DepartmentSpec]] = [(city, spec) for spec in demo.CITY_DEPARTMENTS]
    for order, (code, name, short) in enumerate(demo.DISTRICTS, start=1):
        site = Site.objects.create(code=code, name=name, parent=city, sort_order=order)
        sites[code] = site
        district_names[code] = short
        specs.extend((site, spec) for spec in demo.district_departments(code, short))

    departments: dict[str, Department] = {}
    hotlines: dict[str, str] = {}
    for order, (site, spec) in enumerate(specs):
        departments[spec.key] = Department.objects.create(
            site=site, name=spec.name, short_name=spec.short_name, sort_order=order
        )
        hotlines[spec.key] = spec.hotline

    channels: dict[tuple[str, str], Channel] = {}
    for code, site in sites.items():
        for order, channel in enumerate(demo.CHANNELS):
            channels[(code, channel.kind)] = Channel.objects.create(
                site=site, kind=channel.kind, name=channel.name, description=channel.description,
                reply_working_days=channel.reply_working_days, sort_order=order,
            )

    leaders: dict[str, list[Leader]] = {demo.CITY_CODE: []}
    for order, (title, name) in enumerate(demo.CITY_LEADERS):
        leaders[demo.CITY_CODE].append(
            Leader.objects.create(site=city, name=name, title=title, office=departments["bgs"], sort_order=order)
        )
    for code, _name, _short in demo.DISTRICTS:
        leaders[code] = [
            Leader.objects.create(
                site=sites[code], name=demo.DISTRICT_HEADS[code], title="区长", office=departments[f"{code}bgs"]
            )
        ]

    world = World(
        city=city, sites=sites, district_names=district_names, departments=departments, hotlines=hotlines,
        channels=channels, leaders=leaders, categories=_build_categories(), users={},
    )
    _build_users(world)
    return world


def _build_categories() -> dict[tuple[str, ...], Category]:
    # Shared by all sites (site=None), like a taxonomy imported with import_categories; get_or_create
    # so that a taxonomy loaded earlier with the same names is reused rather than duplicated.
    out: dict[tuple[str, ...], Category] = {}

    def node(path: tuple[str, ...], parent: Category | None) -> Category:
        category, _created = Category.objects.get_or_create(
            site=None, parent=parent, name=path[-1], defaults={"level": len(path)}
        )
        out[path] = category
        return category

    for level1, children in demo.CATEGORIES.items():
        top = node((level1,), None)
        for level2, leaves in children.items():
            middle = node((level1, level2), top)
            for level3 in leaves:
                node((level1, level2, level3), middle)
    return out


# The logins the README and the printed table name; other departments get handler_<key> and
# reviewer_<key> so that every case can be walked to its end by someone in scope.
NAMED_LOGINS: tuple[tuple[str, str, str | None, bool], ...] = (
    # username, role, department key (None: city-wide), include_subsites
    ("admin", RoleKind.ADMIN, None, True),
    ("intake", RoleKind.INTAKE, None, True),
    ("handler_zj", RoleKind.HANDLER, "zj", False),
    ("handler_hb", RoleKind.HANDLER, "hb", False),
    ("handler_jy", RoleKind.HANDLER, "jy", False),
    ("reviewer_zj", RoleKind.REVIEWER, "zj", False),
    ("reviewer_hb", RoleKind.REVIEWER, "hb", False),
    ("supervisor", RoleKind.SUPERVISOR, None, True),
    ("handler_a1cg", RoleKind.HANDLER, "a1cg", False),
)
DISPLAY_NAMES = {
    "admin": "系统管理员", "intake": "受理员 周敏", "supervisor": "督办员 孙立",
}


@cache
def _demo_password_hash() -> str:
    # Hashing is deliberately slow (PBKDF2, about a second per call on a small machine) and the demo
    # has some 65 logins with one shared password: hash it once and give every login that hash.
    return make_password(demo.DEMO_PASSWORD)


def _user(world: World, username: str, display_name: str) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": display_name, "password": _demo_password_hash()}
    )
    world.users[username] = user
    return user, created


def _build_users(world: World) -> None:
    named = {username for username, *_rest in NAMED_LOGINS}
    for username, kind, department_key, subsites in NAMED_LOGINS:
        department = world.departments[department_key] if department_key else None
        user, created = _user(world, username, DISPLAY_NAMES.get(username, department.short_name if department else ""))
        if username == "admin" and created:
            user.is_superuser = user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        site = department.site if department else world.city
        Role.objects.get_or_create(
            user=user, kind=kind, site=site, department=department, defaults={"include_subsites": subsites}
        )
        scope = department.name if department else f"{world.city.name}（含下级站点 incl. sub-sites）"
        password = demo.DEMO_PASSWORD if created else "（已存在，未修改 / existed, unchanged）"
        world.logins.append((username, str(RoleKind(kind).label), scope, password))
    for key, department in world.departments.items():
        for kind in (RoleKind.HANDLER, RoleKind.REVIEWER):
            username = f"{kind}_{key}"
            if username in named:
                continue
            user, _created = _user(world, username, f"{department.short_name}{'承办人' if kind == 'handler' else '审核人'}")
            Role.objects.get_or_create(user=user, kind=kind, site=department.site, department=department)


# ---------------------------------------------------------------------------------------------
# cases


@contextmanager
def _inline_delivery() -> Iterator[None]:
    """Run queued notification tasks inline while seeding instead of filling the worker's queue.

    Each case's notifications are marked sent before its transaction commits (see
    `CaseSeeder._seed_one`), so the inline task finds nothing pending and sends nothing: the demo
    neither texts invented numbers nor leaves thousands of no-op tasks for the worker.
    """
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    # Inline tasks log two INFO lines each; thousands of them would bury the summary.
    huey_logger = logging.getLogger("huey")
    level = huey_logger.level
    HUEY.immediate = True
    huey_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        HUEY.immediate = before
        huey_logger.setLevel(level)


class CaseSeeder:
    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.now = timezone.now()
        self.calendar = work_calendar()
        self.intake = world.users["intake"]
        self.supervisor = world.users["supervisor"]
        # Cases that a later duplicate may be merged into, with the slots their text was written
        # from, by (site code, theme key).
        self.originals: dict[tuple[str, str], list[tuple[Case, dict[str, str]]]] = {}

    def run(self, total: int) -> Counter[str]:
        weight_sum = sum(s.weight for s in SCENARIOS)
        counts = {s.name: max(1, round(s.weight * total / weight_sum)) for s in SCENARIOS}
        merged = next(s for s in SCENARIOS if s.name == "merged")
        plans = [self._plan(s) for s in SCENARIOS if s is not merged for _ in range(counts[s.name])]
        # Oldest first, so that the tracking codes and ids grow with time as on a live system.
        plans.sort(key=lambda p: p.submitted_at)
        for plan in plans:
            case = self._seed_one(plan)
            # A duplicate comes in days after the first message, so only older cases are merge targets.
            old_enough = case.submitted_at < self.now - timedelta(days=3)
            if old_enough and case.status not in (Status.REJECTED, Status.MERGED):
                self.originals.setdefault((plan.site_code, plan.theme.key), []).append((case, plan.slots))
        for _ in range(counts["merged"]):
            duplicate = self._plan_duplicate(merged)
            if duplicate is not None:
                self._seed_one(duplicate)
        return Counter(
            Case.objects.filter(site__in=self.world.sites.values()).values_list("status", flat=True)
        )

    # -- planning ---------------------------------------------------------------------------------

    def _plan(self, scenario: Scenario) -> Planned:
        rng = self.rng
        theme = rng.choice(demo.THEMES)
        # A theme answered by a district unit goes to that district's portal a little under half of
        # the time, otherwise to the city's. City cases of such themes go to the district unit 40%
        # of the time: the city's intake dispatches down the tree, as real portals do.
        district_code = rng.choice([code for code, *_ in demo.DISTRICTS])
        unit = f"{district_code}{theme.district_unit}" if theme.district_unit else None
        if unit not in self.world.departments:
            unit = None
        site_code = district_code if unit and rng.random() < 0.45 else demo.CITY_CODE
        lead_key = unit if unit and (site_code != demo.CITY_CODE or rng.random() < 0.4) else theme.department
        kinds = [k for k in theme.channels if (site_code, k) in self.world.channels]
        if "accept" in scenario.steps and "dispatch" not in scenario.steps:
            # Accepting a letter to a leader routes it to the leader's office at once, so a case
            # meant to stay "accepted" (or be rejected after acceptance) is not a mailbox letter.
            kinds = [k for k in kinds if k != "mailbox"] or kinds
        channel_kind = rng.choice(kinds)
        slots = demo.case_slots(rng, self.world.district_names[district_code])
        low, high = scenario.age_days
        submitted_at = self.now - timedelta(days=rng.uniform(low, high), minutes=rng.uniform(20, 90))
        return Planned(scenario, theme, site_code, channel_kind, lead_key, slots, submitted_at)

    def _plan_duplicate(self, scenario: Scenario) -> Planned | None:
        pool = [key for key, cases in self.originals.items() if cases]
        if not pool:
            return None
        site_code, theme_key = self.rng.choice(sorted(pool))
        original, slots = self.rng.choice(self.originals[(site_code, theme_key)])
        theme = next(t for t in demo.THEMES if t.key == theme_key)
        # Same place and subject, another citizen, a few days later: what intake merges.
        latest = self.now - timedelta(days=1)
        start = original.submitted_at + timedelta(hours=self.rng.uniform(2, 96))
        plan = self._plan(scenario)
        plan.theme, plan.site_code, plan.duplicate_of = theme, site_code, original
        plan.channel_kind = original.channel.kind
        plan.slots = dict(slots)
        plan.submitted_at = min(start, latest)
        return plan

    def _timeline(self, start: datetime, steps: list[str]) -> list[datetime]:
        """The submission time and the times of the steps after it, increasing and all in the past.

        Staff act in office hours on working days; citizens rate while awake. `start` is moved
        earlier when the steps would not fit before now."""
        for _attempt in range(6):
            times: list[datetime] = []
            moment = start
            for step in steps:
                low, high, office = GAPS[step.split(":")[0]]
                moment = moment + timedelta(hours=self.rng.uniform(low, high))
                moment = self._office_hours(moment) if office else self._waking_hours(moment)
                times.append(moment)
            if not times or times[-1] < self.now - timedelta(minutes=10):
                return [start, *times]
            # Too long for the time left: start earlier. Only open cases are near `now`, and moving
            # them a few days back keeps them plausible.
            start -= (times[-1] - self.now) + timedelta(days=self.rng.uniform(0.5, 3))
        # Fall back to an evenly spaced timeline that always fits.
        span = (self.now - timedelta(minutes=10)) - start
        return [start + span * i / (len(steps) + 1) for i in range(len(steps) + 1)]

    def _office_hours(self, moment: datetime) -> datetime:
        """`moment` if it falls in office hours on a working day, else a time in the next opening."""
        local = timezone.localtime(moment)
        day, clock = local.date(), (local.hour, local.minute)
        if self.calendar.is_workday(day) and (8, 30) <= clock <= (17, 30):
            return moment
        if not self.calendar.is_workday(day) or clock > (17, 30):
            day = self.calendar.next_workday(day)
        opening = local.replace(year=day.year, month=day.month, day=day.day, hour=8, minute=30, second=0)
        return opening + timedelta(minutes=self.rng.uniform(0, 420))

    def _waking_hours(self, moment: datetime) -> datetime:
        local = timezone.localtime(moment)
        if 7 <= local.hour <= 22:
            return moment
        return (local + timedelta(hours=9)).replace(minute=self.rng.randrange(60))

    # -- walking a case through the actions ------------------------------------------------------

    def _seed_one(self, plan: Planned) -> Case:
        steps = list(plan.scenario.steps)
        rng = self.rng
        classify = "accept" in steps and rng.random() < 0.3
        category = None if classify else self._category(plan.theme)
        if classify:
            # Intake files the category (and now and then raises the priority) right after accepting.
            steps.insert(steps.index("accept") + 1, "classify")
        times = self._timeline(plan.submitted_at, steps)
        with transaction.atomic():
            case = self._submit(plan, category, times[0])
            for step, at in zip(steps, times[1:], strict=True):
                case.refresh_from_db()
                self._step(case, plan, step, at)
            case.refresh_from_db()
            # One action may write two events at the same instant (a letter to a leader is accepted
            # and routed to the leader's office at once), so steps are matched by distinct times.
            real_times = list(dict.fromkeys(case.events.order_by("id").values_list("created_at", flat=True)))
            assert len(real_times) == len(times), (plan.scenario.name, len(real_times), len(times))
            _backdate(case, dict(zip(real_times, times, strict=True)))
            # Demo-only: the outbox rows exist (the actions queued them) but must never be sent to the
            # invented phone numbers; they are marked sent before the transaction commits.
            Notification.objects.filter(case=case).update(state=DeliveryState.SENT, sent_at=self.now)
        case.refresh_from_db()
        return case

    def _category(self, theme: demo.Theme) -> Category | None:
        # Citizens who pick a category often stop at the first or second level.
        depth = self.rng.choice((1, 2, 3, 3))
        return self.world.categories.get(theme.category[:depth])

    def _submit(self, plan: Planned, category: Category | None, at: datetime) -> Case:
        rng, theme, world = self.rng, plan.theme, self.world
        name, phone = demo.person(rng)
        slots = {**plan.slots, "name": name, "phone": phone}
        # Titles and bodies are written in pairs: the n-th title summarises the n-th body.
        variant = rng.randrange(len(theme.bodies))
        title = theme.titles[variant].format_map(slots)[:100]
        body = theme.bodies[variant].format_map(slots)
        if rng.random() < 0.45:
            body += rng.choice(demo.PERSONAL_TAILS).format_map(slots)
        leader = None
        if plan.channel_kind == "mailbox":
            leader = rng.choice(world.leaders[plan.site_code])
            body = f"尊敬的{leader.name[0]}{leader.title}：" + body.removeprefix("尊敬的领导：")
        submission = actions.case_submit(
            site=world.sites[plan.site_code], channel=world.channels[(plan.site_code, plan.channel_kind)],
            title=title, body=body, name=name, phone=phone,
            email=f"{rng.choice(['wang', 'li', 'zhang', 'liu', 'chen'])}{rng.randint(100, 9999)}@example.com"
            if rng.random() < 0.15 else "",
            wants_public=rng.random() < 0.8, category=category, leader=leader, at=at,
        )
        return submission.case

    def _step(self, case: Case, plan: Planned, step: str, at: datetime) -> None:
        rng, world = self.rng, self.world
        action, _sep, arg = step.partition(":")
        lead = world.departments[plan.lead_key]
        handler, reviewer = self._staff(plan.lead_key)
        run: dict[str, Callable[[], object]] = {
            "accept": lambda: actions.case_accept(
                case, by=self.intake,
                publish_agreed=False if case.wants_public and rng.random() < 0.1 else None,
            ),
            "classify": lambda: actions.case_classify(
                case, by=self.intake, category=world.categories[plan.theme.category],
                priority=Priority.URGENT if rng.random() < 0.15 else Priority.NORMAL,
            ),
            "request_info": lambda: actions.case_request_info(
                case, by=self.intake, message=rng.choice(demo.REQUEST_INFO_MESSAGES)
            ),
            "reject": lambda: actions.case_reject(case, by=self.intake, reason=rng.choice(demo.REJECT_REASONS)),
            "merge": lambda: actions.case_merge(
                case, by=self.intake, into=plan.duplicate_of,  # type: ignore[arg-type]
                note=f"与 {plan.duplicate_of.tracking_code} 反映同一问题，合并办理。",  # type: ignore[union-attr]
            ),
            "dispatch": lambda: self._dispatch(case, plan, lead),
            "receive": lambda: actions.case_receive(case, by=handler),
            "return": lambda: actions.case_return(case, by=handler, reason=rng.choice(demo.RETURN_REASONS)),
            "record_contact": lambda: actions.case_record_contact(
                case, by=handler, note=rng.choice(demo.CONTACT_NOTES)
            ),
            "supervise": lambda: actions.case_supervise(
                case, by=self.supervisor, instruction=rng.choice(demo.SUPERVISION_INSTRUCTIONS),
                working_days=SUPERVISION_WORKING_DAYS,
            ),
            "pause": lambda: actions.case_pause(case, by=handler, reason=rng.choice(demo.REQUEST_INFO_MESSAGES)),
            "request_extension": lambda: actions.case_request_extension(
                case, by=handler, working_days=5, reason=rng.choice(demo.EXTENSION_REASONS)
            ),
            "decide_extension": lambda: actions.case_decide_extension(
                case, by=self.supervisor, approve=True, note="情况属实，同意延期5个工作日。"
            ),
            "submit_reply": lambda: actions.case_submit_reply(case, by=handler, body=self._reply(case, plan, at)),
            "return_reply": lambda: actions.case_return_reply(
                case, by=reviewer, comment=rng.choice(demo.RETURN_COMMENTS)
            ),
            "approve_reply": lambda: actions.case_approve_reply(case, by=reviewer, comment="同意。"),
            "rate": lambda: actions.case_rate(
                case, satisfaction=arg, solved=arg != Satisfaction.DISSATISFIED,
                comment=rng.choice(demo.RATING_COMMENTS[arg]),
            ),
            "decide": lambda: actions.case_decide(
                case, by=self.supervisor, decision=Decision.CLOSE if arg == "close" else Decision.REDO,
                justification=demo.DECIDE_CLOSE if arg == "close" else demo.DECIDE_REDO,
            ),
        }
        run[action]()

    def _dispatch(self, case: Case, plan: Planned, lead: Department) -> None:
        if case.status == Status.DISPATCHED and case.lead_department_id != lead.pk:
            # A letter to a leader went to the leader's office at acceptance; the office forwards it
            # with the leader's instruction (批示).
            office_key = self.world.department_keys[case.lead_department_id]  # type: ignore[index]
            actions.case_forward(
                case, by=self.world.users[f"handler_{office_key}"], lead=lead,
                assisting=self._assisting(plan), instruction=self.rng.choice(demo.LEADER_INSTRUCTIONS),
            )
            return
        actions.case_dispatch(
            case, by=self.intake, lead=lead, assisting=self._assisting(plan), note="请按期办理，答复需写明依据。"
        )

    def _staff(self, department_key: str) -> tuple[User, User]:
        users = self.world.users
        return users[f"handler_{department_key}"], users[f"reviewer_{department_key}"]

    def _assisting(self, plan: Planned) -> list[Department]:
        key = plan.theme.assisting
        # Only a city lead gets a city assisting department; a district unit handles its own case.
        if key and plan.lead_key == plan.theme.department and self.rng.random() < 0.6:
            return [self.world.departments[key]]
        return []

    def _reply(self, case: Case, plan: Planned, at: datetime) -> str:
        department = self.world.departments[plan.lead_key]
        visit = timezone.localtime(at - timedelta(days=self.rng.uniform(0.5, 2)))
        slots = {
            **plan.slots, "name": case.citizen_name, "department": department.name,
            "hotline": self.world.hotlines[plan.lead_key], "basis": plan.theme.basis,
            "visit_date": f"{visit.month}月{visit.day}日",
        }
        text = plan.theme.reply.format_map(slots)
        if case.redo_count:
            text = demo.REDO_PREFIX + text.removeprefix("网友您好：")
        return text


# ---------------------------------------------------------------------------------------------
# demo-only: moving a case's timestamps onto its planned timeline


_CASE_TIMES = ("submitted_at", "accepted_at", "dispatched_at", "received_at", "replied_at", "closed_at",
               "published_at")


def _backdate(case: Case, shift: dict[datetime, datetime]) -> None:
    """DEMO ONLY — never use this outside seed_demo. Rewrites the timestamps of a freshly seeded case.

    The actions stamp `timezone.now()`, so a case walked through them now happened "just now".
    Each action uses one `now` for every timestamp it writes (event, case fields, reply, rating,
    assignment), so `shift` — each event's real time → its planned time — tells where every
    timestamp belongs. Events keep their order because the planned times are increasing. The
    deadlines are then recomputed from the planned times by the product's own rules
    (`_recompute_stage_deadlines`).
    """

    def moved(value: datetime | None) -> datetime | None:
        return shift.get(value, value) if value is not None else None

    events = list(CaseEvent.objects.filter(case=case).values("id", "created_at"))
    CaseEvent.objects.filter(case=case).update(
        created_at=models.Case(
            *(models.When(pk=e["id"], then=models.Value(shift[e["created_at"]])) for e in events),
            output_field=models.DateTimeField(),
        )
    )
    fields = {name: moved(getattr(case, name)) for name in (*_CASE_TIMES, "first_contact_at", "paused_at")}
    Case.objects.filter(pk=case.pk).update(**fields)
    _recompute_stage_deadlines(case)

    for reply in Reply.objects.filter(case=case):
        submitted = moved(reply.submitted_at)
        Reply.objects.filter(pk=reply.pk).update(
            created_at=submitted or reply.created_at, submitted_at=submitted, reviewed_at=moved(reply.reviewed_at)
        )
    for rating in Rating.objects.filter(case=case):
        Rating.objects.filter(pk=rating.pk).update(created_at=moved(rating.created_at))
    for assignment in Assignment.objects.filter(case=case):
        Assignment.objects.filter(pk=assignment.pk).update(
            dispatched_at=moved(assignment.dispatched_at), received_at=moved(assignment.received_at),
            returned_at=moved(assignment.returned_at), input_at=moved(assignment.input_at),
            finished_at=moved(assignment.finished_at),
        )
    calendar = work_calendar()
    for supervision in Supervision.objects.filter(case=case):
        created = moved(supervision.created_at)
        assert created is not None
        # As case_supervise counts it, from the planned time.
        Supervision.objects.filter(pk=supervision.pk).update(
            created_at=created, due_at=calendar.due_at(created, working_days=SUPERVISION_WORKING_DAYS)
        )
    for request in ExtensionRequest.objects.filter(case=case):
        ExtensionRequest.objects.filter(pk=request.pk).update(
            created_at=moved(request.created_at), decided_at=moved(request.decided_at)
        )


def _back_office_setup(world: World) -> None:
    """Deadline rule for utilities, reply templates and return-visit methods for the demo."""
    utilities = world.categories.get(("城乡建设", "市政设施", "城市供水"))
    if utilities is not None:
        DeadlineRule.objects.get_or_create(
            category=utilities, stage=Stage.REPLY,
            defaults={"amount": 24, "unit": DeadlineUnit.CLOCK_HOURS, "note": "供水等水电气暖诉求24小时内答复"},
        )
    for name, body in demo.REPLY_TEMPLATES:
        ReplyTemplate.objects.get_or_create(name=name, defaults={"body": body})
    # The city calls back by phone (the 待回访 queue); districts send an SMS link.
    Site.objects.filter(pk=world.city.pk).update(followup_method="phone", followup_percent=30)


def _recompute_stage_deadlines(case: Case) -> None:
    """DEMO ONLY: the stage deadlines the actions would have set had they run at the planned
    (backdated) times. Computed by the product's own replay (`deadlines.recomputed_due`): each stage
    from the event that started its clock (a dispatch, a forward, a return, a redo…), with the
    finished pauses and approved extensions since, so the demo holds every case to the rules the
    product applies. A field the actions never set (a stage the case never reached) stays empty.

    The first contact ends its clock: a later pause or redo does not move it, so it is computed as it
    stood then. A priority changed after a stage ended (intake classifies after accepting) is applied
    to that stage too; the actions would have kept the old one: only the intake deadline of a few
    demo cases differs."""
    case.refresh_from_db()
    calendar = work_calendar()
    for stage, name in DUE_FIELDS.items():
        if getattr(case, name) is None:
            continue
        as_of = case.first_contact_at if stage == Stage.CONTACT else None
        due = recomputed_due(case, stage, calendar, as_of=as_of)
        if due is not None:
            setattr(case, name, due)
    refresh_next_due(case)
    case.save(update_fields=[*DUE_FIELDS.values(), "next_due_at"])
