"""The accountability figures of issue 4, computed from the cases and their history.

Every definition is in `docs/metrics.md`; this module is its executable statement. In short:

* A period's figures are about the cases SUBMITTED in the period (Asia/Shanghai calendar dates,
  both ends inclusive), as they stand at ``as_of`` (now by default). A late event (a rating next
  month, a redo, a return visit) changes the figures of the month the case was submitted in, at
  once: nothing is pre-aggregated, so nothing can go stale.
* A site includes the sites below it (a city includes its districts), plus the cases its
  departments lead for a site above it. A category includes its children. A channel stands for its
  kind (投诉 of the city and 投诉 of its districts).
* Each case's facts (`CaseFacts`) are loaded once; every figure is a plain function of the facts
  (`_membership`), so `compute`, `by_department`, `cases_behind` and the CSV export can never
  disagree.

`compute()` only reads. Permission scoping is the caller's business: a view builds the Scope from
what the user may see.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import BigIntegerField, F, Func, Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from minsheng.cases.deadlines import REDLINE_CRITICAL, REDLINE_FLAG, work_calendar
from minsheng.cases.models import (
    Assignment,
    AssignmentRole,
    Case,
    Followup,
    FollowupState,
    Rating,
    Reply,
    ReplyStatus,
    Satisfaction,
    Status,
)
from minsheng.lib.workdays import WorkCalendar
from minsheng.sites.models import Category, Channel, Department, Site

SHANGHAI = ZoneInfo("Asia/Shanghai")

RATES = ("reply_rate", "response_rate", "on_time_rate", "resolution_rate", "satisfaction_rate")
OVERDUE_BUCKETS = ("<=5", "6-20", "21-60", ">60")
COUNTS = ("cases", "valid", "rejected", "merged", "dispatched", "replied", "closed", "rated", "redone",
          "imported", "excluded")
# Figures `cases_behind` can list besides the rates and the counts.
OTHER_FIGURES = ("handling_days", "returns", "transfers", "overdue", "red_line", "red_line_flagged")

S = Status
INVALID = frozenset({S.REJECTED, S.MERGED})
# The current round has an answer (the reply that counts exists).
ANSWERED = frozenset({S.REPLIED, S.DISPUTED, S.CLOSED})
# A department holds the case (its clock may run).
IN_DEPARTMENT = frozenset({S.DISPATCHED, S.PROCESSING, S.REVIEWING, S.NEED_INFO})
# Still waiting for a first answer (the scan's red-line population).
UNANSWERED = frozenset({S.SUBMITTED, S.NEED_INFO, S.ACCEPTED, S.RETURNED, S.DISPATCHED, S.PROCESSING, S.REVIEWING,
                        S.DISPUTED})


# ---------------------------------------------------------------------------------------------
# the contract


@dataclass(frozen=True)
class Rate:
    numerator: int | float  # a float only for satisfaction with a fractional weight
    denominator: int

    @property
    def value(self) -> float | None:
        if self.denominator == 0:
            return None
        return self.numerator / self.denominator

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        return {"numerator": self.numerator, "denominator": self.denominator,
                "value": None if value is None else round(value, 6)}


@dataclass(frozen=True)
class Scope:
    site: Site
    start: date  # inclusive, Asia/Shanghai calendar date
    end: date  # inclusive
    department: Department | None = None
    channel: Channel | None = None
    category: Category | None = None  # a parent category includes its children
    # The moment the figures describe; None = now. Tests and reports pin it to be reproducible.
    as_of: datetime | None = None
    # The site's own level (本级) only: the cases submitted to the site itself, not to the sites below
    # it (and, below the root, the cases the site's own departments lead for a site above).
    own_level: bool = False

    def moment(self) -> datetime:
        return self.as_of or timezone.now()

    def site_ids(self) -> list[int]:
        """The sites whose cases (and departments) the scope covers."""
        return [self.site.pk] if self.own_level else self.site.descendant_ids()

    @property
    def filtered(self) -> bool:
        """Narrower than the whole site (a department, channel, category or the own level only)."""
        return bool(self.department or self.channel or self.category or self.own_level)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, end+1 00:00) in Shanghai time."""
        return (datetime.combine(self.start, time(), tzinfo=SHANGHAI),
                datetime.combine(self.end + timedelta(days=1), time(), tzinfo=SHANGHAI))


