"""The only write path of stored reports: draft (generate or regenerate), edit the note, issue.

Same pattern as `minsheng.cases.actions`: the row locked inside one transaction, one `ReportEvent`
per change. Rendering the PDF and Word files takes seconds, so it happens BEFORE the transaction:
holding a row lock (and on SQLite the database's write lock) while WeasyPrint lays out pages would
stall every other writer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import User
from minsheng.cases.actions import ActionError
from minsheng.reports.document import Document
from minsheng.reports.models import IssuedReport, ReportEvent, ReportStatus
from minsheng.reports.render import render_docx, render_pdf, render_xlsx
from minsheng.sites.models import Site

__all__ = ["ActionError", "report_draft", "report_edit_note", "report_issue"]


def _event(report: IssuedReport, action: str, by: User | None, *, note: str = "", data: dict | None = None) -> None:
    ReportEvent.objects.create(report=report, action=action, actor=by, note=note, data=data or {},
                               created_at=timezone.now())


def report_draft(*, kind: str, site: Site, period: str, start: dt.date, end: dt.date,
                 build: Callable[[str], Document], by: User | None) -> IssuedReport:
    """Creates the draft of a period, or rebuilds it with today's figures. `build(note)` returns the
    document (the note is the draft's current editor's note). An issued report is never rebuilt."""
    with transaction.atomic():
        report = IssuedReport.objects.select_for_update().filter(kind=kind, site=site, period=period).first()
        if report is not None and report.is_issued:
            raise ActionError(_("The report for %(period)s has already been issued and can no longer change.")
                              % {"period": period})
        note = report.note if report else ""
    document = build(note)  # reads only; outside the lock
    now = timezone.now()
    try:
        with transaction.atomic():
            report = IssuedReport.objects.select_for_update().filter(kind=kind, site=site, period=period).first()
            if report is None:
                report = IssuedReport.objects.create(
                    kind=kind, site=site, period=period, start=start, end=end, title=document.title,
                    document=document.to_dict(), generated_at=now, generated_by=by)
                _event(report, "generate", by, data={"period": period})
                return report
            if report.is_issued:
                raise ActionError(_("The report for %(period)s has already been issued and can no longer change.")
                                  % {"period": period})
            report.title, report.document, report.generated_at, report.generated_by = (
                document.title, document.to_dict(), now, by)
            report.save(update_fields=["title", "document", "generated_at", "generated_by"])
            _event(report, "regenerate", by, data={"period": period})
            return report
    except IntegrityError:
        # The scheduler and a supervisor drafted the same period at the same moment: the other won.
        raise ActionError(_("The report for %(period)s is being generated; reload in a moment.")
                          % {"period": period}) from None


def report_edit_note(report: IssuedReport, *, note: str, by: User,
                     build: Callable[[str], Document]) -> IssuedReport:
    note = (note or "").strip()
    if len(note) > 2000:
        raise ActionError(_("The note is too long (at most 2000 characters)."))
    document = build(note)
    with transaction.atomic():
        report = IssuedReport.objects.select_for_update().get(pk=report.pk)
        if report.is_issued:
            raise ActionError(_("An issued report can no longer change."))
        report.note, report.edited_by = note, by
        report.title, report.document, report.generated_at = document.title, document.to_dict(), timezone.now()
        report.save(update_fields=["note", "edited_by", "title", "document", "generated_at"])
        _event(report, "edit_note", by, note=note)
        return report


def report_issue(report: IssuedReport, *, by: User | None) -> IssuedReport:
    """Freezes the draft: renders the files once from the stored document and publishes them."""
    if report.is_issued:
        raise ActionError(_("This report has already been issued."))
    document = Document.from_dict(report.document)
    pdf, docx, xlsx = render_pdf(document), render_docx(document), render_xlsx(document)
    with transaction.atomic():
        locked = IssuedReport.objects.select_for_update().get(pk=report.pk)
        if locked.is_issued:
            raise ActionError(_("This report has already been issued."))
        if locked.document != report.document:
            raise ActionError(_("The report changed while it was being issued; please review it and issue again."))
        locked.pdf, locked.docx, locked.xlsx = pdf, docx, xlsx
        locked.status, locked.issued_by, locked.issued_at = ReportStatus.ISSUED, by, timezone.now()
        locked.save(update_fields=["pdf", "docx", "xlsx", "status", "issued_by", "issued_at"])
        _event(locked, "issue", by, data={"pdf_bytes": len(pdf), "docx_bytes": len(docx)})
        return locked
