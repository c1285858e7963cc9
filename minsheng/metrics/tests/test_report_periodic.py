"""The periodic report (通报): drafted on schedule or on demand, annotated, issued, then public as
HTML, PDF, Word and Excel whose first pages show the title and the key figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.conftest import TEST_PASSWORD
from minsheng.metrics import reporting
from minsheng.reports.models import IssuedReport, RankingSettings, ReportEvent, ReportStatus
from minsheng.reports.tasks import draft_due_reports
from minsheng.reports.testing import assert_rendered_report, docx_to_pdf
from minsheng.reports.tests.scenario import Scenario, build_scenario
from minsheng.sites.models import Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(world) -> Scenario:
    RankingSettings.objects.create(site=world.city, min_cases=1)
    return build_scenario(world)


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def generate(client, world, period=None):
    return client.post(reverse("metrics_staff:reports"),
                       {"site": world.city.code, "period": this_month() if period is None else period})


def test_the_report_document_ranks_lists_and_charts(scenario):
    period = reporting.parse_period(this_month())
    doc = reporting.build_report(scenario.world.city, period)
    headings = [s.heading for s in doc.sections]
    assert len(headings) == 6
    ranking = doc.sections[1].blocks[1]
    assert [row[1] for row in ranking.rows] == ["A市住房和城乡建设局", "A市生态环境局"]
    red, black = doc.sections[2].blocks
    assert [row[0] for row in red.rows][:1] == ["A市住房和城乡建设局"]
    assert "A市生态环境局" in [row[0] for row in black.rows]
    good, overdue = doc.sections[3].blocks
    assert [row[0] for row in good.rows] == [scenario.satisfied.public_title] * 2  # satisfied and basically satisfied
    assert len(overdue.rows) == 1
    assert len(doc.charts()) >= 3


def test_typical_cases_never_show_an_unpublished_title(scenario):
    doc = reporting.build_report(scenario.world.city, reporting.parse_period(this_month()))
    overdue_rows = doc.sections[3].blocks[1].rows
    assert "河道排污无人管" not in str(overdue_rows)
    assert "王建国" not in str(doc.to_dict()) and "13812345678" not in str(doc.to_dict())


def test_a_supervisor_generates_annotates_and_issues_the_monthly_report(client, scenario):
    world = scenario.world
    login(client, world.supervisor)
    response = generate(client, world)
    report = IssuedReport.objects.get()
    assert response.status_code == 302 and response.url == reverse("metrics_staff:report", args=[report.pk])
    assert report.status == ReportStatus.DRAFT and report.kind == "metrics.monthly"
    assert client.get(reverse("metrics_public:report_detail", args=[world.city.code, report.period])).status_code == 404

    client.post(reverse("metrics_staff:report_act", args=[report.pk, "note"]), {"note": "本月整体平稳。"})
    report.refresh_from_db()
    assert report.note == "本月整体平稳。" and report.edited_by == world.supervisor
    assert report.document["sections"][0]["blocks"][0]["text"] == "本月整体平稳。"

    client.post(reverse("metrics_staff:report_act", args=[report.pk, "issue"]))
    report.refresh_from_db()
    assert report.status == ReportStatus.ISSUED and report.issued_by == world.supervisor
    assert bytes(report.pdf)[:4] == b"%PDF" and bytes(report.docx)[:2] == b"PK"
    assert list(ReportEvent.objects.filter(report=report).values_list("action", flat=True)) == [
        "generate", "edit_note", "issue"]

    client.logout()
    public = client.get(reverse("metrics_public:report_detail", args=[world.city.code, report.period]))
    assert public.status_code == 200
    assert "本月整体平稳。" in public.content.decode()
    listing = client.get(reverse("metrics_public:report_list", args=[world.city.code]))
    assert report.title in listing.content.decode()


def test_an_issued_report_cannot_be_regenerated_or_edited(client, scenario):
    login(client, scenario.world.supervisor)
    generate(client, scenario.world)
    report = IssuedReport.objects.get()
    client.post(reverse("metrics_staff:report_act", args=[report.pk, "issue"]))
    response = generate(client, scenario.world)
    assert response.status_code == 400
    assert any("已发布" in str(m) for m in response.context["messages"])
    client.post(reverse("metrics_staff:report_act", args=[report.pk, "note"]), {"note": "x"})
    report.refresh_from_db()
    assert report.note == ""


def test_the_issued_pdf_first_page_shows_the_title_and_key_figures(client, scenario):
    login(client, scenario.world.supervisor)
    generate(client, scenario.world)
    report = IssuedReport.objects.get()
    client.post(reverse("metrics_staff:report_act", args=[report.pk, "issue"]))
    client.logout()
    pdf = client.get(reverse("metrics_public:report_download", args=[scenario.world.city.code, report.period, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert_rendered_report(pdf.content, name="tongbao-monthly-pdf.png",
                           expect=[scenario.world.city.name, "75.0", "A市住房和城乡建设局"])


def test_the_issued_word_file_renders_in_libreoffice_with_the_same_figures(client, scenario):
    login(client, scenario.world.supervisor)
    generate(client, scenario.world)
    report = IssuedReport.objects.get()
    client.post(reverse("metrics_staff:report_act", args=[report.pk, "issue"]))
    docx = client.get(reverse("metrics_public:report_download", args=[scenario.world.city.code, report.period, "docx"]))
    assert docx.status_code == 200
    assert_rendered_report(docx_to_pdf(docx.content), name="tongbao-monthly-docx.png",
                           expect=[scenario.world.city.name, "75.0", "A市住房和城乡建设局"])


def test_the_excel_download_has_the_ranking_with_numbers(client, scenario):
    login(client, scenario.world.supervisor)
    generate(client, scenario.world)
    report = IssuedReport.objects.get()
    xlsx = client.get(reverse("metrics_staff:report_download", args=[report.pk, "xlsx"]))  # a draft: rendered now
    book = load_workbook(io.BytesIO(xlsx.content))
    ranking = book["部门排名"]
    values = [[c.value for c in row] for row in ranking.iter_rows(min_row=4)]
    assert values[0][1] == "A市住房和城乡建设局" and values[0][2] == 3


@pytest.mark.parametrize("period", ["2026", "2026-13", "soon", "2999-01", "", "2026-Q0", "1999-12"])
def test_a_bad_period_for_a_report_is_explained(client, scenario, period):
    login(client, scenario.world.supervisor)
    response = generate(client, scenario.world, period=period)
    assert response.status_code == 400
    assert list(response.context["messages"])
    assert not IssuedReport.objects.exists()


def test_another_site_cannot_be_chosen_for_a_report(client, scenario):
    login(client, scenario.world.supervisor)
    response = client.post(reverse("metrics_staff:reports"), {"site": scenario.world.district.code,
                                                               "period": this_month()})
    assert response.status_code == 400 and not IssuedReport.objects.exists()


def test_staff_report_pages_are_404_for_handlers_and_other_sites(client, scenario):
    login(client, scenario.world.supervisor)
    generate(client, scenario.world)
    report = IssuedReport.objects.get()
    client.logout()
    other = Site.objects.create(code="b-city", name="B市人民政府")
    stranger = User.objects.create_user(username="b_supervisor", password=TEST_PASSWORD)
    Role.objects.create(user=stranger, kind=RoleKind.SUPERVISOR, site=other)
    for user in (scenario.world.handler_a, scenario.world.intake, stranger):
        login(client, user)
        assert client.get(reverse("metrics_staff:report", args=[report.pk])).status_code == 404
        assert client.get(reverse("metrics_staff:report_download", args=[report.pk, "pdf"])).status_code == 404
        assert client.post(reverse("metrics_staff:report_act", args=[report.pk, "issue"])).status_code == 404
        client.logout()
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    login(client, scenario.world.handler_a)
    assert client.get(reverse("metrics_staff:reports")).status_code == 404


def test_an_unknown_action_on_a_report_is_404(client, scenario):
    login(client, scenario.world.supervisor)
    generate(client, scenario.world)
    report = IssuedReport.objects.get()
    assert client.post(reverse("metrics_staff:report_act", args=[report.pk, "delete"])).status_code == 404
    assert client.get(reverse("metrics_staff:report_act", args=[report.pk, "issue"])).status_code == 405


def test_a_draft_is_not_public_and_unknown_periods_are_404(client, scenario):
    login(client, scenario.world.supervisor)
    generate(client, scenario.world)
    report = IssuedReport.objects.get()
    client.logout()
    code = scenario.world.city.code
    assert client.get(reverse("metrics_public:report_download", args=[code, report.period, "pdf"])).status_code == 404
    assert client.get(f"/s/{code}/stats/reports/2026-99/").status_code == 404
    assert client.get(f"/s/{code}/stats/reports/{report.period}.exe").status_code == 404


def test_the_scheduled_task_drafts_last_month_and_last_quarter_on_the_first_of_a_quarter(world):
    from minsheng.cases.models import Case

    build_scenario(world)
    # The cases are moved to September 2026 (test setup), then the task runs on 1 October.
    september = timezone.make_aware(dt.datetime(2026, 9, 15, 10, 0))
    Case.objects.update(submitted_at=september)
    drafted = draft_due_reports(dt.date(2026, 10, 1))
    assert set(drafted) >= {"a-city:2026-09", "a-city:2026-Q3", "a1:2026-09", "a1:2026-Q3"}
    assert IssuedReport.objects.filter(site=world.city, kind="metrics.quarterly", period="2026-Q3").exists()
    assert IssuedReport.objects.get(site=world.city, period="2026-09").generated_by is None
    # Running it again rebuilds the drafts, without duplicates.
    draft_due_reports(dt.date(2026, 10, 1))
    assert IssuedReport.objects.filter(site=world.city, period="2026-09").count() == 1
    assert ReportEvent.objects.filter(action="regenerate").exists()


def test_the_scheduled_task_skips_sites_without_messages(world):
    assert draft_due_reports(dt.date(2026, 11, 1)) == []


def test_the_staff_report_page_shows_the_draft_and_its_history(client, scenario):
    login(client, scenario.world.supervisor)
    generate(client, scenario.world)
    report = IssuedReport.objects.get()
    client.post(reverse("metrics_staff:report_act", args=[report.pk, "note"]), {"note": "请各部门加快办理。"})
    page = client.get(reverse("metrics_staff:report", args=[report.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "请各部门加快办理。" in html and "修改按语" in html and "生成草稿" in html
    assert [label for _e, label in page.context["events"]] == ["生成草稿", "修改按语"]


def test_a_note_that_is_too_long_is_refused_with_a_message(client, scenario):
    login(client, scenario.world.supervisor)
    generate(client, scenario.world)
    report = IssuedReport.objects.get()
    response = client.post(reverse("metrics_staff:report_act", args=[report.pk, "note"]), {"note": "长" * 2001},
                           follow=True)
    assert any("按语过长" in str(m) for m in response.context["messages"])
    report.refresh_from_db()
    assert report.note == ""


def test_the_public_report_page_does_not_load_the_files(client, scenario, django_assert_num_queries):
    login(client, scenario.world.supervisor)
    generate(client, scenario.world)
    report = IssuedReport.objects.get()
    client.post(reverse("metrics_staff:report_act", args=[report.pk, "issue"]))
    client.logout()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("metrics_public:report_detail", args=[scenario.world.city.code, report.period]))
    report_queries = [q["sql"] for q in queries.captured_queries if "reports_issuedreport" in q["sql"]]
    assert report_queries and all('"pdf"' not in sql and '"docx"' not in sql for sql in report_queries)


def test_changing_the_note_keeps_the_figures_and_replaces_the_previous_note(client, scenario):
    login(client, scenario.world.supervisor)
    generate(client, scenario.world)
    report = IssuedReport.objects.get()
    before = report.document["sections"][1:]
    for note in ("第一稿按语。", "第二稿按语。", ""):
        client.post(reverse("metrics_staff:report_act", args=[report.pk, "note"]), {"note": note})
    report.refresh_from_db()
    assert report.document["sections"][1:] == before
    first = report.document["sections"][0]["blocks"][0]
    assert not first["emphasis"] and "按语" not in str(report.document["sections"][0])


# The worker closes its database connection after a task (djhuey's db_task): real transactions.
@pytest.mark.django_db(transaction=True)
def test_with_a_busy_worker_the_supervisor_is_told_the_draft_is_coming(client, scenario):
    from huey.contrib.djhuey import HUEY

    login(client, scenario.world.supervisor)
    HUEY.immediate = False
    HUEY.flush()
    try:
        response = generate(client, scenario.world)
        assert response.status_code == 302 and response.url == reverse("metrics_staff:reports")
        assert not IssuedReport.objects.exists()
        while (task := HUEY.dequeue()) is not None:
            HUEY.execute(task)
    finally:
        HUEY.flush()
        HUEY.immediate = True
    report = IssuedReport.objects.get()
    assert report.generated_by == scenario.world.supervisor and report.status == ReportStatus.DRAFT


def test_regenerating_a_draft_rebuilds_it_and_keeps_the_note(client, scenario):
    login(client, scenario.world.supervisor)
    generate(client, scenario.world)
    report = IssuedReport.objects.get()
    client.post(reverse("metrics_staff:report_act", args=[report.pk, "note"]), {"note": "保留的按语。"})
    client.post(reverse("metrics_staff:report_act", args=[report.pk, "regenerate"]))
    report.refresh_from_db()
    assert report.document["sections"][0]["blocks"][0]["text"] == "保留的按语。"
    assert list(report.events.values_list("action", flat=True)) == ["generate", "edit_note", "regenerate"]
