"""Workbench queues, bulk actions, the supervisor board and notices: scoped, constant in queries,
and every count equal to its list."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.cases import actions
from minsheng.cases import queues as cq
from minsheng.cases.models import Case, CaseEvent, FollowupMethod, Priority, Satisfaction, Status
from minsheng.conftest import case_in_status, submit_case
from minsheng.lib.workdays import WorkCalendar
from minsheng.notifications.models import StaffNotice
from minsheng.sites.models import Category

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _login(client, user):
    client.force_login(user)
    return client


def _set(case: Case, **fields: object) -> Case:
    """Test set-up only: move a case in time without an action (deadlines, submission dates)."""
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


def _walk(client, params: dict[str, str]) -> list[int]:
    """Every row of a queue, page by page through the 'next' links."""
    ids: list[int] = []
    query = dict(params)
    for _ in range(100):
        response = client.get(reverse("workbench:queue"), query)
        assert response.status_code == 200
        ids += [c.pk for c in response.context["page"].object_list]
        cursor = response.context["page"].next_cursor
        if not cursor:
            return ids
        query = {**params, "after": cursor}
    raise AssertionError("pagination did not end")


@pytest.fixture
def mixed(world):
    """One case in every queue (and a few in none), all in department A or at intake."""
    now = timezone.now()
    made: dict[str, Case] = {}
    made["submitted"] = case_in_status(world, "submitted")
    made["accepted"] = case_in_status(world, "accepted")
    returned = case_in_status(world, "processing")
    actions.case_return(returned, by=world.handler_a, reason="不属于本部门职责")
    made["returned"] = returned
    made["dispatched"] = case_in_status(world, "dispatched")
    made["processing"] = case_in_status(world, "processing")
    paused = case_in_status(world, "processing")
    actions.case_pause(paused, by=world.handler_a, reason="请提供现场照片")
    made["paused"] = paused
    asked = case_in_status(world, "submitted")
    actions.case_request_info(asked, by=world.intake, message="请补充详细地址")
    made["asked_at_intake"] = asked
    made["reviewing"] = case_in_status(world, "reviewing")
    made["replied"] = case_in_status(world, "replied")
    supervised = case_in_status(world, "processing")
    actions.case_supervise(supervised, by=world.supervisor, instruction="三日内办结", working_days=3)
    made["supervised"] = supervised
    made["overdue"] = _set(case_in_status(world, "dispatched"), next_due_at=now - timedelta(days=3))
    made["due_soon"] = _set(case_in_status(world, "processing"), next_due_at=now + timedelta(hours=5))
    closed = case_in_status(world, "replied")
    actions.case_rate(closed, satisfaction=Satisfaction.SATISFIED, solved=True)
    actions.case_create_followup(closed, method=FollowupMethod.PHONE)
    made["followup"] = closed
    by_sms = case_in_status(world, "replied")
    actions.case_rate(by_sms, satisfaction=Satisfaction.SATISFIED, solved=True)
    actions.case_create_followup(by_sms, method=FollowupMethod.SMS)
    made["followup_sms"] = by_sms
    redo = case_in_status(world, "replied")
    actions.case_rate(redo, satisfaction=Satisfaction.DISSATISFIED, solved=False)
    made["redo"] = redo
    rejected = case_in_status(world, "submitted")
    actions.case_reject(rejected, by=world.intake, reason="内容与政府职能无关")
    made["rejected"] = rejected
    for case in made.values():
        case.refresh_from_db()
    return made


# ---- counts and lists ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["intake", "handler_a", "handler_b", "reviewer_a", "supervisor", "admin"])
def test_every_queue_count_equals_the_length_of_its_list(client, world, mixed, persona):
    user = getattr(world, persona)
    _login(client, user)
    home = client.get(reverse("workbench:home"))
    counts = {name: n for name, _label, n in home.context["queues"]}
    assert set(counts) == set(cq.QUEUES)
    for name in cq.QUEUES:
        listed = _walk(client, {"queue": name})
        assert len(listed) == len(set(listed)) == counts[name], name
    if persona == "admin":
        assert all(counts[name] >= 1 for name in cq.QUEUES), counts


def test_queues_hold_the_cases_they_name(world, mixed):
    at = cq.clock()

    def ids(name: str) -> set[int]:
        return set(cq.queue_cases(world.admin, name, at).values_list("pk", flat=True))

    m = {k: v.pk for k, v in mixed.items()}
    assert ids("submitted") == {m["submitted"]}
    assert ids("accepted") == {m["accepted"], m["returned"]}
    assert ids("dispatched") == {m["dispatched"], m["overdue"]}
    # The paused case is the department's work; the one intake asked about is not.
    assert m["paused"] in ids("processing") and m["asked_at_intake"] not in ids("processing")
    assert ids("reviewing") == {m["reviewing"]}
    assert ids("overdue") == {m["overdue"]}
    assert m["due_soon"] in ids("due_soon") and m["overdue"] not in ids("due_soon")
    assert ids("supervised") == {m["supervised"]}
    assert ids("followup") == {m["followup"]}
    assert ids("redo") == {m["redo"]}


def test_counts_are_one_aggregate_query_not_one_per_queue(world, mixed, django_assert_max_num_queries):
    at = cq.clock()
    world.admin.refresh_from_db()
    cq.queue_counts(world.admin, at)  # warm the user's scope
    # the aggregate, the ids of pending return visits, and their count in scope
    with django_assert_max_num_queries(3):
        cq.queue_counts(world.admin, at)


def test_handler_of_another_department_sees_zero_and_no_rows(client, world, mixed):
    _login(client, world.handler_b)
    counts = {name: n for name, _label, n in client.get(reverse("workbench:home")).context["queues"]}
    assert set(counts.values()) == {0}
    assert _walk(client, {}) == []
    for name in cq.QUEUES:
        assert _walk(client, {"queue": name}) == []


def test_handlers_see_their_department_queues_first(client, world, mixed):
    _login(client, world.handler_a)
    response = client.get(reverse("workbench:home"))
    assert [name for name, *_ in response.context["primary"]][:2] == ["dispatched", "processing"]
    assert not response.context["show_board"]
    _login(client, world.intake)
    assert [name for name, *_ in client.get(reverse("workbench:home")).context["primary"]][:2] == [
        "submitted", "accepted"]


# ---- keyset pagination --------------------------------------------------------------------------


def test_keyset_pages_walk_every_row_once_when_rows_share_the_same_due_time(world):
    cases = [submit_case(world).case for _ in range(8)]
    same = timezone.now() + timedelta(days=2)
    for case in cases[:4]:
        _set(case, next_due_at=same)
    for case in cases[4:6]:
        _set(case, next_due_at=same + timedelta(hours=1))
    for case in cases[6:]:
        _set(case, next_due_at=None)
    at = cq.clock()
    qs = cq.queue_cases(world.admin, None, at)
    for sort in ("due", "submitted"):
        seen, after = [], None
        for _ in range(20):
            page = cq.page(qs, sort=sort, after=after, size=3)
            assert len(page.object_list) <= 3
            seen += [c.pk for c in page.object_list]
            after = page.next_cursor
            if after is None:
                break
        assert len(seen) == len(set(seen)) == 8, sort
        if sort == "due":
            # Deadline first, ties by id, no deadline last.
            assert seen == [c.pk for c in cases[:4]] + [c.pk for c in cases[4:6]] + [c.pk for c in cases[6:]]


def test_keyset_pages_by_submission_time_with_equal_times(client, world, monkeypatch):
    cases = [submit_case(world).case for _ in range(7)]
    moment = timezone.now() - timedelta(days=1)
    for case in cases:
        _set(case, submitted_at=moment)
    monkeypatch.setattr(cq, "PAGE_SIZE", 2)
    _login(client, world.intake)
    listed = _walk(client, {"sort": "submitted"})
    assert listed == sorted((c.pk for c in cases), reverse=True)
    listed = _walk(client, {"queue": "submitted"})
    assert sorted(listed) == sorted(c.pk for c in cases) and len(set(listed)) == 7


def test_queue_page_shows_a_capped_count(client, world, monkeypatch):
    for _ in range(4):
        submit_case(world)
    monkeypatch.setattr(cq, "COUNT_CAP", 3)
    monkeypatch.setattr(cq.capped_count, "__defaults__", (3,))
    _login(client, world.intake)
    response = client.get(reverse("workbench:queue"), {"queue": "submitted"})
    assert response.context["capped"] and response.context["count"] == 3
    assert "3+" in response.content.decode()


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_the_same_for_5_and_30_rows(client, world):
    for _ in range(5):
        case_in_status(world, "dispatched")
    pages = [
        (world.intake, reverse("workbench:queue"), {}),
        (world.intake, reverse("workbench:queue"), {"queue": "dispatched", "category": str(world.category.pk)}),
        (world.handler_a, reverse("workbench:queue"), {"queue": "dispatched"}),
        (world.supervisor, reverse("workbench:board"), {}),
        (world.intake, reverse("workbench:home"), {}),
    ]
    before = []
    for user, url, params in pages:
        _login(client, user)
        before.append(_queries(client, url, params))
    for i in range(25):
        case = case_in_status(world, "dispatched")
        if i % 2:
            _set(case, next_due_at=timezone.now() - timedelta(days=1), submitted_at=timezone.now() - timedelta(days=70))
    after = []
    for user, url, params in pages:
        _login(client, user)
        after.append(_queries(client, url, params))
    assert before == after
    assert max(after) <= 14, after


# ---- rows: time left and red lines --------------------------------------------------------------

CAL = WorkCalendar(holidays=frozenset(), makeup_workdays=frozenset())
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)  # a Wednesday


@pytest.mark.parametrize(("due", "label", "css"), [
    (datetime(2026, 3, 6, 17, 30, tzinfo=SHANGHAI), "2 working days left", "ok"),
    (NOW + timedelta(hours=5), "5 hours left", "soon"),
    (NOW + timedelta(hours=1, minutes=5), "1 hour left", "soon"),
    (datetime(2026, 3, 5, 17, 30, tzinfo=SHANGHAI), "1 working day left", "ok"),
    (NOW + timedelta(minutes=20), "Less than 1 hour left", "soon"),
    (NOW - timedelta(hours=3), "3 hours overdue", "overdue"),
    (datetime(2026, 3, 2, 17, 30, tzinfo=SHANGHAI), "2 working days overdue", "overdue"),
    (datetime(2026, 2, 25, 17, 30, tzinfo=SHANGHAI), "5 working days overdue", "critical"),
])
def test_time_left_labels_and_urgency(due, label, css):
    with translation.override("en"):
        left = cq.time_left(due, now=NOW, calendar=CAL, lead_hours=24)
    assert (left.label, left.css) == (label, css)


def test_time_left_over_a_weekend_counts_working_days():
    friday_evening = datetime(2026, 3, 6, 18, 0, tzinfo=SHANGHAI)
    with translation.override("en"):
        left = cq.time_left(datetime(2026, 3, 10, 17, 30, tzinfo=SHANGHAI), now=friday_evening, calendar=CAL)
    assert left.label == "2 working days left"


def test_a_stopped_clock_shows_no_time_left():
    with translation.override("en"):
        assert cq.time_left(None, now=NOW, calendar=CAL, paused=True).label == "Clock stopped"
        assert cq.time_left(None, now=NOW, calendar=CAL).css == "none"


def test_red_line_badges_after_two_and_three_months(client, world):
    flagged = _set(case_in_status(world, "processing"), submitted_at=timezone.now() - timedelta(days=65))
    critical = _set(case_in_status(world, "submitted"), submitted_at=timezone.now() - timedelta(days=95))
    answered = _set(case_in_status(world, "replied"), submitted_at=timezone.now() - timedelta(days=95))
    now = timezone.now()
    assert (cq.redline(flagged, now), cq.redline(critical, now), cq.redline(answered, now)) == (
        "flag", "critical", "")
    _login(client, world.intake)
    page = client.get(reverse("workbench:queue")).content.decode()
    assert "redline-critical" in page and "redline-flag" in page


def test_rows_are_coloured_by_urgency(client, world):
    _set(case_in_status(world, "dispatched"), next_due_at=timezone.now() - timedelta(hours=2))
    _login(client, world.handler_a)
    response = client.get(reverse("workbench:queue"), {"queue": "overdue"})
    (row,) = response.context["page"].object_list
    assert row.left.css in ("overdue", "critical")
    assert 'class="left overdue"' in response.content.decode() or 'class="left critical"' in response.content.decode()


# ---- filters ------------------------------------------------------------------------------------


def _listed(client, **params: object) -> set[int]:
    response = client.get(reverse("workbench:queue"), params)
    assert response.status_code == 200
    assert not response.context["errors"], response.context["errors"]
    return {c.pk for c in response.context["page"].object_list}


def test_filters_by_department_category_priority_and_dates(client, world):
    in_a = case_in_status(world, "dispatched")
    in_b = case_in_status(world, "accepted")
    actions.case_dispatch(in_b, by=world.intake, lead=world.dept_b)
    filed = submit_case(world).case
    actions.case_classify(filed, by=world.intake, category=world.category, priority=Priority.URGENT)
    old = _set(submit_case(world).case, submitted_at=datetime(2026, 1, 15, 12, 0, tzinfo=SHANGHAI))
    _login(client, world.intake)
    assert _listed(client, department=world.dept_b.pk) == {in_b.pk}
    assert _listed(client, department=world.dept_a.pk) == {in_a.pk}
    # A parent category finds the cases filed under its children.
    assert _listed(client, category=world.category.parent_id) == {filed.pk}
    assert _listed(client, category=world.category.pk) == {filed.pk}
    assert _listed(client, priority="urgent") == {filed.pk}
    assert _listed(client, **{"from": "2026-01-01", "to": "2026-01-31"}) == {old.pk}
    assert _listed(client, **{"from": "2026-01-15", "to": "2026-01-15"}) == {old.pk}
    assert old.pk not in _listed(client, **{"from": "2026-01-16"})
    assert _listed(client, site=world.city.pk, channel=world.complaint.pk) >= {in_a.pk, in_b.pk, filed.pk}
    assert _listed(client, status="dispatched", q=in_a.tracking_code.lower()) == {in_a.pk}


def test_overdue_only_filter(client, world):
    late = _set(case_in_status(world, "dispatched"), next_due_at=timezone.now() - timedelta(hours=1))
    case_in_status(world, "dispatched")
    _login(client, world.intake)
    assert _listed(client, overdue="on") == {late.pk}


@pytest.mark.parametrize("params", [
    {"department": "abc"},
    {"site": "1x", "category": "x"},
    {"from": "2026-13-45"},
    {"to": "yesterday"},
    {"from": "2026-02-01", "to": "2026-01-01"},
    {"queue": "nonsense"},
    {"sort": "random"},
    {"priority": "<script>"},
    {"after": "not-a-cursor"},
    {"after": "-.0"},
    {"after": "99999999999999999999999.1"},
    {"department": "999999"},
])
def test_bad_filter_values_give_a_clear_message_and_no_500(client, world, params):
    case = case_in_status(world, "submitted")
    _login(client, world.intake)
    response = client.get(reverse("workbench:queue"), params)
    assert response.status_code == 200
    assert response.context["errors"]
    assert case.pk in {c.pk for c in response.context["page"].object_list}


def test_a_site_outside_scope_filters_to_nothing_rather_than_widening(client, world):
    case_in_status(world, "submitted")
    _login(client, world.district_handler)
    response = client.get(reverse("workbench:queue"), {"site": world.city.pk})
    assert list(response.context["page"].object_list) == []


# ---- bulk actions -------------------------------------------------------------------------------


def _bulk(client, cases, **data):
    # The English msgids are asserted: the visitor chooses English as a person would (the cookie);
    # translation.override alone does not reach the request, whose language the middleware sets.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post(reverse("workbench:bulk"), {
        "case": [f"{c.pk}:{c.version}" if isinstance(c, Case) else c for c in cases], **data,
    }, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_bulk_dispatch_does_each_case_and_reports_refusals(client, world):
    accepted = [case_in_status(world, "accepted") for _ in range(3)]
    not_yet = case_in_status(world, "submitted")
    _login(client, world.intake)
    with translation.override("en"):
        response = _bulk(client, [*accepted, not_yet], action="dispatch", lead=world.dept_a.pk, note="请核实")
    assert response.status_code == 200
    for case in accepted:
        case.refresh_from_db()
        assert case.status == Status.DISPATCHED and case.lead_department == world.dept_a
    not_yet.refresh_from_db()
    assert not_yet.status == Status.SUBMITTED
    (text,) = _messages(response)
    assert text.startswith("3 done, 1 refused") and not_yet.tracking_code in text


def test_bulk_dispatch_refuses_a_stale_row_and_still_does_the_others(client, world):
    stale, fresh = case_in_status(world, "accepted"), case_in_status(world, "accepted")
    old_version = stale.version
    actions.case_classify(stale, by=world.intake, category=world.category, priority=Priority.NORMAL)
    _login(client, world.intake)
    response = client.post(reverse("workbench:bulk"), {
        "case": [f"{stale.pk}:{old_version}", f"{fresh.pk}:{fresh.version}"], "action": "dispatch",
        "lead": world.dept_a.pk}, follow=True)
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == Status.ACCEPTED and fresh.status == Status.DISPATCHED
    assert stale.tracking_code in _messages(response)[0]


def test_bulk_remind_several(client, world):
    cases = [case_in_status(world, "dispatched") for _ in range(2)]
    _login(client, world.supervisor)
    with translation.override("en"):
        response = _bulk(client, cases, action="remind", note="请加快办理")
    assert _messages(response) == ["2 done, 0 refused"]
    assert CaseEvent.objects.filter(action="remind", case__in=cases).count() == 2
    assert StaffNotice.objects.filter(user=world.handler_a, kind="reminded").count() == 2


def test_bulk_actions_on_another_departments_case_report_not_found(client, world):
    theirs = case_in_status(world, "dispatched")
    district_intake = User.objects.create_user("district_intake", password="pass-for-tests-123")
    Role.objects.create(user=district_intake, kind=RoleKind.INTAKE, site=world.district)
    for user in (world.handler_b, district_intake):
        _login(client, user)
        with translation.override("en"):
            response = _bulk(client, [theirs, "abc", "12:x"], action="remind")
        (text,) = _messages(response)
        assert "0 done, 3 refused" in text and f"#{theirs.pk}" in text and "not found" in text
        assert theirs.tracking_code not in text
    with translation.override("en"):
        response = _bulk(client, [theirs], action="dispatch", lead=world.district_dept.pk)
    assert "not found" in _messages(response)[0]
    assert not CaseEvent.objects.filter(case=theirs, action="remind").exists()
    theirs.refresh_from_db()
    assert theirs.lead_department == world.dept_a


def test_bulk_without_selection_action_or_department_changes_nothing(client, world):
    case = case_in_status(world, "accepted")
    _login(client, world.intake)
    assert _messages(_bulk(client, [], action="remind"))
    assert _messages(_bulk(client, [case], action="explode"))
    assert _messages(_bulk(client, [case], action="dispatch", lead="abc"))
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert client.get(reverse("workbench:bulk")).status_code == 405


def test_bulk_redirect_stays_on_this_site(client, world):
    case = case_in_status(world, "dispatched")
    _login(client, world.intake)
    response = client.post(reverse("workbench:bulk"), {"case": [f"{case.pk}:{case.version}"], "action": "remind",
                                                       "next": "https://evil.example/"})
    assert response["Location"] == reverse("workbench:queue")


def test_handlers_get_no_bulk_checkboxes(client, world):
    case_in_status(world, "dispatched")
    _login(client, world.handler_a)
    response = client.get(reverse("workbench:queue"))
    assert not response.context["can_bulk"] and 'name="case"' not in response.content.decode()
    _login(client, world.intake)
    assert 'name="case"' in client.get(reverse("workbench:queue")).content.decode()


# ---- supervisor board ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["handler_a", "reviewer_a", "intake", "district_handler"])
def test_the_board_is_404_for_everyone_but_supervisors_and_admins(client, world, persona):
    _login(client, getattr(world, persona))
    assert client.get(reverse("workbench:board")).status_code == 404


def test_the_board_shows_what_a_supervisor_decides_on(client, world, mixed):
    extension = case_in_status(world, "processing")
    actions.case_request_extension(extension, by=world.handler_a, working_days=5, reason="需现场勘查")
    disputed = case_in_status(world, "replied")
    actions.case_rate(disputed, satisfaction=Satisfaction.DISSATISFIED, solved=False)
    disputed.refresh_from_db()
    actions.case_submit_reply(disputed, by=world.handler_a, body="已再次核查处理，联系电话12345。")
    disputed.refresh_from_db()
    actions.case_approve_reply(disputed, by=world.reviewer_a)
    disputed.refresh_from_db()
    actions.case_rate(disputed, satisfaction=Satisfaction.DISSATISFIED, solved=False)
    old = _set(case_in_status(world, "accepted"), submitted_at=timezone.now() - timedelta(days=70))
    for user in (world.supervisor, world.admin):
        _login(client, user)
        response = client.get(reverse("workbench:board"))
        assert response.status_code == 200
        board = response.context["board"]
        by_department = {row["lead_department_id"]: row for row in board.departments}
        assert by_department[world.dept_a.pk]["overdue"] == 1
        assert by_department[world.dept_a.pk]["at_risk"] >= 1
        assert [r.case_id for r in board.extensions] == [extension.pk]
        assert [c.pk for c in board.disputed] == [disputed.pk]
        assert mixed["supervised"].pk in [c.pk for c in board.supervised]
        assert [c.pk for c in board.redlines] == [old.pk]
        page = response.content.decode()
        assert reverse("workbench:case", args=[extension.pk]) in page
        assert f"?queue=overdue&amp;department={world.dept_a.pk}" in page


def test_the_board_lists_late_return_requests(client, world):
    case = case_in_status(world, "processing")
    _set(case, received_at=timezone.now() - timedelta(days=30), dispatched_at=timezone.now() - timedelta(days=30))
    request = actions.case_return(case, by=world.handler_a, reason="不属于本部门职责")
    assert request is not None
    _login(client, world.supervisor)
    assert [r.pk for r in client.get(reverse("workbench:board")).context["board"].returns] == [request.pk]


# ---- notices ------------------------------------------------------------------------------------


def test_notices_list_newest_first_and_mark_all_read(client, world):
    first = case_in_status(world, "dispatched")
    second = case_in_status(world, "dispatched")
    mine = StaffNotice.objects.filter(user=world.handler_a)
    assert mine.count() == 2
    StaffNotice.objects.create(user=world.handler_b, case=first, kind="x", text="not for A",
                               created_at=timezone.now())
    _login(client, world.handler_a)
    response = client.get(reverse("workbench:notices"))
    assert [n.case_id for n in response.context["notices"]] == [second.pk, first.pk]
    page = response.content.decode()
    assert "not for A" not in page and 'class="badge"' in page and ">2</span>" in page
    response = client.post(reverse("workbench:notices_read"), follow=True)
    assert mine.filter(read_at__isnull=True).count() == 0
    assert StaffNotice.objects.filter(user=world.handler_b, read_at__isnull=True).count() == 1
    assert ">2</span>" not in response.content.decode()
    assert client.get(reverse("workbench:notices_read")).status_code == 405


def test_notices_page_by_keyset(client, world, monkeypatch):
    case = case_in_status(world, "submitted")
    moment = timezone.now()
    StaffNotice.objects.bulk_create([
        StaffNotice(user=world.intake, case=case, kind="x", text=f"n{i}", created_at=moment) for i in range(55)])
    _login(client, world.intake)
    response = client.get(reverse("workbench:notices"))
    seen = [n.pk for n in response.context["notices"]]
    response = client.get(reverse("workbench:notices"), {"after": response.context["next_cursor"]})
    seen += [n.pk for n in response.context["notices"]]
    assert len(seen) == len(set(seen)) == StaffNotice.objects.filter(user=world.intake).count()
    assert client.get(reverse("workbench:notices"), {"after": "zz"}).context["bad_link"]


def test_new_pages_are_404_for_users_without_roles_and_send_visitors_to_login(client, world, django_user_model):
    for name in ("queue", "board", "notices"):
        assert client.get(reverse(f"workbench:{name}")).status_code == 302
    nobody = django_user_model.objects.create_user("nobody", password="x-long-password-1")
    _login(client, nobody)
    for name in ("queue", "board", "notices"):
        assert client.get(reverse(f"workbench:{name}")).status_code == 404


def test_category_filter_uses_the_loaded_tree(world):
    child = Category.objects.create(name="公租房", level=3, parent=world.category)
    from minsheng.workbench.queues import filter_options

    options = filter_options(cq.scope_for(world.intake))
    assert set(options.category_and_below(world.category.parent_id)) == {
        world.category.parent_id, world.category.pk, child.pk}


def test_queue_rows_escape_what_the_citizen_wrote(client, world):
    """Rows are rendered in Python (workbench/rows.py), so escaping is checked here, not assumed."""
    case = submit_case(world, title='<script>alert("x")</script> & "引号"').case
    response = _login(client, world.intake).get(reverse("workbench:queue"), {"queue": "submitted"})
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;引号&quot;" in html
    assert f'href="/staff/cases/{case.pk}/"' in html


def test_filter_selects_keep_the_chosen_value_and_escape_labels(client, world):
    Category.objects.create(name='<b>道路</b>', site=world.city)
    response = _login(client, world.intake).get(reverse("workbench:queue"), {"priority": "urgent"})
    html = response.content.decode()
    assert '<option value="urgent" selected>' in html
    assert "&lt;b&gt;道路&lt;/b&gt;" in html and "<b>道路</b>" not in html
