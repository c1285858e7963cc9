"""Exclusions of unreasonable demands and appeals against figures: who may file, who decides, what
is recorded, and the staff pages around them (each tried by users of another department or site)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from openpyxl import load_workbook

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.cases.models import CaseEvent
from minsheng.conftest import TEST_PASSWORD
from minsheng.metrics import actions
from minsheng.metrics.actions import ActionError
from minsheng.metrics.engine import Scope, compute
from minsheng.metrics.models import Appeal, AuditEntry, Exclusion, RequestState
from minsheng.notifications.models import StaffNotice
from minsheng.sites.models import Department, Site


def login(client, user):
    client.force_login(user)
    return client


def today_scope(world, **kw):
    today = timezone.localdate()
    return Scope(site=world.city, start=today, end=today, **kw)


def test_a_handler_asks_and_a_supervisor_approves_and_the_case_leaves_the_department_figures(
        world, make_case, django_capture_on_commit_callbacks):
    case = make_case("processing")
    assert compute(today_scope(world, department=world.dept_a)).counts["cases"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        exclusion = actions.exclusion_request(case, by=world.handler_a, reason="要求补偿违建，无政策依据")
    assert exclusion.state == RequestState.PENDING and exclusion.department == world.dept_a
    assert StaffNotice.objects.filter(user=world.supervisor, kind="exclusion_request", case=case).exists()
    with django_capture_on_commit_callbacks(execute=True):
        actions.exclusion_decide(exclusion, by=world.supervisor, approve=True, note="同意")
    assert StaffNotice.objects.filter(user=world.handler_a, kind="exclusion_decided").exists()
    metrics = compute(today_scope(world, department=world.dept_a))
    assert (metrics.counts["cases"], metrics.counts["excluded"]) == (0, 1)
    assert [e.action for e in CaseEvent.objects.filter(case=case, action__startswith="exclusion")] == [
        "exclusion_request", "exclusion_decide"]
    assert list(AuditEntry.objects.values_list("action", "actor__username")) == [
        ("exclusion_request", "handler_a"), ("exclusion_decide", "supervisor")]


def test_notices_are_not_written_when_the_request_is_rolled_back(world, make_case, django_capture_on_commit_callbacks):
    case = make_case("processing")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.exclusion_request(case, by=world.handler_a, reason="申诉理由甲")
    assert len(callbacks) == 1
    assert not StaffNotice.objects.filter(kind="exclusion_request").exists()


def test_only_a_supervisor_of_the_site_decides_and_only_once(world, make_case):
    case = make_case("processing")
    exclusion = actions.exclusion_request(case, by=world.handler_a, reason="申诉理由甲")
    for user in (world.handler_a, world.intake, world.admin, world.reviewer_a):
        with pytest.raises(ActionError):
            actions.exclusion_decide(exclusion, by=user, approve=True, note="同意")
    with override("en"), pytest.raises(ActionError, match="needs a note"):
        actions.exclusion_decide(exclusion, by=world.supervisor, approve=True, note="  ")
    actions.exclusion_decide(exclusion, by=world.supervisor, approve=False, note="属合理诉求，应予办理")
    with override("en"), pytest.raises(ActionError, match="already been decided"):
        actions.exclusion_decide(exclusion, by=world.supervisor, approve=True, note="改为同意")
    assert compute(today_scope(world, department=world.dept_a)).counts["excluded"] == 0


def test_another_department_cannot_ask_and_a_second_request_is_refused(world, make_case):
    case = make_case("processing")
    for user in (world.handler_b, world.district_handler):
        with pytest.raises(ActionError):
            actions.exclusion_request(case, by=user, reason="申诉理由甲")
    with override("en"), pytest.raises(ActionError, match="Say why"):
        actions.exclusion_request(case, by=world.handler_a, reason=" ")
    actions.exclusion_request(case, by=world.intake, reason="申诉理由甲")
    with override("en"), pytest.raises(ActionError, match="already pending"):
        actions.exclusion_request(case, by=world.handler_a, reason="申诉理由甲")


def test_the_case_page_offers_the_request_to_the_lead_department(client, world, make_case):
    case = make_case("processing")
    with override("en"):
        page = login(client, world.handler_a).get(reverse("workbench:case", args=[case.pk]),
                                                   HTTP_ACCEPT_LANGUAGE="en")
    assert reverse("metrics_staff:request_exclusion", args=[case.pk]) in page.content.decode()
    response = client.post(reverse("metrics_staff:request_exclusion", args=[case.pk]), {"reason": "无政策依据"})
    assert response.status_code == 302
    assert Exclusion.objects.get().requested_by == world.handler_a
    # The supervisor decides from the case page or from the queue.
    login(client, world.supervisor)
    assert "无政策依据" in client.get(reverse("metrics_staff:review")).content.decode()
    client.post(reverse("metrics_staff:decide_exclusion", args=[Exclusion.objects.get().pk]),
                {"decision": "approve", "note": "同意", "next": "case"})
    assert Exclusion.objects.get().state == RequestState.APPROVED


def test_an_empty_reason_is_reported_and_nothing_is_filed(client, world, make_case):
    case = make_case("processing")
    login(client, world.handler_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("metrics_staff:request_exclusion", args=[case.pk]), {"reason": ""}, follow=True)
    assert response.status_code == 200
    assert not Exclusion.objects.exists()
    assert [str(m) for m in response.context["messages"]] == [
        "Please correct the form: Why is this demand unreasonable?: This field is required."]


def test_other_departments_and_sites_get_404_on_every_exclusion_url(client, world, make_case):
    case = make_case("processing")
    exclusion = actions.exclusion_request(case, by=world.handler_a, reason="申诉理由甲")
    for user in (world.handler_b, world.district_handler):
        login(client, user)
        assert client.post(reverse("metrics_staff:request_exclusion", args=[case.pk]),
                            {"reason": "申诉理由甲"}).status_code == 404
        assert client.post(reverse("metrics_staff:decide_exclusion", args=[exclusion.pk]),
                           {"decision": "approve", "note": "x"}).status_code == 404
        review = client.get(reverse("metrics_staff:review"), follow=True)
        assert review.redirect_chain[0][0] == reverse("metrics_staff:appeals")
        assert "申诉理由甲" not in review.content.decode()
    other_site = Site.objects.create(code="b-city", name="B市")
    stranger = User.objects.create_user(username="b_supervisor", password=TEST_PASSWORD)
    Role.objects.create(user=stranger, kind=RoleKind.SUPERVISOR, site=other_site)
    login(client, stranger)
    assert client.post(reverse("metrics_staff:decide_exclusion", args=[exclusion.pk]),
                       {"decision": "approve", "note": "x"}).status_code == 404
    assert "申诉理由甲" not in client.get(reverse("metrics_staff:review")).content.decode()
    assert Exclusion.objects.get().state == RequestState.PENDING


def test_a_department_files_an_appeal_and_the_supervisor_records_the_decision(
        client, world, make_case, django_capture_on_commit_callbacks):
    case = make_case("replied")
    login(client, world.handler_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("metrics_staff:appeals"), {
            "department": world.dept_a.pk, "figure": "on_time_rate", "start": "2026-03-01", "end": "2026-03-31",
            "tracking_code": case.tracking_code, "reason": "该件因系统故障晚录入，实际按时答复"})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.department, appeal.case, appeal.site) == (world.dept_a, case, world.city)
    assert StaffNotice.objects.filter(user=world.supervisor, kind="appeal").exists()
    login(client, world.supervisor)
    assert "系统故障" in client.get(reverse("metrics_staff:review")).content.decode()
    client.post(reverse("metrics_staff:decide_appeal", args=[appeal.pk]), {"decision": "approve", "note": "核实属实"})
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by, appeal.decision_note) == (RequestState.APPROVED, world.supervisor, "核实属实")
    assert list(AuditEntry.objects.filter(appeal=appeal).values_list("action", flat=True)) == [
        "appeal_file", "appeal_decide"]
    assert CaseEvent.objects.filter(case=case, action="appeal_decide").exists()
    login(client, world.handler_a)
    assert "核实属实" in client.get(reverse("metrics_staff:appeals")).content.decode()


@pytest.mark.parametrize(("data", "field"), [
    ({"figure": "on_time_rate", "start": "2026-03-31", "end": "2026-03-01"}, "end"),
    ({"figure": "made_up", "start": "2026-03-01", "end": "2026-03-31"}, "figure"),
    ({"figure": "reply_rate", "start": "2026-02-30", "end": "2026-03-31"}, "start"),
    ({"figure": "reply_rate", "start": "2026-03-01", "end": "2026-03-31", "tracking_code": "NOPE"}, "tracking_code"),
    ({"figure": "reply_rate", "start": "2026-03-01", "end": "2026-03-31", "reason": ""}, "reason"),
])
def test_a_bad_appeal_is_refused_with_a_message_and_nothing_is_filed(client, world, data, field):
    login(client, world.handler_a)
    post = {"department": world.dept_a.pk, "reason": "申诉理由甲", **data}
    with override("en"):
        response = client.post(reverse("metrics_staff:appeals"), post, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Appeal.objects.exists()


def test_an_appeal_naming_another_department_or_its_case_is_refused(client, world, make_case):
    other_case = make_case("processing")  # led by department A
    login(client, world.handler_b)
    response = client.post(reverse("metrics_staff:appeals"), {
        "department": world.dept_a.pk, "figure": "reply_rate", "start": "2026-03-01", "end": "2026-03-31",
        "reason": "申诉理由甲"})
    assert response.status_code == 400 and not Appeal.objects.exists()
    with pytest.raises(ActionError):
        actions.appeal_file(by=world.handler_b, department=world.dept_b, figure="reply_rate",
                            start=date(2026, 3, 1), end=date(2026, 3, 31), reason="理由", case=other_case)


def test_appeal_pages_are_404_for_users_without_a_department_or_of_another_site(client, world):
    appeal = actions.appeal_file(by=world.handler_a, department=world.dept_a, figure="reply_rate",
                                 start=date(2026, 3, 1), end=date(2026, 3, 31), reason="申诉理由甲")
    login(client, world.intake)
    assert client.get(reverse("metrics_staff:appeals")).status_code == 404
    login(client, world.handler_b)
    assert "申诉理由甲" not in client.get(reverse("metrics_staff:appeals")).content.decode()
    assert client.post(reverse("metrics_staff:decide_appeal", args=[appeal.pk]),
                       {"decision": "approve", "note": "x"}).status_code == 404
    login(client, world.district_handler)
    assert client.post(reverse("metrics_staff:decide_appeal", args=[appeal.pk]),
                       {"decision": "approve", "note": "x"}).status_code == 404
    login(client, world.supervisor)
    response = client.post(reverse("metrics_staff:decide_appeal", args=[appeal.pk]), {"decision": "maybe", "note": ""},
                           follow=True)
    assert response.status_code == 200
    appeal.refresh_from_db()
    assert appeal.state == RequestState.PENDING


def _csv(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_staff_export_streams_the_cases_in_the_users_scope(client, world, make_case):
    a = make_case("replied")
    b = make_case("accepted")
    from minsheng.cases import actions as case_actions

    case_actions.case_dispatch(b, by=world.intake, lead=world.dept_b)
    login(client, world.supervisor)
    response = client.get(reverse("metrics_staff:export"))
    assert response.status_code == 200 and response.streaming
    assert {r["tracking_code"] for r in _csv(response)} == {a.tracking_code, b.tracking_code}
    login(client, world.handler_b)
    assert [r["tracking_code"] for r in _csv(client.get(reverse("metrics_staff:export")))] == [b.tracking_code]
    login(client, world.district_handler)
    assert _csv(client.get(reverse("metrics_staff:export"))) == []
    # The queue filters apply.
    login(client, world.supervisor)
    rows = _csv(client.get(reverse("metrics_staff:export") + f"?department={world.dept_a.pk}"))
    assert [r["tracking_code"] for r in rows] == [a.tracking_code]


def test_the_staff_export_as_xlsx(client, world, make_case):
    case = make_case("replied")
    login(client, world.handler_a)
    response = client.get(reverse("metrics_staff:export") + "?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "tracking_code" and rows[1][0] == case.tracking_code


@pytest.mark.parametrize("query", ["format=pdf", "from=2026-04-01&to=2026-03-01", "from=yesterday",
                                   "department=abc"])
def test_bad_export_parameters_give_400_with_a_message(client, world, query):
    login(client, world.supervisor)
    with override("en"):
        response = client.get(reverse("metrics_staff:export") + "?" + query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.content.decode().strip()


def test_anonymous_visitors_are_sent_to_login(client, world):
    for name in ("review", "appeals", "export"):
        assert client.get(reverse(f"metrics_staff:{name}")).status_code == 302


def test_a_department_that_is_inactive_keeps_its_exclusions(world, make_case):
    case = make_case("processing")
    exclusion = actions.exclusion_request(case, by=world.handler_a, reason="申诉理由甲")
    Department.objects.filter(pk=world.dept_a.pk).update(is_active=False)
    actions.exclusion_decide(exclusion, by=world.supervisor, approve=True, note="同意")
    assert compute(today_scope(world)).counts["excluded"] == 1


def test_the_menu_entry_leads_each_role_to_its_page(client, world, make_case):
    case = make_case("processing")
    actions.exclusion_request(case, by=world.handler_a, reason="申诉理由甲")
    login(client, world.handler_a)
    assert client.get(reverse("metrics_staff:review")).url == reverse("metrics_staff:appeals")
    login(client, world.intake)
    page = client.get(reverse("metrics_staff:review")).content.decode()
    assert "申诉理由甲" in page and reverse("metrics_staff:decide_exclusion", args=[1]) not in page
    assert "剔除与申诉" in page  # Chinese by default
    login(client, world.supervisor)
    assert "metrics/exclusions/" in client.get(reverse("metrics_staff:review")).content.decode()
