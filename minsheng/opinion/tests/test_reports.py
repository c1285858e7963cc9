"""Opinion reports: drafted from the data, edited by staff, issued by a supervisor, downloadable."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.conftest import TEST_PASSWORD
from minsheng.opinion import actions, engine
from minsheng.opinion import report as report_mod
from minsheng.opinion.models import OpinionEvent, OpinionReport, ReportKind, ReportStatus
from minsheng.opinion.tests.conftest import NOISE, SCHOOL, submit_many
from minsheng.sites.models import Site

pytestmark = pytest.mark.django_db


def last_week() -> tuple[date, date]:
    return report_mod.period_for(ReportKind.WEEKLY, timezone.localdate())


@pytest.fixture
def report(world) -> OpinionReport:  # type: ignore[no-untyped-def]
    start, _end = last_week()
    tz = timezone.get_current_timezone()
    at = timezone.datetime.combine(start + timedelta(days=2), timezone.datetime.min.time(), tzinfo=tz)
    at = at.replace(hour=10)
    engine.assign_new(world.city)
    submit_many(world, NOISE + NOISE[:2], at=at)
    submit_many(world, SCHOOL, at=at + timedelta(hours=1), start=20)
    engine.assign_all(now=at + timedelta(hours=2))
    made, created = report_mod.draft(world.city, ReportKind.WEEKLY, *last_week())
    assert created
    return made


def login(client, username: str) -> None:  # type: ignore[no-untyped-def]
    assert client.login(username=username, password=TEST_PASSWORD)


def test_the_periods_are_the_last_complete_week_and_month():
    assert report_mod.period_for(ReportKind.WEEKLY, date(2026, 11, 18)) == (date(2026, 11, 9), date(2026, 11, 15))
    assert report_mod.period_for(ReportKind.MONTHLY, date(2026, 11, 1)) == (date(2026, 10, 1), date(2026, 10, 31))
    assert report_mod.period_for(ReportKind.MONTHLY, date(2026, 1, 20)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_the_draft_names_the_hottest_topic_with_masked_examples_and_suggestions(report, world):
    assert report.status == ReportStatus.DRAFT
    assert "搅拌站" in report.texts["summary"]
    assert "「" in report.texts["topics"] and "13900000" not in str(report.texts)
    # a surge that week and one place with several citizens: two rule-based suggestions
    assert "幸福家园" in report.texts["actions"]
    doc = report_mod.build_document(report)
    assert doc.sections[0].heading == "总体情况"
    assert doc.charts() and doc.tables()


def test_drafting_the_same_period_twice_keeps_the_first(report, world):
    again, created = report_mod.draft(world.city, ReportKind.WEEKLY, *last_week())
    assert not created and again.pk == report.pk


def test_the_periodic_task_drafts_weekly_on_mondays_and_monthly_on_the_first(report, world):
    monday = date(2026, 6, 1)  # a Monday and the first of a month
    made = report_mod.draft_due(monday)
    assert {r.kind for r in made} == {ReportKind.WEEKLY, ReportKind.MONTHLY}
    assert report_mod.draft_due(monday) == []
    assert report_mod.draft_due(date(2026, 6, 3)) == []


def test_staff_edit_the_draft_and_the_edit_is_audited(client, world, report):
    login(client, "intake")
    url = reverse("opinion_staff:report", args=[report.pk])
    page = client.get(url)
    assert page.status_code == 200 and "text_summary" in page.content.decode()
    data = {"title": "本周舆情通报", "expected_version": report.version,
            **{f"text_{k}": v for k, v in report.texts.items()}}
    data["text_summary"] = "本周搅拌站噪音问题最为集中。"
    response = client.post(url, data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.texts["summary"] == "本周搅拌站噪音问题最为集中。" and report.title == "本周舆情通报"
    event = OpinionEvent.objects.get(action="report_edit")
    assert event.actor == world.intake and set(event.data["changed"]) == {"summary", "title"}


def test_a_stale_edit_is_refused_without_losing_the_other_edit(client, world, report):
    actions.report_edit(report, by=world.intake, texts={"summary": "第一次修改"}, expected_version=report.version)
    login(client, "supervisor")
    data = {"title": report.title, "expected_version": report.version,
            **{f"text_{k}": v for k, v in report.texts.items()}}
    data["text_summary"] = "第二次修改"
    response = client.post(reverse("opinion_staff:report", args=[report.pk]), data)
    assert response.status_code == 200 and list(response.context["messages"])
    report.refresh_from_db()
    assert report.texts["summary"] == "第一次修改"


def test_an_overlong_section_is_refused_with_a_message(client, world, report):
    login(client, "intake")
    data = {"title": report.title, "expected_version": report.version,
            **{f"text_{k}": v for k, v in report.texts.items()}}
    data["text_summary"] = "长" * (actions.MAX_SECTION_TEXT + 1)
    response = client.post(reverse("opinion_staff:report", args=[report.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors


def test_intake_cannot_issue_but_the_supervisor_can_and_then_it_is_frozen(client, world, report):
    url = reverse("opinion_staff:report_issue", args=[report.pk])
    login(client, "intake")
    client.post(url, {"expected_version": report.version})
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    login(client, "supervisor")
    client.post(url, {"expected_version": report.version})
    report.refresh_from_db()
    assert report.status == ReportStatus.ISSUED and report.issued_by == world.supervisor
    assert OpinionEvent.objects.filter(action="report_issue", actor=world.supervisor).count() == 1
    with pytest.raises(actions.OpinionError):
        actions.report_edit(report, by=world.supervisor, texts={"summary": "x"})


def test_an_issue_with_a_garbled_version_is_refused_not_a_500(client, world, report):
    login(client, "supervisor")
    response = client.post(reverse("opinion_staff:report_issue", args=[report.pk]), {"expected_version": "abc"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_the_pdf_and_the_word_file_contain_the_report_title(client, world, report):
    import pypdfium2

    login(client, "supervisor")
    pdf = client.get(reverse("opinion_staff:report_download", args=[report.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf.content))
    assert report.title.replace(" ", "") in text.replace(" ", "").replace("\r", "").replace("\n", "")
    docx = client.get(reverse("opinion_staff:report_download", args=[report.pk, "docx"]))
    assert docx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(docx.content)) as archive:
        assert report.title in archive.read("word/document.xml").decode()
    assert client.get(reverse("opinion_staff:report_download", args=[report.pk, "exe"])).status_code == 404


def test_a_report_drafted_on_demand_opens_for_editing(client, world, report):
    report.delete()
    login(client, "supervisor")
    response = client.post(reverse("opinion_staff:reports"), {"kind": "weekly", "site": world.city.pk})
    made = OpinionReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("opinion_staff:report", args=[made.pk])
    assert made.created_by == world.supervisor


def test_a_report_for_a_site_outside_the_scope_cannot_be_requested(client, world, report):
    other = Site.objects.create(code="b-city", name="B市人民政府")
    login(client, "supervisor")
    response = client.post(reverse("opinion_staff:reports"), {"kind": "weekly", "site": other.pk})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(reverse("opinion_staff:reports"), {"kind": "yearly", "site": world.city.pk})
    assert response.status_code == 200 and response.context["form"].errors


@pytest.mark.parametrize("username", ["handler_a", "district_handler", "b_super"])
def test_reports_are_404_for_department_staff_and_other_sites(client, world, report, username):
    other = Site.objects.create(code="b-city", name="B市人民政府")
    user = User.objects.create_user(username="b_super", password=TEST_PASSWORD)
    Role.objects.create(user=user, kind=RoleKind.SUPERVISOR, site=other)
    login(client, username)
    for url in (
        reverse("opinion_staff:report", args=[report.pk]),
        reverse("opinion_staff:report_download", args=[report.pk, "pdf"]),
        reverse("opinion_staff:report_download", args=[report.pk, "docx"]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("opinion_staff:report_issue", args=[report.pk])).status_code == 404
    listing = client.get(reverse("opinion_staff:reports"))
    assert listing.status_code == 404 or report.title not in listing.content.decode()


def test_suggestions_follow_the_documented_rules(report, world):
    figs, _total = report_mod.collect(world.city, *last_week())
    noise = next(f for f in figs if "搅拌站" in f.topic.title)
    texts = report_mod.suggestions([noise])
    assert any("surged" in t or "激增" in t or "public" in t for t in texts)
    assert any("on-site" in t or "现场" in t for t in texts)
