"""The figures of finished months, kept ready and kept right (docs/metrics.md, "Month snapshots").

A trend of twelve months is twelve reads of a month's cases (about 1.5 s each for a city on a
million cases). A finished month changes rarely, so its unfiltered figures are stored per site
(`MonthSnapshot`) and reused until something makes them wrong:

* a write to a case submitted in that month (a rating next month, a redo, an approved exclusion,
  an import of history): `case_changed`, called by the write paths (`cases.actions._record`,
  `metrics.actions`, `cases.importing`) in the write's own transaction, adds one to the month's
  generation for the case's site, the sites of the departments that lead or led it, and every site
  above them (a city's figures include its districts'), and clears the stored figures;
* the clock: a deadline passing, an overdue age growing, a red line (`Summary.valid_until`);
* other weights or another working-day calendar (`settings_key`).

Figures are stored only under the generation read before the month's cases were read, by a
conditional UPDATE: figures computed before a late write can never be stored after it, and a row in
the database cannot be evicted the way a cache entry can, so no old snapshot can come back.

The current month is always computed live and writes to its cases touch nothing here: the hot path
(today's cases) takes no lock. The dashboard and the public page compute whatever is missing or
invalid themselves (correct first) and store it; the worker refills the last twelve finished months
of every active site (`warm`, every 30 minutes) so that pages usually find them ready.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from minsheng.metrics.engine import SHANGHAI, Metrics, Scope, summarize, weights_for
from minsheng.metrics.models import MonthSnapshot
from minsheng.sites.models import CalendarDay, Department, Site

# A write this close to the end of its case's month already counts as touching a finished month: a
# transaction that commits after midnight must still invalidate what a worker computed at 00:00:01.
SETTLE = timedelta(hours=1)

# How long a page may keep showing a snapshot after the clock alone has changed it (an open case of
# the month crossed a deadline or a red line). On a busy site the last months' snapshots expire by
# the clock within minutes, so without this nearly every dashboard load would recompute one to three
# months; the worker refills expired snapshots every 30 minutes, so pages accept that much. A late
# *write* is never served stale: it clears the figures, whatever the grace.
CLOCK_GRACE = timedelta(minutes=30)


def month_of(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date().replace(day=1)


def month_end(first: date) -> datetime:
    """The first moment after the month (Asia/Shanghai)."""
    following = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(following, time(), tzinfo=SHANGHAI)


def is_finished(first: date, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= month_end(first)


# ------------------------------------------------------------------------------ invalidation ---

def _with_ancestors(site_ids: Iterable[int]) -> set[int]:
    parents = dict(Site.objects.values_list("pk", "parent_id"))
    out: set[int] = set()
    for site_id in site_ids:
        node: int | None = site_id
        while node is not None and node not in out:
            out.add(node)
            node = parents.get(node)
    return out


def case_changed(case: object) -> None:
    """Called in the transaction of every write to a case. A case of the current month costs
    nothing; a case of a finished month invalidates that month's snapshots of every site whose
    figures it can be in."""
    from minsheng.cases.models import Assignment, AssignmentRole, Case

    assert isinstance(case, Case)
    if case.submitted_at is None:
        return
    first = month_of(case.submitted_at)
    if timezone.now() < month_end(first) - SETTLE:
        return
    departments = set(Assignment.objects.filter(case_id=case.pk, role=AssignmentRole.LEAD)
                      .values_list("department_id", flat=True))
    if case.lead_department_id:
        departments.add(case.lead_department_id)
    sites = {case.site_id, *Department.objects.filter(pk__in=departments).values_list("site_id", flat=True)}
    invalidate(_with_ancestors(sites), first)


def invalidate(site_ids: Iterable[int], first: date) -> None:
    """One more generation, figures cleared, for each site's month. The row is created when missing
    (a reader that has just started computing must see the write), and the rows are taken in one
    order so that two writers cannot deadlock."""
    ids = sorted(set(site_ids))
    with transaction.atomic():
        MonthSnapshot.objects.bulk_create([MonthSnapshot(site_id=s, month=first) for s in ids], ignore_conflicts=True)
        for site_id in ids:
            MonthSnapshot.objects.filter(site_id=site_id, month=first).update(
                generation=F("generation") + 1, metrics=None, valid_until=None)


# ---------------------------------------------------------------------------------- reading ---

def settings_key(site: Site) -> str:
    """What the figures depend on besides the cases: the site's weights and the working-day
    calendar (administrators may correct a holiday)."""
    rows = tuple(CalendarDay.objects.order_by("day").values_list("day", "is_workday"))
    return hashlib.sha256(repr((weights_for(site), rows)).encode()).hexdigest()


def _usable(row: MonthSnapshot, key: str, now: datetime, grace: timedelta = timedelta(0)) -> bool:
    return (row.metrics is not None and row.settings_key == key
            and (row.valid_until is None or now < row.valid_until + grace))


def month_figures(site: Site, months: list[date], *, now: datetime | None = None) -> dict[date, Metrics]:
    """The unfiltered figures of `site` for each month (first days): finished months from their
    snapshot when it still holds (up to `CLOCK_GRACE` past a change by the clock alone), else computed
    and stored; the current month computed live."""
    now = now or timezone.now()
    finished = [m for m in months if is_finished(m, now)]
    out: dict[date, Metrics] = {}
    rows: dict[date, MonthSnapshot] = {}
    key = ""
    if finished:
        key = settings_key(site)
        MonthSnapshot.objects.bulk_create([MonthSnapshot(site=site, month=m) for m in finished],
                                          ignore_conflicts=True)
        # Read before the cases are: see the module docstring.
        rows = {r.month: r for r in MonthSnapshot.objects.filter(site=site, month__in=finished)}
        for first, row in rows.items():
            if _usable(row, key, now, CLOCK_GRACE) and row.metrics is not None:
                out[first] = Metrics.from_dict(row.metrics)
    for first in months:
        if first not in out:
            out[first] = _compute(site, first, now, rows.get(first), key)
    return out


def _compute(site: Site, first: date, now: datetime, row: MonthSnapshot | None, key: str) -> Metrics:
    """The month's unfiltered figures, stored in `row` when given (see `_store`)."""
    scope = Scope(site=site, start=first, end=(month_end(first) - timedelta(days=1)).date(), as_of=now)
    summary = summarize(scope, ranking=False)
    if row is not None:
        _store(row, summary.total, summary.valid_until(), key)
    return summary.total