@dataclass
class Metrics:
    reply_rate: Rate
    response_rate: Rate
    on_time_rate: Rate
    resolution_rate: Rate
    satisfaction_rate: Rate
    handling_days: dict[str, Any]
    returns: int
    transfers: int
    overdue_by_age: dict[str, int]
    red_line: int
    red_line_flagged: int
    counts: dict[str, int]
    appraisal_score: float | None
    as_of: datetime | None = None
    scope: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Exactly what `manage.py metrics --format json` prints."""
        out: dict[str, Any] = {"scope": self.scope, "as_of": self.as_of.isoformat() if self.as_of else None}
        for name in RATES:
            out[name] = getattr(self, name).as_dict()
        out.update({
            "handling_days": self.handling_days,
            "returns": self.returns,
            "transfers": self.transfers,
            "overdue_by_age": self.overdue_by_age,
            "overdue": sum(self.overdue_by_age.values()),
            "red_line": self.red_line,
            "red_line_flagged": self.red_line_flagged,
            "counts": self.counts,
            "appraisal_score": self.appraisal_score,
        })
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metrics:
        """The inverse of `as_dict` (stored month snapshots)."""
        as_of = data.get("as_of")
        return cls(
            **{name: Rate(data[name]["numerator"], data[name]["denominator"]) for name in RATES},
            handling_days=dict(data["handling_days"]), returns=data["returns"], transfers=data["transfers"],
            overdue_by_age=dict(data["overdue_by_age"]), red_line=data["red_line"],
            red_line_flagged=data["red_line_flagged"], counts=dict(data["counts"]),
            appraisal_score=data["appraisal_score"], as_of=datetime.fromisoformat(as_of) if as_of else None,
            scope=dict(data.get("scope") or {}),
        )


# ---------------------------------------------------------------------------------------------
# weights


@dataclass(frozen=True)
class Weights:
    satisfied: float = 1.0
    basic: float = 1.0
    appraisal: tuple[tuple[str, float], ...] = (
        ("reply_rate", 10.0), ("response_rate", 10.0), ("on_time_rate", 30.0), ("resolution_rate", 25.0),
        ("satisfaction_rate", 25.0),
    )


def weights_for(site: Site) -> Weights:
    """The site's MetricSettings, else its nearest ancestor's, else the defaults."""
    from minsheng.metrics.models import MetricSettings

    node: Site | None = site
    while node is not None:
        row = MetricSettings.objects.filter(site=node).first()
        if row is not None:
            return Weights(
                satisfied=float(row.satisfied_weight), basic=float(row.basic_weight),
                appraisal=(("reply_rate", float(row.reply_weight)), ("response_rate", float(row.response_weight)),
                           ("on_time_rate", float(row.on_time_weight)),
                           ("resolution_rate", float(row.resolution_weight)),
                           ("satisfaction_rate", float(row.satisfaction_weight))),
            )
        node = node.parent if node.parent_id else None
    return Weights()


def appraisal_score(rates: dict[str, Rate], weights: Weights) -> float | None:
    """Weighted mean of the defined rates, 0–100. A rate with no denominator is left out and the
    other weights are renormalised, so a department is not punished for having nothing to rate."""
    total = weight_sum = 0.0
    for name, weight in weights.appraisal:
        value = rates[name].value
        if value is None or weight <= 0:
            continue
        total += weight * value
        weight_sum += weight
    if weight_sum == 0:
        return None
    return round(100 * total / weight_sum, 2)


# ---------------------------------------------------------------------------------------------
# facts of one case


class CaseFacts(NamedTuple):
    """What the figures read about one case. A NamedTuple: tens of thousands are built per call,
    and a frozen dataclass costs several times more to create."""

    id: int
    tracking_code: str
    site_id: int
    channel_id: int
    category_id: int | None
    department_id: int | None  # the lead department now
    status: str
    imported: bool
    redo_count: int
    submitted_at: datetime
    accepted_at: datetime | None
    dispatched_at: datetime | None
    received_at: datetime | None
    receive_due_at: datetime | None
    first_replied_at: datetime | None
    replied_at: datetime | None  # the latest approved reply: the one that counts
    closed_at: datetime | None
    due_at: datetime | None
    paused_at: datetime | None
    satisfaction: str  # of the latest verdict (rating or return visit); "" when none
    solved: bool | None
    returned_by: tuple[int, ...]  # departments that returned it, once per return
    passed_on_by: tuple[int, ...]  # lead departments it left otherwise (forward, transfer)
    excluded_for: frozenset[int]  # departments with an approved exclusion

    @property
    def excluded(self) -> bool:
        return self.department_id is not None and self.department_id in self.excluded_for


_CASE_FIELDS = ("id", "tracking_code", "site_id", "channel_id", "category_id", "lead_department_id", "status",
                "is_imported", "redo_count", "submitted_at", "accepted_at", "dispatched_at", "received_at",
                "receive_due_at", "replied_at", "closed_at", "due_at", "paused_at")
_CASE_TIMES = frozenset(f for f in _CASE_FIELDS if f.endswith("_at"))
_NOBODY: frozenset[int] = frozenset()


class _Micros(Func):
    """A timestamp as integer microseconds since the epoch (exact: EXTRACT gives numeric)."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


_EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
_UTC = ZoneInfo("UTC")


def _fast_times() -> bool:
    # Django's psycopg timestamptz loader is pure Python (about 30 µs a value): reading tens of
    # thousands of cases, most of the time went there. On PostgreSQL the times travel as integers.
    return connection.vendor == "postgresql"


def _time(name: str) -> Any:
    return _Micros(F(name)) if _fast_times() else F(name)


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return _EPOCH + timedelta(microseconds=value)


def _values(queryset: QuerySet[Any], fields: tuple[str, ...], times: frozenset[str]) -> Iterator[tuple[Any, ...]]:
    """values_list(*fields) with the `times` fields read quickly (see _fast_times)."""
    if not _fast_times():
        yield from queryset.values_list(*fields).iterator(chunk_size=5000)
        return
    names = [f"_t_{f}" if f in times else f for f in fields]
    annotated = queryset.annotate(**{f"_t_{f}": _time(f) for f in fields if f in times})
    positions = [i for i, f in enumerate(fields) if f in times]
    # The SQL Django compiles, run on a plain cursor: the rows need no converters, and skipping
    # them halves the time per row. A named cursor streams the rows in batches.
    sql, params = annotated.values_list(*names).query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(5000):
            for row in batch:
                out = list(row)
                for i in positions:
                    value = out[i]
                    if value is not None:
                        out[i] = datetime.fromtimestamp(value / 1_000_000, _UTC)
                yield tuple(out)


def _related(ids: list[int]) -> dict[str, dict[int, Any]]:
    """The case's history that the Case row does not hold: replies, verdicts, returns, exclusions.
    Each table is read by the range of case ids (an index range scan on its case_id index: the cases
    of a period have neighbouring ids) and the rows of other cases in the range are dropped here.
    Neither a subquery on the scope (PostgreSQL hashed all of cases_case for it) nor a list of ids
    (psycopg spent longer splitting thousands of placeholders than the database ran) did as well."""
    case_ids = Q(case_id__gte=min(ids), case_id__lte=max(ids))
    from minsheng.metrics.models import Exclusion, RequestState

    last_reply = {
        case_id: _as_datetime(at) for case_id, at in
        Reply.objects.filter(case_ids, status=ReplyStatus.APPROVED)
        .values("case_id").annotate(at=Max(_time("reviewed_at"))).values_list("case_id", "at")
    }
    verdicts: dict[int, tuple[datetime, int, str, bool | None]] = {}

    def offer(case_id: int, at: datetime, rank: int, satisfaction: str, solved: bool | None) -> None:
        if case_id not in verdicts or (at, rank) > verdicts[case_id][:2]:
            verdicts[case_id] = (at, rank, satisfaction, solved)

    for case_id, at, pk, satisfaction, solved in _values(
        Rating.objects.filter(case_ids), ("case_id", "created_at", "pk", "satisfaction", "solved"),
        frozenset({"created_at"}),
    ):
        offer(case_id, at, pk, satisfaction, solved)
    for visit in _values(
        Followup.objects.filter(case_ids, state=FollowupState.DONE, answered_at__isnull=False),
        ("case_id", "answered_at", "pk", "satisfaction", "solved"), frozenset({"answered_at"}),
    ):
        # A return visit answered the same second as a rating comes after it (it follows closing).
        offer(visit[0], visit[1] or timezone.now(), 10**12 + visit[2], visit[3], visit[4])
    returned: dict[int, list[int]] = defaultdict(list)
    passed: dict[int, list[int]] = defaultdict(list)
    for case_id, department_id, returned_at in Assignment.objects.filter(
        case_ids, role=AssignmentRole.LEAD, is_active=False
    ).order_by("id").values_list("case_id", "department_id", "returned_at"):
        (returned if returned_at is not None else passed)[case_id].append(department_id)
    excluded: dict[int, set[int]] = defaultdict(set)
    for case_id, department_id in Exclusion.objects.filter(
        case_ids, state=RequestState.APPROVED
    ).values_list("case_id", "department_id"):
        excluded[case_id].add(department_id)
    return {"last_reply": last_reply, "verdicts": verdicts,
            "returned": {k: tuple(v) for k, v in returned.items()}, "passed": {k: tuple(v) for k, v in passed.items()},
            "excluded": {k: frozenset(v) for k, v in excluded.items()}}


