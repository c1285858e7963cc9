"""Staff queues: named filters over the cases a user may see (reads only).

Each queue is one `Queue` in `QUEUES`: the home page counts and the queue list use the same
condition, so a count always equals the length of its list. Everything starts from
`selectors.cases_for_staff`, so nothing here can widen a user's scope.

Speed with a million cases: lists are paged by keyset (the last row's sort key and id), never by
OFFSET, and never counted in full; every queue's condition names `status` or `next_due_at`, so the
queries can use the Case indexes (site/status/submitted_at, lead_department/status, next_due_at,
lead_department/next_due_at, site/next_due_at).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from minsheng.accounts.models import RoleKind, User
from minsheng.accounts.scopes import Scope, scope_for
from minsheng.cases.deadlines import REDLINE_CRITICAL, REDLINE_FLAG, SUPERVISION_CLOCK_RUNS
from minsheng.cases.models import (
    Case,
    ExtensionRequest,
    Followup,
    FollowupMethod,
    FollowupState,
    RequestState,
    ReturnRequest,
    Status,
    Supervision,
)
from minsheng.cases.selectors import cases_for_staff, staff_condition
from minsheng.cases.workflow import OPEN_STATUSES
from minsheng.lib.workdays import WorkCalendar
from minsheng.sites.models import Site

S = Status
OPEN = sorted(OPEN_STATUSES)
# Statuses in which a deadline clock can run (see deadlines.current_deadline).
CLOCK_STATUSES = sorted({S.SUBMITTED, S.ACCEPTED, S.RETURNED, S.DISPATCHED, S.PROCESSING, S.REVIEWING})
# Not answered yet: what the inspection red lines count.
UNANSWERED = sorted(s for s in OPEN_STATUSES if s != S.REPLIED)
DEFAULT_LEAD_HOURS = 24
PAGE_SIZE = 50
COUNT_CAP = 1000
# Overdue by this many working days or more is shown as critical, not merely overdue.
CRITICAL_OVERDUE_WORKING_DAYS = 3


# ---- the clock a queue is evaluated against ----------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """`now` and the reminder lead time of every site (Site.reminder_lead_hours), loaded once."""

    now: datetime
    # lead hours -> ids of the sites using it
    leads: dict[int, frozenset[int]] = field(default_factory=dict)

    def lead_for(self, site_id: int) -> int:
        for hours, ids in self.leads.items():
            if site_id in ids:
                return hours
        return DEFAULT_LEAD_HOURS

    def due_soon(self) -> Q:
        """Due after now and within the lead time of the case's site. With one lead time for every
        site (the usual case) this is a plain range on next_due_at; otherwise one range per distinct
        lead time, each limited to its sites (still index-friendly: site/next_due_at)."""
        if len(self.leads) <= 1:
            hours = next(iter(self.leads), DEFAULT_LEAD_HOURS)
            return Q(next_due_at__gt=self.now, next_due_at__lte=self.now + timedelta(hours=hours))
        condition = Q(pk__in=[])
        for hours, ids in self.leads.items():
            condition |= Q(site_id__in=ids, next_due_at__gt=self.now,
                           next_due_at__lte=self.now + timedelta(hours=hours))
        return condition


def clock(now: datetime | None = None, sites: Iterable[tuple[int, int]] | None = None) -> Clock:
    """A Clock at `now` (default: the current time). `sites` is (site id, lead hours) pairs; read
    from the database when not given (one small query: sites are few)."""
    if sites is None:
        sites = Site.objects.values_list("pk", "reminder_lead_hours")
    leads: dict[int, set[int]] = {}
    for pk, hours in sites:
        leads.setdefault(hours or DEFAULT_LEAD_HOURS, set()).add(pk)
    return Clock(now=now or timezone.now(), leads={h: frozenset(ids) for h, ids in leads.items()})


# ---- the queues --------------------------------------------------------------------------------


def _any(c: Clock, status: str) -> Q:
    return Q()


@dataclass(frozen=True)
class Queue:
    """A named set of cases: for each status in `statuses`, the cases of that status for which
    `within(clock, status)` holds. Lists sorted by deadline read one status at a time (see `page`);
    the counts use `condition`, the same set as one Q."""

    name: str
    label: Any  # lazy translation
    statuses: tuple[str, ...]
    within: Callable[[Clock, str], Q] = _any
    sort: str = "due"  # default order: "due" (next deadline first) or "submitted" (newest first)
    # False for queues of cases that are no longer open (return visits): the home page counts the
    # open-case queues in one aggregate over open cases and these separately.
    open_only: bool = True
    # Every row has a deadline: the list never needs the "no deadline" tail.
    has_due: bool = False
    # A condition that is not a per-status one (return visits: by their pending visit).
    special: Callable[[Clock], Q] | None = None

    def condition(self, c: Clock) -> Q:
        if self.special:
            return self.special(c)
        groups: dict[Q, list[str]] = {}
        for status in self.statuses:
            groups.setdefault(self.within(c, status), []).append(status)
        condition = Q(pk__in=[])
        for extra, statuses in groups.items():
            condition |= (Q(status=statuses[0]) if len(statuses) == 1 else Q(status__in=statuses)) & extra
        return condition


def _followup_pending(c: Clock) -> Q:
    # Pending phone visits are few (recent closings only), so their case ids are read first and
    # given as a list: an EXISTS here made PostgreSQL test every case a handler could ever see.
    ids = Followup.objects.filter(state=FollowupState.PENDING, method=FollowupMethod.PHONE).values_list(
        "case_id", flat=True)
    return Q(pk__in=list(ids))


def _in_progress(c: Clock, status: str) -> Q:
    # Paused cases (waiting for the citizen's material) stay in the department's work; a case
    # intake asked about before dispatch has no department and is not "in progress".
    return Q(lead_department__isnull=False) if status == S.NEED_INFO else Q()


QUEUES: dict[str, Queue] = {
    q.name: q
    for q in (
        Queue("submitted", gettext_lazy("Awaiting intake"), (S.SUBMITTED,)),
        Queue("accepted", gettext_lazy("Awaiting dispatch"), (S.ACCEPTED, S.RETURNED)),
        Queue("dispatched", gettext_lazy("Awaiting receipt"), (S.DISPATCHED,)),
        Queue("processing", gettext_lazy("In progress"), (S.PROCESSING, S.NEED_INFO), _in_progress),
        Queue("reviewing", gettext_lazy("Awaiting review"), (S.REVIEWING,)),
        Queue("due_soon", gettext_lazy("Due soon"), tuple(CLOCK_STATUSES), lambda c, s: c.due_soon(), has_due=True),
        Queue("overdue", gettext_lazy("Overdue"), tuple(CLOCK_STATUSES), lambda c, s: Q(next_due_at__lte=c.now),
              has_due=True),
        Queue("supervised", gettext_lazy("Under supervision"), tuple(OPEN), lambda c, s: Q(is_supervised=True)),
        Queue("followup", gettext_lazy("Return visits"), tuple(S.values), sort="submitted", open_only=False,
              special=_followup_pending),
        Queue("redo", gettext_lazy("Redo"), tuple(OPEN), lambda c, s: Q(redo_count__gt=0)),
    )
}

# What each role looks at first; every other queue follows, so any queue is reachable.
ROLE_QUEUES: dict[str, tuple[str, ...]] = {
    RoleKind.HANDLER: ("dispatched", "processing", "due_soon", "overdue", "supervised", "redo"),
    RoleKind.REVIEWER: ("reviewing", "processing", "due_soon", "overdue", "supervised", "redo"),
    RoleKind.INTAKE: ("submitted", "accepted", "due_soon", "overdue", "followup", "redo"),
    RoleKind.SUPERVISOR: ("overdue", "supervised", "due_soon", "redo", "followup"),
    RoleKind.ADMIN: tuple(QUEUES),
}
ROLE_ORDER = (RoleKind.INTAKE, RoleKind.HANDLER, RoleKind.REVIEWER, RoleKind.SUPERVISOR, RoleKind.ADMIN)


def queues_for(scope: Scope) -> tuple[list[str], list[str]]:
    """(the queues the user's roles look at first, every other queue)."""
    first: list[str] = []
    for kind in ROLE_ORDER:
        if scope.has(kind):
            first += [name for name in ROLE_QUEUES[kind] if name not in first]
    if not first:
        first = list(QUEUES)
    return first, [name for name in QUEUES if name not in first]


def can_see_board(user: User) -> bool:
    return bool(board_sites(user))


def board_sites(user: User) -> frozenset[int]:
    return scope_for(user).sites(RoleKind.SUPERVISOR, RoleKind.ADMIN)


def queue_counts(user: User, at: Clock) -> dict[str, int]:
    """Every queue's count in the user's scope: one aggregate over the open cases for the open-case
    queues, and one count for the return visits (their cases are closed; folding them into the
    aggregate would make it read every closed case)."""
    scoped = cases_for_staff(user)
    open_queues = {name: q for name, q in QUEUES.items() if q.open_only}
    counts = cases_for_staff(user, open_only=True).aggregate(
        **{name: Count("pk", filter=q.condition(at)) for name, q in open_queues.items()}
    )
    for name, q in QUEUES.items():
        if not q.open_only:
            counts[name] = scoped.filter(q.condition(at)).count()
    return {name: counts.get(name) or 0 for name in QUEUES}


def queue_scope(user: User, name: str | None) -> Q:
    """The user's scope as the queue `name` needs it (built once per request, see staff_condition)."""
    queue = QUEUES.get(name or "")
    return staff_condition(user, open_only=bool(queue and queue.open_only))


def queue_cases(user: User, name: str | None, at: Clock, scope: Q | None = None) -> QuerySet[Case]:
    """The cases of queue `name` (all cases in scope for None), unordered and unfiltered."""
    if name:
        queue = QUEUES[name]
        return cases_for_staff(user, open_only=queue.open_only, condition=scope).filter(queue.condition(at))
    return cases_for_staff(user, condition=scope)


# ---- filters -----------------------------------------------------------------------------------


@dataclass
class Filters:
    site: int | None = None
    department: int | None = None
    channel: int | None = None
    category_ids: Sequence[int] | None = None  # the category and everything below it
    priority: str = ""
    status: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None  # inclusive
    overdue_only: bool = False
    text: str = ""


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def apply_filters(qs: QuerySet[Case], f: Filters, at: Clock) -> QuerySet[Case]:
    if f.site:
        qs = qs.filter(site_id=f.site)
    if f.department:
        qs = qs.filter(lead_department_id=f.department)
    if f.channel:
        qs = qs.filter(channel_id=f.channel)
    if f.category_ids is not None:
        qs = qs.filter(category_id__in=list(f.category_ids))
    if f.priority:
        qs = qs.filter(priority=f.priority)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.submitted_from:
        qs = qs.filter(submitted_at__gte=local_midnight(f.submitted_from))
    if f.submitted_to:
        qs = qs.filter(submitted_at__lt=local_midnight(f.submitted_to + timedelta(days=1)))
    if f.overdue_only:
        qs = qs.filter(QUEUES["overdue"].condition(at))
    if f.text:
        from minsheng.cases.tracking import normalise_code

        qs = qs.filter(Q(tracking_code=normalise_code(f.text)) | Q(title__icontains=f.text))
    return qs


def queue_parts(user: User, name: str | None, at: Clock, f: Filters,
                scope: Q | None = None) -> list[QuerySet[Case]] | None:
    """Queue `name` with filters `f`, as one queryset per status (see `page`): each is
    `status = X AND <the queue's condition for X> AND <filters>`, with no OR and no redundant status
    test, so PostgreSQL estimates it well and walks the open-case index in deadline order. None when
    the queue is not split by status (all cases, return visits)."""
    queue = QUEUES.get(name or "")
    if queue is None or queue.special:
        return None
    rest = replace(f, status="")
    if scope is None:
        scope = queue_scope(user, name)
    return [
        apply_filters(cases_for_staff(user, open_only=queue.open_only, status=status, condition=scope).filter(
            queue.within(at, status)), rest, at)
        for status in queue.statuses if not f.status or f.status == status
    ]


# ---- keyset pages ------------------------------------------------------------------------------

SORTS = ("due", "submitted")
# Only what a row shows: the citizen's contact fields are encrypted and decrypting them for 50 rows
# would cost more than the query.
ROW_FIELDS = (
    "id", "tracking_code", "title", "status", "priority", "submitted_at", "replied_at", "next_due_at",
    "redo_count", "is_supervised", "version", "site_id", "site__name", "channel_id", "channel__name",
    "lead_department_id", "lead_department__name",
)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BadCursor(ValueError):
    pass


def _micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return delta.days * 86_400_000_000 + delta.seconds * 1_000_000 + delta.microseconds


def _from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def encode_cursor(key: datetime | None, pk: int) -> str:
    return f"{'-' if key is None else _micros(key)}.{pk}"


def decode_cursor(text: str) -> tuple[datetime | None, int]:
    """'<microseconds since epoch or ->.<id>' → (key, id); BadCursor for anything else."""
    try:
        key_text, pk_text = text.split(".")
        pk = int(pk_text)
        key = None if key_text == "-" else _from_micros(int(key_text))
    except (ValueError, OverflowError) as exc:
        raise BadCursor(text) from exc
    if pk < 1:
        raise BadCursor(text)
    return key, pk


@dataclass
class Page:
    object_list: list[Case]
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def page(qs: QuerySet[Case], *, sort: str, after: str | None = None, size: int = PAGE_SIZE,
         has_due: bool = False, parts: Sequence[QuerySet[Case]] | None = None) -> Page:
    """One page of `qs` after the cursor `after`, by keyset: constant cost however deep the page.

    sort="due": next deadline first, ties by id; cases without a deadline (clock stopped) come last,
    ordered by id — read in a second query only when the dated rows run out.
    sort="submitted": newest first, ties by id descending.

    Keys first: the page's ids and sort keys are read without joins (the planner can walk an
    index and stop after size + 1 rows), then only those rows are loaded with their joins. With
    the joins in the first query, PostgreSQL joined and sorted every matching row of a large queue.

    `parts` (sort="due"): `qs` split by status (`queue_parts`). The dated keys are then read one
    part at a time and merged: each `status = X ... ORDER BY next_due_at, id LIMIT n` walks the
    open-case index (status, next_due_at, id) and stops after n entries, where one query with an OR
    of statuses made PostgreSQL fetch and sort every row of the queue (55,000 for "in progress" with
    a million cases). Statuses partition the rows, so the merge is exactly the single query's order.
    """
    rows_of = qs.select_related("site", "channel", "lead_department").only(*ROW_FIELDS)

    def load(keys: Sequence[tuple[int, Any]]) -> list[Case]:
        by_id = {case.pk: case for case in rows_of.filter(pk__in=[k for k, _ in keys])}
        return [by_id[k] for k, _ in keys if k in by_id]

    key, pk = decode_cursor(after) if after else (None, 0)
    if sort == "submitted":
        if after:
            if key is None:
                raise BadCursor(after)
            qs = qs.filter(Q(submitted_at__lt=key) | Q(submitted_at=key, pk__lt=pk), submitted_at__lte=key)
        keys = list(qs.order_by("-submitted_at", "-pk").values_list("pk", "submitted_at")[: size + 1])
        more = len(keys) > size
        keys = keys[:size]
        return Page(load(keys), encode_cursor(keys[-1][1], keys[-1][0]) if more else None)

    def dated_keys_of(part: QuerySet[Case]) -> list[tuple[int, Any]]:
        dated = part.filter(next_due_at__isnull=False)
        if after:
            # The redundant `>= key` lets the database start its index range at the cursor.
            dated = dated.filter(Q(next_due_at__gt=key) | Q(next_due_at=key, pk__gt=pk), next_due_at__gte=key)
        return list(dated.order_by("next_due_at", "pk").values_list("pk", "next_due_at")[: size + 1])

    dated_keys: list[tuple[int, Any]] = []
    if not after or key is not None:
        if parts is None:
            dated_keys = dated_keys_of(qs)
        else:
            dated_keys = list(islice(heapq.merge(*(dated_keys_of(part) for part in parts),
                                                 key=lambda k: (k[1], k[0])), size + 1))
        if len(dated_keys) > size:
            last_pk, last_due = dated_keys[size - 1]
            return Page(load(dated_keys[:size]), encode_cursor(last_due, last_pk))
        pk = 0
    if has_due:
        return Page(load(dated_keys), None)
    undated = qs.filter(next_due_at__isnull=True, pk__gt=pk).order_by("pk")
    keys = dated_keys + list(undated.values_list("pk", "next_due_at")[: size - len(dated_keys) + 1])
    more = len(keys) > size
    keys = keys[:size]
    if not more:
        return Page(load(keys), None)
    last_pk, last_due = keys[-1]
    return Page(load(keys), encode_cursor(last_due, last_pk))


def capped_count(qs: QuerySet[Case], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): counts at most cap + 1 rows, so a large queue costs no more than a small one."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


# ---- time left and red lines -------------------------------------------------------------------


@dataclass(frozen=True)
class TimeLeft:
    label: str
    css: str  # ok | soon | overdue | critical | none


def time_left(due: datetime | None, *, now: datetime, calendar: WorkCalendar,
              lead_hours: int = DEFAULT_LEAD_HOURS, paused: bool = False) -> TimeLeft:
    """"剩余2个工作日" / "剩余5小时" / "超期3个工作日" / "超期3小时", and how urgent that is.

    Less than a day either side is told in clock hours (more precise when it matters); beyond that
    in working days, the unit of the rules. Soon = within the site's reminder lead time. `paused`:
    the case waits for the citizen, so no clock runs (said, rather than a bare dash).
    """
    if due is None:
        return TimeLeft(_("Clock stopped") if paused else "—", "none")
    left = calendar.remaining(now, due)
    if left.overdue:
        late_days = -left.working_days
        if late_days >= 1 and -left.hours >= 24:
            css = "critical" if late_days >= CRITICAL_OVERDUE_WORKING_DAYS else "overdue"
            return TimeLeft(ngettext("%(n)d working day overdue", "%(n)d working days overdue", late_days)
                            % {"n": late_days}, css)
        hours = max(1, math.ceil(-left.hours))
        return TimeLeft(ngettext("%(n)d hour overdue", "%(n)d hours overdue", hours) % {"n": hours}, "overdue")
    css = "soon" if left.hours <= lead_hours else "ok"
    if left.hours >= 24 and left.working_days >= 1:
        days = left.working_days
        return TimeLeft(ngettext("%(n)d working day left", "%(n)d working days left", days) % {"n": days}, css)
    if left.hours < 1:
        return TimeLeft(_("Less than 1 hour left"), css)
    hours = int(left.hours)
    return TimeLeft(ngettext("%(n)d hour left", "%(n)d hours left", hours) % {"n": hours}, css)


def overdue_supervisions(cases: Iterable[Case], now: datetime) -> set[int]:
    """Ids of those `cases` (rows of a page, already in the user's scope) with an open supervision
    (督办) past its own deadline, as the scan sees it: the case still open, the reply not approved
    (approval closes the supervision), the clock not stopped for the citizen (in the department or
    at intake). One query for the page, none when no row is supervised."""
    ids = [case.pk for case in cases if case.is_supervised]
    if not ids:
        return set()
    return set(
        Supervision.objects.filter(case_id__in=ids, closed_at__isnull=True, due_at__lte=now,
                                   case__status__in=SUPERVISION_CLOCK_RUNS)
        .values_list("case_id", flat=True)
    )


def redline(case: Case, now: datetime) -> str:
    """'' | 'flag' (unanswered for 2 months) | 'critical' (3 months: fails inspection)."""
    if case.status not in UNANSWERED or case.replied_at is not None:
        return ""
    waited = now - case.submitted_at
    if waited >= REDLINE_CRITICAL:
        return "critical"
    if waited >= REDLINE_FLAG:
        return "flag"
    return ""


def redline_condition(now: datetime) -> Q:
    return Q(status__in=UNANSWERED, replied_at__isnull=True, submitted_at__lte=now - REDLINE_FLAG)


# ---- supervisor board --------------------------------------------------------------------------

BOARD_LIMIT = 50


@dataclass
class Board:
    departments: list[dict[str, Any]]
    supervised: list[Case]
    extensions: list[ExtensionRequest]
    returns: list[ReturnRequest]
    disputed: list[Case]
    redlines: list[Case]


def board(user: User, at: Clock) -> Board:
    """What a supervisor decides on, for the sites where the user supervises or administers.
    Each list is capped at BOARD_LIMIT rows (the queue pages hold the rest)."""
    sites = sorted(board_sites(user))
    base = cases_for_staff(user).filter(site_id__in=sites)
    overdue, soon = QUEUES["overdue"].condition(at), QUEUES["due_soon"].condition(at)
    departments = list(
        base.filter(status__in=CLOCK_STATUSES, next_due_at__lte=at.now + timedelta(hours=max(at.leads, default=24)))
        .values("lead_department_id", "lead_department__name")
        .annotate(overdue=Count("pk", filter=overdue), at_risk=Count("pk", filter=soon))
        .filter(Q(overdue__gt=0) | Q(at_risk__gt=0))
        .order_by("-overdue", "-at_risk", "lead_department__name")
    )
    rows = base.select_related("site", "channel", "lead_department").only(*ROW_FIELDS)
    return Board(
        departments=departments,  # type: ignore[arg-type]
        supervised=list(rows.filter(QUEUES["supervised"].condition(at)).order_by(
            F("next_due_at").asc(nulls_last=True), "pk")[:BOARD_LIMIT]),
        extensions=list(
            ExtensionRequest.objects.filter(state=RequestState.PENDING, case__in=base.values("pk"))
            .select_related("case", "department", "requested_by").order_by("created_at", "pk")[:BOARD_LIMIT]
        ),
        returns=list(
            ReturnRequest.objects.filter(state=RequestState.PENDING, case__in=base.values("pk"))
            .select_related("case", "department", "requested_by").order_by("created_at", "pk")[:BOARD_LIMIT]
        ),
        disputed=list(rows.filter(status=S.DISPUTED).order_by("submitted_at", "pk")[:BOARD_LIMIT]),
        redlines=list(rows.filter(redline_condition(at.now)).order_by("submitted_at", "pk")[:BOARD_LIMIT]),
    )
