"""Open data: every published case of a site, as CSV (streamed) or Excel, without personal data.

Only what the portal already shows publicly goes out: the masked public title and message
(`public_title`, `public_body`, masked at publication and reviewed by intake), the reply's public
text, the channel, category, department, dates, status and the citizen's verdict. Never the original
title or message, names, phone numbers, emails, the citizen digest or the tracking code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.cases import selectors
from minsheng.cases.models import Case, Rating, Reply, ReplyStatus
from minsheng.sites.models import Site

CHUNK = 500
# Columns are fixed and named in English in the first row so scripts can rely on them across
# languages; the second row (CSV only) is the header in the reader's language.
COLUMNS = ("id", "url", "channel", "category", "department", "submitted", "replied", "status", "title",
           "message", "reply", "satisfaction")


def column_labels() -> list[str]:
    return [_("ID"), _("Address"), _("Channel"), _("Category"), _("Department"), _("Submitted"), _("Replied"),
            _("Status"), _("Title"), _("Message"), _("Reply"), _("Rating")]


def _replies(case_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for case_id, text in (Reply.objects.filter(case_id__in=case_ids, status=ReplyStatus.APPROVED)
                          .order_by("case_id", "id").values_list("case_id", "public_body")):
        out[case_id] = text  # the latest approved reply wins
    return out


def _verdicts(case_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for case_id, rating in (Rating.objects.filter(case_id__in=case_ids).order_by("case_id", "id")
                            .values_list("case_id", "satisfaction")):
        out[case_id] = rating
    return out


def rows(site: Site, base_url: str = "") -> Iterator[list[Any]]:
    """One list per published case, newest first, in chunks (bounded memory on 100k cases)."""
    from django.urls import reverse

    from minsheng.cases.models import Satisfaction, Status

    statuses = dict(Status.choices)
    verdict_labels = dict(Satisfaction.choices)
    keys = selectors.published_cases(site).values_list("pk", flat=True)
    ids = list(keys)  # ids only (an index read), then the rows chunk by chunk
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        cases: list[Case] = list(
            selectors.published_cases(site).filter(pk__in=chunk)
            .only("pk", "channel__name", "category__name", "lead_department__name", "submitted_at", "replied_at",
                  "status", "public_title", "public_body", "published_at", "site_id")
        )
        replies, verdicts = _replies(chunk), _verdicts(chunk)
        for case in cases:
            yield [
                case.pk,
                base_url + reverse("portal:case_detail", args=[site.code, case.pk]),
                case.channel.name,
                case.category.name if case.category else "",
                case.lead_department.name if case.lead_department else "",
                timezone.localtime(case.submitted_at).date().isoformat(),
                timezone.localtime(case.replied_at).date().isoformat() if case.replied_at else "",
                str(statuses.get(case.status, case.status)),
                case.public_title,
                case.public_body,
                replies.get(case.pk, ""),
                str(verdict_labels.get(verdicts.get(case.pk, ""), "")),
            ]


def safe_cell(value: Any) -> Any:
    """Text starting like a formula is prefixed with an apostrophe: a spreadsheet opening the CSV
    must not run a citizen's words as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_chunks(site: Site, base_url: str = "") -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # A byte-order mark: Excel on Windows opens UTF-8 CSV as GBK without it and shows mojibake.
    yield "\ufeff"
    writer.writerow(COLUMNS)
    writer.writerow(column_labels())
    for n, row in enumerate(rows(site, base_url), start=1):
        writer.writerow([safe_cell(v) for v in row])
        if n % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(site: Site, base_url: str = "") -> io.BytesIO:
    """A write-only workbook: rows go to disk as they come, memory stays flat."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Published cases")[:31])
    sheet.append(list(COLUMNS))
    sheet.append(column_labels())
    for row in rows(site, base_url):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str) and value[:1] == "=":
                cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out