def _facts(rows: Iterable[tuple[Any, ...]], related: dict[str, dict[int, Any]]) -> Iterator[CaseFacts]:
    last_reply, verdicts = related["last_reply"], related["verdicts"]
    returned, passed, excluded = related["returned"], related["passed"], related["excluded"]
    for (pk, code, site_id, channel_id, category_id, department_id, status, imported, redo_count, submitted_at,
         accepted_at, dispatched_at, received_at, receive_due_at, first_replied_at, closed_at, due_at,
         paused_at) in rows:
        verdict = verdicts.get(pk)
        # Positional: this runs for every case of the period, and keywords cost more.
        yield CaseFacts(
            pk, code, site_id, channel_id, category_id, department_id, status, imported, redo_count,
            submitted_at, accepted_at, dispatched_at, received_at, receive_due_at, first_replied_at,
            # Imported answers may have no approved Reply row timestamped by review: fall back.
            last_reply.get(pk) or first_replied_at,
            closed_at, due_at, paused_at,
            verdict[2] if verdict else "", verdict[3] if verdict else None,
            returned.get(pk, ()), passed.get(pk, ()), excluded.get(pk, _NOBODY),
        )


def cases_in_scope(scope: Scope) -> QuerySet[Case]:
    """The cases a scope's figures are about (for a department: those it leads or once led)."""
    site_ids = scope.site_ids()
    start, end = scope.bounds()
    where = Q(site_id__in=site_ids)
    if scope.site.parent_id is not None:
        # A site above may dispatch to this site's departments: those cases are theirs too.
        departments = list(Department.objects.filter(site_id__in=site_ids).values_list("pk", flat=True))
        where |= Q(lead_department_id__in=departments)
    # Naming every status changes nothing in the result but lets PostgreSQL use the
    # (site, status, submitted_at) index instead of reading the whole table (0.9 s → 0.1 s on 1M).
    queryset = Case.objects.filter(where, status__in=Status.values, submitted_at__gte=start, submitted_at__lt=end)
    if scope.department is not None:
        once_led = Assignment.objects.filter(department=scope.department, role=AssignmentRole.LEAD).values("case_id")
        queryset = queryset.filter(Q(lead_department=scope.department) | Q(pk__in=once_led))
    if scope.channel is not None:
        queryset = queryset.filter(channel__kind=scope.channel.kind)
    if scope.category is not None:
        queryset = queryset.filter(category_id__in=_category_ids(scope.category))
    return queryset


def _category_ids(category: Category) -> list[int]:
    ids, frontier = [category.pk], [category.pk]
    while frontier:
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def load_facts(scope: Scope) -> list[CaseFacts]:
    queryset = cases_in_scope(scope).order_by()
    rows = list(_values(queryset, _CASE_FIELDS, _CASE_TIMES))
    if not rows:
        return []
    return list(_facts(rows, _related([row[0] for row in rows])))