def _store(row: MonthSnapshot, metrics: Metrics, valid_until: datetime | None, key: str) -> bool:
    """Stores the figures if the month's generation is still the one read before its cases. (The
    pages and the worker that call this run outside any transaction, so the row lock lasts one
    statement.)"""
    return bool(MonthSnapshot.objects.filter(pk=row.pk, generation=row.generation).update(
        metrics=metrics.as_dict(), valid_until=valid_until, settings_key=key, computed_at=timezone.now()))


# ----------------------------------------------------------------------------------- worker ---

def finished_months(count: int, today: date | None = None) -> list[date]:
    today = today or timezone.localdate()
    months = [today.replace(day=1)]
    while len(months) <= count:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return list(reversed(months[1:]))


def warm(count: int = 12, today: date | None = None) -> int:
    """Fills the missing or invalid snapshots of the last `count` finished months of every active
    site (run by the worker). Returns how many months were computed."""
    months = finished_months(count, today)
    computed = 0
    for site in Site.objects.filter(is_active=True).order_by("pk"):
        key = settings_key(site)
        MonthSnapshot.objects.bulk_create([MonthSnapshot(site=site, month=m) for m in months], ignore_conflicts=True)
        rows = {r.month: r for r in MonthSnapshot.objects.filter(site=site, month__in=months)}
        for first in months:
            row, now = rows[first], timezone.now()
            if _usable(row, key, now):
                continue
            _compute(site, first, now, row, key)
            computed += 1
    return computed
