"""Reads. Staff reads are scoped to the user's sites and departments; public reads see only
published cases and never personal data."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from minsheng.accounts.models import RoleKind, User
from minsheng.accounts.scopes import scope_for
from minsheng.cases.models import (
    Assignment,
    AssignmentRole,
    Case,
    CaseEvent,
    Rating,
    Reply,
    ReplyStatus,
    Status,
)
from minsheng.cases.tracking import normalise_code, password_matches
from minsheng.cases.workflow import OPEN_STATUSES
from minsheng.sites.models import Site

SITE_WIDE_ROLES = (RoleKind.ADMIN, RoleKind.INTAKE, RoleKind.SUPERVISOR)


def staff_condition(user: User, *, open_only: bool = False) -> Q:
    """The cases the user may see, as a condition: site-wide roles see their sites' cases;
    department roles see the cases their department leads or assists, and the cases it assisted
    until the reply (`Assignment.finished_at`: read access to what it helped answer). With
    `open_only` the assisting part is a short list of open case ids instead of a subquery, and only
    the cases the department assists now (only valid together with a filter to open statuses: see
    `cases_for_staff`). Build it once per request and pass it on."""
    scope = scope_for(user)
    site_ids = scope.sites(*SITE_WIDE_ROLES)
    department_ids = scope.departments(RoleKind.HANDLER, RoleKind.REVIEWER)
    condition: Q = Q(pk__in=[])
    if site_ids:
        condition |= Q(site_id__in=site_ids)
    if department_ids:
        # The lead is on the case row; only assisting departments need the assignment table, and
        # only their active rows (a partial index covers exactly these).
        assisted = Assignment.objects.filter(
            department_id__in=department_ids, is_active=True, role=AssignmentRole.ASSISTING
        )
        if open_only:
            # A literal list: PostgreSQL combines it with the lead-department index (BitmapOr),
            # where a subquery inside OR made it read the whole table (measured on 1M cases). Read
            # in two steps, the department's assisting assignments (index-only) and then which of
            # their cases are open (by primary key): joined in one query, PostgreSQL hashed all
            # 100,000 open cases to find a few hundred (64 ms against 5 ms with 1M cases).
            assisted_ids = list(assisted.order_by().values_list("case_id", flat=True))
            ids = list(Case.objects.filter(pk__in=assisted_ids, status__in=OPEN_STATUSES).order_by()
                       .values_list("pk", flat=True)) if assisted_ids else []
            condition |= Q(lead_department_id__in=department_ids) | Q(pk__in=ids)
        else:
            helped = Assignment.objects.filter(
                Q(is_active=True) | Q(finished_at__isnull=False), department_id__in=department_ids,
                role=AssignmentRole.ASSISTING,
            )
            condition |= Q(lead_department_id__in=department_ids) | Q(pk__in=helped.values("case_id"))
    return condition


def cases_for_staff(user: User, *, open_only: bool = False, status: str | None = None,
                    condition: Q | None = None) -> QuerySet[Case]:
    """Every case the user may see (`staff_condition`). `open_only` limits to open cases (the
    queues); `status` to one status instead (one equality estimates far better than the two tests
    together). `condition`: the user's `staff_condition`, when already built for this request."""
    narrow = open_only or status in OPEN_STATUSES
    if condition is None:
        condition = staff_condition(user, open_only=narrow)
    qs = Case.objects.filter(condition)
    if status:
        return qs.filter(status=status)
    return qs.filter(status__in=OPEN_STATUSES) if open_only else qs


def case_for_staff_or_404(user: User, pk: int) -> Case:
    case = (
        cases_for_staff(user)
        .select_related("site", "channel", "category", "leader", "lead_department", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    return case


def staff_queue(user: User, status: str | None) -> QuerySet[Case]:
    qs = cases_for_staff(user).select_related("site", "channel", "category", "lead_department")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("due_at", "-submitted_at") if status in _DUE_SORTED else qs.order_by("-submitted_at")


_DUE_SORTED = {Status.DISPATCHED, Status.PROCESSING, Status.REVIEWING}


def queue_counts(user: User) -> dict[str, int]:
    from django.db.models import Count

    rows = cases_for_staff(user).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor", "department").order_by("created_at", "id")


def approved_reply(case: Case) -> Reply | None:
    return case.replies.filter(status=ReplyStatus.APPROVED).select_related("department").order_by("-id").first()


def latest_rating(case: Case) -> Rating | None:
    return case.ratings.order_by("-id").first()


# ---- public ------------------------------------------------------------------------------------


# What a public page never shows: the unmasked text and the citizen's (encrypted) contact data.
# Not loading them keeps personal data out of public requests and saves decrypting three fields
# per row on every list page.
PRIVATE_CASE_FIELDS = ("title", "body", "citizen_name", "citizen_phone", "citizen_email", "citizen_digest")


def published_cases(site: Site) -> QuerySet[Case]:
    return (
        Case.objects.filter(site=site, published_at__isnull=False)
        .select_related("channel", "category", "lead_department")
        .defer(*PRIVATE_CASE_FIELDS)
        .order_by("-published_at", "-id")
    )


def published_case_or_404(site: Site, pk: int) -> Case:
    case = published_cases(site).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def case_for_citizen(code: str, password: str) -> Case | None:
    """The case for a tracking code and query password, or None: whichever was wrong, the caller
    learns nothing more (the same message for both)."""
    case = Case.objects.select_related("site", "channel", "lead_department").filter(
        tracking_code=normalise_code(code)
    ).first()
    # Compare against a dummy digest when the code is unknown, so the time taken does not tell
    # whether a code exists.
    stored = case.query_password_digest if case is not None else "0" * 64
    if not password_matches(code, password, stored) or case is None:
        return None
    return case


def tracked_case(pk: int) -> Case | None:
    """The case a citizen opened with code and password earlier in this session (the view keeps only
    its id in the session after `case_for_citizen` succeeded)."""
    return Case.objects.select_related("site", "channel", "lead_department", "category").filter(pk=pk).first()


PUBLIC_EVENT_ACTIONS = (
    "submit", "accept", "reject", "request_info", "supplement", "merge", "dispatch", "receive", "pause",
    "resume", "approve_reply", "rate", "close_unrated", "decide", "answer_followup",
)


def public_timeline(case: Case) -> QuerySet[CaseEvent]:
    """What the citizen sees: dates, statuses, departments; never staff names or internal notes."""
    return (
        case.events.filter(action__in=PUBLIC_EVENT_ACTIONS)
        .select_related("department")
        .only("action", "to_status", "department__name", "public_note", "created_at", "case_id")
        .order_by("created_at", "id")
    )