def iter_facts(queryset: QuerySet[Case], chunk_size: int = 5000) -> Iterator[CaseFacts]:
    """Facts of any number of cases in bounded memory (exports): chunk by chunk, in id order."""
    queryset = queryset.order_by("pk")
    rows: list[tuple[Any, ...]] = []

    def flush() -> Iterator[CaseFacts]:
        yield from _facts(rows, _related([row[0] for row in rows]))

    for row in _values(queryset, _CASE_FIELDS, _CASE_TIMES):
        rows.append(row)
        if len(rows) == chunk_size:
            yield from flush()
            rows = []
    if rows:
        yield from flush()


# ---------------------------------------------------------------------------------------------
# the definitions


class WorkingDays:
    """Working days elapsed between two moments on the calendar in force, remembered per pair of
    dates: a month of cases has a few hundred distinct pairs, not tens of thousands."""

    def __init__(self, calendar: WorkCalendar | None = None) -> None:
        self.calendar = calendar or work_calendar()
        self._cache: dict[tuple[date, date], int] = {}

    def elapsed(self, start: datetime, end: datetime) -> int:
        if end <= start:
            return 0
        tz = self.calendar.tz
        key = (start.astimezone(tz).date(), end.astimezone(tz).date())
        days = self._cache.get(key)
        if days is None:
            days = self._cache[key] = self.calendar.working_days_between(*key)
        return days


class Membership(NamedTuple):
    """Which figures one case counts in, for one department (or site-wide)."""

    in_population: bool
    rates: dict[str, tuple[bool, float]]  # rate -> (in denominator, numerator weight)
    counts: tuple[str, ...]
    handling_days: int | None
    overdue_bucket: str | None
    red_line: bool
    red_line_flagged: bool


def _bucket(days: int) -> str:
    if days <= 5:
        return "<=5"
    if days <= 20:
        return "6-20"
    if days <= 60:
        return "21-60"
    return ">60"


def membership(f: CaseFacts, *, as_of: datetime, weights: Weights, calendar: WorkingDays) -> Membership:
    """The definitions of docs/metrics.md for one case, as it stands at `as_of`."""
    counts = {"cases"}
    valid = f.accepted_at is not None and f.status not in INVALID
    timed = not f.imported and f.department_id is not None and valid
    if f.status == S.REJECTED:
        counts.add("rejected")
    if f.status == S.MERGED:
        counts.add("merged")
    if f.imported:
        counts.add("imported")
    if valid:
        counts.add("valid")
    if f.dispatched_at is not None and valid:
        counts.add("dispatched")
    if valid and f.first_replied_at is not None:
        counts.add("replied")
    if f.status == S.CLOSED:
        counts.add("closed")
    if f.redo_count:
        counts.add("redone")
    if valid and f.satisfaction:
        counts.add("rated")
    if f.excluded:
        counts.add("excluded")

    rates: dict[str, tuple[bool, float]] = {}
    # 回复率: valid cases with an approved reply / valid cases.
    rates["reply_rate"] = (valid, 1.0 if valid and f.first_replied_at is not None else 0.0)
    # 响应率: received within the receipt limit / dispatched cases whose receipt is settled
    # (received, or the receipt deadline has passed).
    settled = timed and f.dispatched_at is not None and (
        f.received_at is not None or (f.receive_due_at is not None and f.receive_due_at < as_of))
    on_receipt = settled and f.received_at is not None and (f.receive_due_at is None or f.received_at <= f.receive_due_at)
    rates["response_rate"] = (settled, 1.0 if on_receipt else 0.0)
    # 按时办结率: the reply that counts (the latest approved one) by the deadline in force for it
    # (extensions and pauses included; a redo's fresh deadline for a redone case) / cases due: those
    # answered, and those whose deadline has passed without an answer. A stopped clock (paused)
    # stops the deadline from passing.
    answered = f.status in ANSWERED and f.replied_at is not None
    clock = f.paused_at if f.paused_at is not None else as_of
    due = timed and f.due_at is not None and (answered or f.due_at < clock)
    in_time = due and answered and f.replied_at is not None and f.due_at is not None and f.replied_at <= f.due_at
    rates["on_time_rate"] = (due, 1.0 if in_time else 0.0)
    # 解决率 and 满意率: the latest verdict (the citizen's rating or a return visit's answer).
    rates["resolution_rate"] = (valid and f.solved is not None, 1.0 if valid and f.solved else 0.0)
    weight = (weights.satisfied if f.satisfaction == Satisfaction.SATISFIED
              else weights.basic if f.satisfaction == Satisfaction.BASIC else 0.0)
    rates["satisfaction_rate"] = (valid and bool(f.satisfaction), weight if valid else 0.0)

    handling = None
    if timed and f.dispatched_at is not None and f.first_replied_at is not None:
        handling = calendar.elapsed(f.dispatched_at, f.first_replied_at)
    bucket = None
    if timed and f.status in IN_DEPARTMENT and f.due_at is not None and f.due_at < clock:
        bucket = _bucket(calendar.elapsed(f.due_at, clock))
    waiting = (not f.imported and f.status in UNANSWERED and f.first_replied_at is None and f.paused_at is None)
    return Membership(
        in_population=True, rates=rates, counts=tuple(counts), handling_days=handling,
        overdue_bucket=bucket,
        red_line=waiting and f.submitted_at <= as_of - REDLINE_CRITICAL,
        red_line_flagged=waiting and f.submitted_at <= as_of - REDLINE_FLAG,
    )


