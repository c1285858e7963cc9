"""seed_demo: an empty installation becomes a believable demo city, through the real actions."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.cases.deadlines import recomputed_due, running_deadlines, work_calendar
from minsheng.cases.models import (
    Case,
    CaseEvent,
    DeadlineRule,
    Rating,
    ReplyTemplate,
    Stage,
    Status,
    Supervision,
)
from minsheng.core import demo_content as demo
from minsheng.core.management.commands import seed_demo
from minsheng.notifications.models import DeliveryState, Notification
from minsheng.sites.models import Category, Channel, Department, Leader, Site

# Seeding 300 cases walks ~2,000 actions; a smaller run covers every status just as well and keeps
# the suite quick. The default size is checked separately, without seeding.
TEST_CASES = 40
MOBILE = re.compile(r"1[3-9]\d{9}")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Seed once for the module, committed, and remove the rows afterwards: the test database is
    shared by the whole session, and seeding once keeps these tests to a few seconds."""
    with django_db_blocker.unblock():
        out = StringIO()
        call_command("seed_demo", "--cases", str(TEST_CASES), stdout=out)
        yield out.getvalue()
        _remove_demo()


def _remove_demo() -> None:
    # Children before parents: the foreign keys are PROTECT (Rating.reply too, so ratings go first).
    sites = Site.objects.filter(code__in=[demo.CITY_CODE, *(code for code, *_ in demo.DISTRICTS)])
    Rating.objects.filter(case__site__in=sites).delete()
    Case.objects.filter(site__in=sites, merged_into__isnull=False).delete()
    Case.objects.filter(site__in=sites).delete()
    Role.objects.filter(site__in=sites).delete()
    User.objects.filter(username__in=[*(u for u, *_ in seed_demo.NAMED_LOGINS)]).delete()
    User.objects.filter(username__regex=r"^(handler|reviewer)_").delete()
    Leader.objects.filter(site__in=sites).delete()
    Channel.objects.filter(site__in=sites).delete()
    Department.objects.filter(site__in=sites).delete()
    ReplyTemplate.objects.filter(site=None, name__in=[name for name, _body in demo.REPLY_TEMPLATES]).delete()
    for level in (3, 2, 1):
        Category.objects.filter(site=None, level=level, name__in=_demo_category_names()).delete()
    sites.exclude(parent=None).delete()
    sites.delete()


def _demo_category_names() -> set[str]:
    names = set(demo.CATEGORIES)
    for children in demo.CATEGORIES.values():
        names.update(children)
        for leaves in children.values():
            names.update(leaves)
    return names


pytestmark = pytest.mark.django_db


def test_builds_the_city_with_five_districts_and_their_departments(seeded: str) -> None:
    city = Site.objects.get(code="a-city")
    assert Site.objects.filter(parent=city).count() == 5
    assert Site.objects.count() == 6
    assert Department.objects.count() >= 25
    assert Department.objects.filter(name="A市住房和城乡建设局", site=city).exists()
    assert Department.objects.filter(name="A1区城市管理局", site__code="a1").exists()
    assert Channel.objects.filter(kind="mailbox").count() == 6
    assert Channel.objects.get(site=city, kind="suggestion").reply_working_days == 15
    assert {leader.title for leader in Leader.objects.filter(site=city)} == {"市长", "常务副市长", "副市长"}


def test_named_logins_have_their_roles_and_the_demo_password(seeded: str) -> None:
    intake = User.objects.get(username="intake")
    assert intake.check_password(demo.DEMO_PASSWORD)
    assert Role.objects.filter(user=intake, kind=RoleKind.INTAKE, include_subsites=True).exists()
    assert User.objects.get(username="admin").is_superuser
    role = Role.objects.get(user__username="handler_a1cg")
    assert (role.kind, role.department.name) == (RoleKind.HANDLER, "A1区城市管理局")
    for username, *_rest in seed_demo.NAMED_LOGINS:
        assert username in seeded
    assert "http://127.0.0.1:8000/staff/" in seeded


def test_cases_cover_every_status(seeded: str) -> None:
    assert Case.objects.count() >= TEST_CASES * 0.9
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert Case.objects.filter(redo_count__gt=0).exists()
    assert Case.objects.filter(status=Status.MERGED, merged_into__isnull=False).exists()


def test_every_case_starts_with_a_submit_event_and_its_events_are_in_order(seeded: str) -> None:
    now = timezone.now()
    for case in Case.objects.prefetch_related("events"):
        events = sorted(case.events.all(), key=lambda e: e.id)
        assert events[0].action == "submit"
        assert events[0].created_at == case.submitted_at
        times = [e.created_at for e in events]
        assert times == sorted(times) and times[-1] < now
    assert CaseEvent.objects.filter(action="submit").count() == Case.objects.count()


def test_cases_are_spread_over_four_months(seeded: str) -> None:
    oldest = Case.objects.order_by("submitted_at").first()
    assert oldest is not None and (timezone.now() - oldest.submitted_at).days >= 30


def test_published_cases_never_show_a_mobile_number(seeded: str) -> None:
    published = Case.objects.filter(published_at__isnull=False)
    assert published.exists()
    assert Case.objects.filter(body__regex=MOBILE.pattern).exists()  # the masking has work to do
    for case in published:
        assert not MOBILE.search(case.public_title + case.public_body), case.tracking_code
        reply = case.replies.filter(status="approved").last()
        assert reply is not None and not MOBILE.search(reply.public_body)


def test_the_demo_holds_its_cases_to_the_products_deadlines(seeded: str) -> None:
    """Every running deadline is the one the product's replay gives (deadlines.recomputed_due): from
    the event that started the stage on the demo's planned timeline, with the pauses and extensions
    since. A redone case's first contact counts from the redo, not from the first receipt."""
    # The demo's 24-hour rule for water supply is added after its cases, as an administrator adds a
    # rule: the product keeps the deadlines already running, so the comparison is without it.
    DeadlineRule.objects.filter(category__name="城市供水").delete()
    running = [(case, stage, due) for case in Case.objects.filter(next_due_at__isnull=False)
               for stage, due in running_deadlines(case)]
    assert {stage for _case, stage, _due in running} >= {Stage.RECEIVE, Stage.CONTACT, Stage.REPLY}
    for case, stage, due in running:
        assert due == recomputed_due(case, stage), (case.tracking_code, stage)
    redone = [case for case, stage, _due in running if stage == Stage.CONTACT and case.redo_count]
    assert redone
    for case in redone:
        redo = case.events.filter(action="rate", to_status=Status.PROCESSING).latest("created_at")
        assert case.contact_due_at > redo.created_at
    for supervision in Supervision.objects.all():
        assert supervision.due_at == work_calendar().due_at(
            supervision.created_at, working_days=seed_demo.SUPERVISION_WORKING_DAYS)


def test_no_notification_is_left_to_send(seeded: str) -> None:
    assert Notification.objects.exists()
    assert not Notification.objects.exclude(state=DeliveryState.SENT).exists()


def test_running_again_changes_nothing(seeded: str) -> None:
    before = (Site.objects.count(), Case.objects.count(), User.objects.count(), CaseEvent.objects.count())
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert "already loaded" in out.getvalue()
    assert (Site.objects.count(), Case.objects.count(), User.objects.count(), CaseEvent.objects.count()) == before


def test_default_size_is_about_three_hundred_cases() -> None:
    weights = sum(s.weight for s in seed_demo.SCENARIOS)
    planned = sum(max(1, round(s.weight * seed_demo.DEFAULT_CASES / weights)) for s in seed_demo.SCENARIOS)
    assert 280 <= planned <= 320
