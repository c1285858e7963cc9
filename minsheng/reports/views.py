"""Staff pages of the periodic report (通报): list, generate on demand, preview, note, issue.

Supervisors and administrators of a site manage its reports; nobody else sees drafts (404, like
every staff URL out of scope). Issued reports are public on the portal (metrics.public_views).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.models import User
from minsheng.metrics import reporting
from minsheng.reports import actions
from minsheng.reports.actions import ActionError
from minsheng.reports.document import Document
from minsheng.reports.models import IssuedReport, ReportStatus
from minsheng.reports.render import render_docx, render_html, render_pdf, render_xlsx
from minsheng.reports.selectors import managed_site_ids
from minsheng.sites.models import Site
from minsheng.workbench.views import staff_required


def _report_or_404(user: User, pk: int) -> IssuedReport:
    report = IssuedReport.objects.select_related("site").filter(
        pk=pk, site_id__in=managed_site_ids(user), kind__in=reporting.REPORT_KINDS.values()).first()
    if report is None:
        raise Http404
    return report


def generate(site: Site, period: reporting.Period, *, by: User | None) -> IssuedReport:
    """Drafts (or redrafts) the report of a month or quarter. Shared by the view and the task."""
    if period.kind not in reporting.REPORT_KINDS:
        raise ActionError(_("Reports are monthly or quarterly: choose a month like 2026-03 or a quarter like 2026-Q1."))
    return actions.report_draft(
        kind=reporting.REPORT_KINDS[period.kind], site=site, period=period.code, start=period.start,
        end=period.end, by=by, build=lambda note: reporting.build_report(site, period, note=note))


def _period_of(report: IssuedReport) -> reporting.Period:
    return reporting.parse_period(report.period)


@staff_required
def report_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    site_ids = managed_site_ids(user)
    if not site_ids:
        raise Http404
    sites = Site.objects.filter(pk__in=site_ids)
    if request.method == "POST":
        site = sites.filter(code=request.POST.get("site", "")).first()
        text = request.POST.get("period", "").strip()
        try:
            if site is None:
                raise ActionError(_("Choose one of your sites."))
            period = reporting.parse_period(text)
            if period.kind not in reporting.REPORT_KINDS:
                raise ActionError(_("Reports are monthly or quarterly: choose a month like 2026-03 or a quarter "
                                    "like 2026-Q1."))
            kind = reporting.REPORT_KINDS[period.kind]
            if IssuedReport.objects.filter(kind=kind, site=site, period=period.code,
                                           status=ReportStatus.ISSUED).exists():
                raise ActionError(_("The report for %(period)s has already been issued and can no longer change.")
                                  % {"period": period.code})
        except (ActionError, reporting.PeriodError) as error:
            messages.error(request, getattr(error, "message", str(error)))
            return render(request, "metrics/report_staff_list.html", {
                "reports": _list(site_ids), "sites": sites, "period_value": text[:20]}, status=400)
        from minsheng.reports.tasks import generate_report

        started = timezone.now()
        generate_report(site.pk, period.code, user.pk)
        # With the worker quick (or inline in tests) the draft is already there; otherwise it appears
        # in the list when ready.
        report = IssuedReport.objects.filter(kind=kind, site=site, period=period.code).first()
        if report is not None and report.status == ReportStatus.DRAFT and report.generated_at >= started:
            messages.success(request, _("The draft has been generated; read it, add a note if needed, then issue it."))
            return redirect("metrics_staff:report", pk=report.pk)
        messages.success(request, _("The draft is being generated; it will appear in this list in a minute."))
        return redirect("metrics_staff:reports")
    return render(request, "metrics/report_staff_list.html", {
        "reports": _list(site_ids), "sites": sites,
        "period_value": reporting.last_complete(reporting.MONTHLY).code})


def _list(site_ids: frozenset[int]):  # type: ignore[no-untyped-def]
    return (IssuedReport.objects.filter(site_id__in=site_ids, kind__in=reporting.REPORT_KINDS.values())
            .select_related("site").defer("pdf", "docx", "xlsx", "document")[:200])


@staff_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request.user, pk)  # type: ignore[arg-type]
    html = render_html(Document.from_dict(report.document), standalone=False)
    labels = {"generate": _("Draft generated"), "regenerate": _("Regenerated"), "edit_note": _("Note edited"),
              "issue": _("Issued")}
    events = [(e, labels.get(e.action, e.action)) for e in report.events.select_related("actor")]
    return render(request, "metrics/report_staff_detail.html", {"report": report, "html": html, "events": events})


@staff_required
@require_POST
def report_act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    report = _report_or_404(user, pk)
    try:
        if name == "regenerate":
            if report.is_issued:
                raise ActionError(_("An issued report can no longer change."))
            from minsheng.reports.tasks import generate_report

            generate_report(report.site_id, report.period, user.pk)  # the worker: tens of seconds on a city
            messages.success(request, _("The draft is being regenerated with today's figures; reload in a minute."))
        elif name == "note":
            stored = Document.from_dict(report.document)
            actions.report_edit_note(report, note=request.POST.get("note", ""), by=user,
                                     build=lambda note: reporting.with_note(stored, note))
            messages.success(request, _("The note has been saved."))
        elif name == "issue":
            actions.report_issue(report, by=user)
            messages.success(request, _("The report has been issued and is now public."))
        else:
            raise Http404
    except ActionError as error:
        messages.error(request, error.message)
    return redirect("metrics_staff:report", pk=report.pk)


@staff_required
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Issued: the frozen files. Draft: rendered now from the stored document (for proofreading)."""
    from minsheng.metrics.public_views import DOWNLOADS, report_file

    report = _report_or_404(request.user, pk)  # type: ignore[arg-type]
    if fmt not in DOWNLOADS:
        raise Http404
    if report.is_issued:
        return report_file(report, fmt)
    document = Document.from_dict(report.document)
    data = {"pdf": render_pdf, "docx": render_docx, "xlsx": render_xlsx}[fmt](document)
    response = HttpResponse(data, content_type=DOWNLOADS[fmt][0])
    response["Content-Disposition"] = f'attachment; filename="{report.site.code}-{report.period}-draft.{fmt}"'
    return response