def unchanged_until(f: CaseFacts, *, as_of: datetime, calendar: WorkingDays) -> datetime | None:
    """The earliest moment after `as_of` from which `membership(f, as_of=...)` may differ although
    nothing is written to the case (None: never). `membership` reads the clock in four places only:
    a receipt or reply deadline passing, the overdue age growing (it counts calendar dates, so it can
    only change at a midnight, and never after ">60"), and the red lines. Erring early is harmless: a
    month snapshot then expires sooner than it had to (`minsheng.metrics.snapshots`)."""
    moments: list[datetime] = []
    if f.received_at is None and f.receive_due_at is not None and f.receive_due_at >= as_of:
        moments.append(f.receive_due_at)
    if f.paused_at is None and f.due_at is not None:
        if f.due_at >= as_of:
            moments.append(f.due_at)
        elif f.status in IN_DEPARTMENT and calendar.elapsed(f.due_at, as_of) <= 60:
            local = as_of.astimezone(calendar.calendar.tz)
            moments.append(datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=calendar.calendar.tz))
    if f.first_replied_at is None and f.paused_at is None:
        moments.extend(at for at in (f.submitted_at + REDLINE_FLAG, f.submitted_at + REDLINE_CRITICAL) if at > as_of)
    return min(moments, default=None)


def _attributed(f: CaseFacts, department_id: int | None) -> bool:
    """Whether the case's rates and timeliness count for `department_id` (None: site-wide)."""
    if f.excluded:
        return False
    return department_id is None or f.department_id == department_id


def _left(departments: tuple[int, ...], f: CaseFacts, department_id: int | None) -> bool:
    """Whether the case left `department_id` (any department site-wide) this way: counted once per
    case however many times, so that the figure equals the number of cases behind it."""
    return any(d not in f.excluded_for and (department_id is None or d == department_id) for d in departments)


