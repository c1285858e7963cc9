"""Case exports (CSV and XLSX), one row per case, streamed: a million rows never sit in memory.

The columns are the case facts the engine computes its figures from (engine.CaseFacts), so every
rate of `manage.py metrics` can be recomputed from the file alone; docs/metrics.md shows how.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone

from minsheng.cases.models import Case
from minsheng.metrics.engine import CaseFacts, Weights, WorkingDays, iter_facts, membership
from minsheng.sites.models import Category, Channel, Department, Site

COLUMNS = (
    "tracking_code", "site", "channel", "category", "department", "status", "imported", "excluded",
    "submitted_at", "accepted_at", "dispatched_at", "received_at", "receive_due_at", "first_replied_at",
    "replied_at", "closed_at", "due_at", "paused_at", "redo_count", "rating", "solved", "returned_by",
    "passed_on_by", "handling_working_days", "overdue_working_days",
)


def _time(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


class _Names:
    """Names of sites, channels, categories and departments, loaded once (a few hundred rows)."""

    def __init__(self) -> None:
        self.sites = dict(Site.objects.values_list("pk", "code"))
        self.channels = dict(Channel.objects.values_list("pk", "kind"))
        self.categories = dict(Category.objects.values_list("pk", "name"))
        self.departments = dict(Department.objects.values_list("pk", "name"))

    def departments_of(self, ids: Iterable[int], f: CaseFacts) -> str:
        return "; ".join(self.departments.get(d, str(d)) for d in ids if d not in f.excluded_for)


def rows(queryset: QuerySet[Case], *, as_of: datetime | None = None, header: bool = True) -> Iterator[list[Any]]:
    """The header, then one list of cells per case, in id order."""
    as_of = as_of or timezone.now()
    names, calendar, weights = _Names(), WorkingDays(), Weights()
    if header:
        yield list(COLUMNS)
    for f in iter_facts(queryset):
        m = membership(f, as_of=as_of, weights=weights, calendar=calendar)
        overdue = ""
        if m.overdue_bucket is not None and f.due_at is not None:
            overdue = str(calendar.elapsed(f.due_at, f.paused_at or as_of))
        yield [
            f.tracking_code, names.sites.get(f.site_id, ""), names.channels.get(f.channel_id, ""),
            names.categories.get(f.category_id, "") if f.category_id else "",
            names.departments.get(f.department_id, "") if f.department_id else "", f.status,
            "yes" if f.imported else "", "yes" if f.excluded else "",
            _time(f.submitted_at), _time(f.accepted_at), _time(f.dispatched_at), _time(f.received_at),
            _time(f.receive_due_at), _time(f.first_replied_at), _time(f.replied_at), _time(f.closed_at),
            _time(f.due_at), _time(f.paused_at), f.redo_count, f.satisfaction,
            "" if f.solved is None else ("yes" if f.solved else "no"),
            names.departments_of(f.returned_by, f), names.departments_of(f.passed_on_by, f),
            "" if m.handling_days is None else m.handling_days, overdue,
        ]


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(cells: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text line by line, starting with a byte-order mark so that Excel reads UTF-8 Chinese."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in cells:
        yield writer.writerow(row)  # type: ignore[func-returns-value]


def write_csv(cells: Iterable[list[Any]], out: IO[str]) -> int:
    """Write the lines to `out`; returns the number of cases (lines minus the BOM and the header)."""
    lines = 0
    for line in csv_lines(cells):
        out.write(line)
        lines += 1
    return max(lines - 2, 0)


def write_xlsx(cells: Iterable[list[Any]], out: Any) -> int:
    """openpyxl in write-only mode: rows go to a temporary file as they come, not into memory."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("cases")
    lines = 0
    for row in cells:
        sheet.append(row)
        lines += 1
    workbook.save(out)
    return max(lines - 1, 0)