def _percentile(sorted_values: list[int], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q of the values at or below it."""
    rank = max(1, math.ceil(q * len(sorted_values)))
    return float(sorted_values[rank - 1])


def _median(sorted_values: list[int]) -> float:
    n = len(sorted_values)
    mid = n // 2
    return float(sorted_values[mid]) if n % 2 else (sorted_values[mid - 1] + sorted_values[mid]) / 2


@dataclass
class _Accumulator:
    num: dict[str, float] = field(default_factory=lambda: dict.fromkeys(RATES, 0.0))
    den: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATES, 0))
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    days: list[int] = field(default_factory=list)
    overdue: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OVERDUE_BUCKETS, 0))
    red_line: int = 0
    red_line_flagged: int = 0
    returns: int = 0
    transfers: int = 0

    def add(self, m: Membership, attributed: bool) -> None:
        for name in m.counts:
            if attributed or name == "excluded":
                self.counts[name] += 1
        if not attributed:
            return
        for name, (in_den, weight) in m.rates.items():
            if in_den:
                self.den[name] += 1
                self.num[name] += weight
        if m.handling_days is not None:
            self.days.append(m.handling_days)
        if m.overdue_bucket is not None:
            self.overdue[m.overdue_bucket] += 1
        self.red_line += m.red_line
        self.red_line_flagged += m.red_line_flagged

    def metrics(self, weights: Weights, as_of: datetime, scope: dict[str, Any]) -> Metrics:
        rates = {name: Rate(_tidy(self.num[name]), self.den[name]) for name in RATES}
        days = sorted(self.days)
        handling: dict[str, Any] = {"count": len(days), "mean": None, "median": None, "p90": None}
        if days:
            handling.update(mean=round(sum(days) / len(days), 2), median=_median(days), p90=_percentile(days, 0.9))
        return Metrics(
            **rates, handling_days=handling, returns=self.returns, transfers=self.transfers,
            overdue_by_age=dict(self.overdue), red_line=self.red_line, red_line_flagged=self.red_line_flagged,
            counts=dict(self.counts), appraisal_score=appraisal_score(rates, weights), as_of=as_of, scope=scope,
        )


def _tidy(value: float) -> int | float:
    """Whole numerators stay integers (the usual case); a fractional weight gives 4 decimals."""
    return round(value) if abs(value - round(value)) < 1e-9 else round(value, 4)


def _describe(scope: Scope) -> dict[str, Any]:
    return {
        "site": scope.site.code, "from": scope.start.isoformat(), "to": scope.end.isoformat(),
        "department": scope.department.pk if scope.department else None,
        "channel": scope.channel.kind if scope.channel else None,
        "category": scope.category.pk if scope.category else None,
        **({"own_level": True} if scope.own_level else {}),
    }


def _accumulate(facts: list[CaseFacts], *, as_of: datetime, weights: Weights,
                calendar: WorkingDays) -> tuple[_Accumulator, dict[int, _Accumulator]]:
    """One pass over the facts: the site-wide totals and each department's, from one membership
    per case (a ranking of 30 departments costs one pass, not 30)."""
    site = _Accumulator()
    departments: dict[int, _Accumulator] = defaultdict(_Accumulator)
    for f in facts:
        m = membership(f, as_of=as_of, weights=weights, calendar=calendar)
        attributed = not f.excluded
        site.add(m, attributed)
        if f.department_id is not None:
            departments[f.department_id].add(m, attributed)
        for by, name in ((f.returned_by, "returns"), (f.passed_on_by, "transfers")):
            if not by:
                continue
            left = {d for d in by if d not in f.excluded_for}
            if left:
                setattr(site, name, getattr(site, name) + 1)
            for d in left:
                setattr(departments[d], name, getattr(departments[d], name) + 1)
    return site, departments


@dataclass
class Summary:
    """Every figure of a scope from one load of its facts (`summarize`)."""

    total: Metrics  # compute(scope)
    ranking: list[tuple[Department, Metrics]]  # by_department(scope); empty for a department's scope
    facts: list[CaseFacts]
    weights: Weights
    calendar: WorkingDays

    def valid_until(self) -> datetime | None:
        """Until when the figures hold if nothing is written (see `unchanged_until`)."""
        as_of = self.total.as_of or timezone.now()
        moments = (unchanged_until(f, as_of=as_of, calendar=self.calendar) for f in self.facts)
        return min((m for m in moments if m is not None), default=None)


def summarize(scope: Scope, facts: list[CaseFacts] | None = None, *, ranking: bool = True) -> Summary:
    """`compute(scope)` and `by_department(scope)` from one pass over `facts` (`load_facts(scope)`,
    loaded here when not given): a page that shows the key figures, the ranking and the heat map
    reads the month once. Every number comes from `membership`, like everywhere else. Without
    `ranking`, only the total (what `compute` needs)."""
    as_of = scope.moment()
    if facts is None:
        facts = load_facts(scope)
    weights, calendar = weights_for(scope.site), WorkingDays()
    site, departments = _accumulate(facts, as_of=as_of, weights=weights, calendar=calendar)
    acc = site if scope.department is None else departments.get(scope.department.pk, _Accumulator())
    total = acc.metrics(weights, as_of, _describe(scope))
    ranked = (_ranking(scope, facts, departments, weights, as_of)
              if ranking and scope.department is None else [])
    return Summary(total=total, ranking=ranked, facts=facts, weights=weights, calendar=calendar)


def compute(scope: Scope) -> Metrics:
    """Every figure of docs/metrics.md for the scope. Reads only."""
    return summarize(scope, ranking=False).total


def by_department(scope: Scope, *, min_cases: int = 0) -> list[tuple[Department, Metrics]]:
    """Each department of the scope's sites, best appraisal score first (no score last). A
    department needs at least `min_cases` cases it leads to be listed."""
    site_scope = replace(scope, department=None, as_of=scope.moment())
    ranking = summarize(site_scope).ranking
    if scope.department is not None:
        ranking = [(d, m) for d, m in ranking if d.pk == scope.department.pk] or [
            (scope.department, _Accumulator().metrics(weights_for(scope.site), site_scope.moment(),
                                                      dict(_describe(site_scope), department=scope.department.pk)))]
    return [(d, m) for d, m in ranking if m.counts["cases"] >= min_cases]


def _ranking(scope: Scope, facts: list[CaseFacts], accumulated: dict[int, _Accumulator], weights: Weights,
             as_of: datetime) -> list[tuple[Department, Metrics]]:
    departments = {d.pk: d for d in Department.objects.filter(site_id__in=scope.site_ids(), is_active=True)}
    seen = {f.department_id for f in facts if f.department_id} | {d for f in facts for d in f.returned_by}
    missing = seen - set(departments)
    if missing:
        departments.update({d.pk: d for d in Department.objects.filter(pk__in=missing)})
    out = []
    for pk, department in departments.items():
        described = dict(_describe(scope), department=pk)
        out.append((department, accumulated.get(pk, _Accumulator()).metrics(weights, as_of, described)))
    out.sort(key=lambda item: (item[1].appraisal_score is None, -(item[1].appraisal_score or 0),
                               item[0].sort_order, item[0].pk))
    return out


def figure_names() -> tuple[str, ...]:
    return (*RATES, *COUNTS, *OTHER_FIGURES, *(f"overdue_by_age.{b}" for b in OVERDUE_BUCKETS))


def cases_behind(scope: Scope, figure: str, part: str = "value") -> QuerySet[Case]:
    """Exactly the cases counted in one figure: for a rate, `part` is "numerator" or "denominator";
    for a count or another figure, "value". len(result) equals the number shown (for the
    satisfaction numerator with a fractional weight: the cases with a non-zero weight)."""
    if figure not in figure_names():
        raise ValueError(f"unknown figure {figure!r}")
    if figure in RATES and part not in ("numerator", "denominator"):
        raise ValueError("a rate has a numerator and a denominator")
    if figure not in RATES and part != "value":
        raise ValueError("this figure has a single value")
    as_of = scope.moment()
    department_id = scope.department.pk if scope.department else None
    weights, calendar = weights_for(scope.site), WorkingDays()
    ids: list[int] = []
    for f in load_facts(scope):
        if figure in ("returns", "transfers"):
            if _left(f.returned_by if figure == "returns" else f.passed_on_by, f, department_id):
                ids.append(f.id)
            continue
        if department_id is not None and f.department_id != department_id:
            continue
        attributed = _attributed(f, department_id)
        m = membership(f, as_of=as_of, weights=weights, calendar=calendar)
        if figure in COUNTS:
            hit = figure in m.counts and (attributed or figure == "excluded")
        elif not attributed:
            hit = False
        elif figure in RATES:
            in_den, weight = m.rates[figure]
            hit = in_den and (part == "denominator" or weight > 0)
        elif figure == "handling_days":
            hit = m.handling_days is not None
        elif figure == "overdue":
            hit = m.overdue_bucket is not None
        elif figure.startswith("overdue_by_age."):
            hit = m.overdue_bucket == figure.split(".", 1)[1]
        else:  # red_line, red_line_flagged
            hit = bool(getattr(m, figure))
        if hit:
            ids.append(f.id)
    if _fast_times():
        # One array parameter rather than one placeholder per case (tens of thousands).
        return Case.objects.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))
    return Case.objects.filter(pk__in=ids)
