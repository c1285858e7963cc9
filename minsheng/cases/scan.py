"""The deadline scan: reminders before deadlines, escalation when overdue, red lines, return visits.

Run every minute by the worker (cases/tasks.py) and by `manage.py scan_deadlines`. Idempotent: every
alert is a DeadlineAlert row, unique per case, stage, kind and deadline; a scan that finds the row
already there sends nothing. Alerts are written chunk by chunk (settings.DEADLINE_SCAN_CHUNK cases,
default 2000), each chunk in its own transaction, so a worker killed mid-scan keeps what it
committed and the next scan does the rest.

Every running stage deadline is looked at, not only the earliest: a case nobody signed for is
overdue for receipt first and, days later, overdue for the reply too, and the second escalation
matters most.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from minsheng.accounts.models import Role, RoleKind
from minsheng.cases.deadlines import (
    REDLINE_CRITICAL,
    REDLINE_FLAG,
    SUPERVISION_CLOCK_RUNS,
    running_deadlines,
    work_calendar,
)
from minsheng.cases.models import (
    ActorKind,
    AlertKind,
    Case,
    CaseEvent,
    DeadlineAlert,
    FollowupMethod,
    ReplyStatus,
    Stage,
    Status,
    Supervision,
    event_time,
)
from minsheng.cases.workflow import OPEN_STATUSES
from minsheng.notifications.models import StaffNotice
from minsheng.sites.models import Site

CHUNK = 2000
UNANSWERED = [s for s in OPEN_STATUSES if s not in (Status.REPLIED,)]
# A return visit starts this long after closing, so the citizen has time to see the result.
FOLLOWUP_DELAY = timedelta(hours=24)
FOLLOWUP_HORIZON = timedelta(days=30)


@dataclass
class ScanResult:
    reminders: int = 0
    overdue: int = 0
    redlines: int = 0
    followups: int = 0
    notices: int = 0
    closed_unrated: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {"reminders": self.reminders, "overdue": self.overdue, "redlines": self.redlines,
                "followups": self.followups, "notices": self.notices, "closed_unrated": self.closed_unrated}


class _Recipients:
    """Who hears about what, loaded once per scan instead of once per case."""

    def __init__(self) -> None:
        self.department: dict[int, list[int]] = defaultdict(list)
        self.site_role: dict[tuple[int, str], list[int]] = defaultdict(list)
        parents = dict(Site.objects.values_list("pk", "parent_id"))
        children: dict[int, list[int]] = defaultdict(list)
        for pk, parent in parents.items():
            if parent is not None:
                children[parent].append(pk)

        def below(pk: int) -> list[int]:
            out, frontier = [pk], [pk]
            while frontier:
                frontier = [c for f in frontier for c in children[f]]
                out.extend(frontier)
            return out

        for user_id, kind, site_id, department_id, sub in Role.objects.filter(user__is_active=True).values_list(
            "user_id", "kind", "site_id", "department_id", "include_subsites"
        ):
            if kind == RoleKind.HANDLER and department_id:
                self.department[department_id].append(user_id)
            elif kind in (RoleKind.INTAKE, RoleKind.SUPERVISOR, RoleKind.ADMIN):
                for covered in below(site_id) if sub else [site_id]:
                    self.site_role[(covered, kind)].append(user_id)

    def for_case(self, case: Case, stage: str, kind: str) -> list[int]:
        users: set[int] = set()
        if stage in (Stage.ACCEPT, Stage.DISPATCH) or case.lead_department_id is None:
            users |= set(self.site_role[(case.site_id, RoleKind.INTAKE)])
        else:
            users |= set(self.department[case.lead_department_id])
        if kind != AlertKind.REMINDER:
            users |= set(self.site_role[(case.site_id, RoleKind.SUPERVISOR)])
        return sorted(users)

    def for_supervision(self, case: Case, kind: str, issuers: Iterable[int]) -> list[int]:
        """A supervision (督办) is one supervisor's instruction: its reminder goes to the department
        that must act (intake before dispatch), and when it is overdue the person who issued it hears
        too, rather than every supervisor of the site. Only while that person still supervises or
        administers the case's site (they may have left, or moved): otherwise the site's supervisors
        hear, so an overdue supervision never goes unheard."""
        users = set(self.for_case(case, Stage.SUPERVISION, AlertKind.REMINDER))
        if kind == AlertKind.REMINDER:
            return sorted(users)
        covering = (set(self.site_role[(case.site_id, RoleKind.SUPERVISOR)])
                    | set(self.site_role[(case.site_id, RoleKind.ADMIN)]))
        issued = {user_id for user_id in issuers if user_id in covering}
        users |= issued or set(self.site_role[(case.site_id, RoleKind.SUPERVISOR)])
        return sorted(users)


def _text(case: Case, stage: str, kind: str, due: datetime) -> str:
    with override("zh-hans"):
        context = {"code": case.tracking_code, "stage": Stage(stage).label,
                   "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"), "title": case.title[:30]}
        messages = {
            AlertKind.REMINDER: _("%(code)s %(title)s: %(stage)s due %(due)s"),
            AlertKind.OVERDUE: _("%(code)s %(title)s: %(stage)s overdue since %(due)s"),
            AlertKind.REDLINE_FLAG: _("%(code)s %(title)s: unanswered for 2 months"),
            AlertKind.REDLINE_CRITICAL: _("%(code)s %(title)s: unanswered for 3 months (inspection red line)"),
        }
        return str(messages[AlertKind(kind)] % context)


def _raise(cases_and_alerts: Sequence[tuple[Case, str, str, datetime]], recipients: _Recipients,
           now: datetime, result: ScanResult,
           supervisions: dict[tuple[int, datetime], list[tuple[int, int]]] | None = None) -> None:
    """Write the alerts not yet raised, with their notices and audit events, in one transaction.

    `supervisions`: for supervision alerts, (case id, due) -> [(supervision id, issuer id)]: who
    issued it is told, and the event names the supervisions it is about."""
    if not cases_and_alerts:
        return
    with transaction.atomic():
        fresh = _not_raised(cases_and_alerts)
        if not fresh:
            return
        # A second scan running at the same time (two workers, or a lock taken over from a worker
        # that died) must not write the same notices: lock the cases concerned, in a fixed order,
        # then look again. The common case, nothing new, never takes a lock.
        list(Case.objects.select_for_update().filter(pk__in={c.pk for c, *_ in fresh}).order_by("pk")
             .values_list("pk", flat=True))
        fresh = _not_raised(fresh)
        if not fresh:
            return
        DeadlineAlert.objects.bulk_create(
            [DeadlineAlert(case=c, stage=stage, kind=kind, due_at=due, created_at=now) for c, stage, kind, due in fresh],
            ignore_conflicts=True,
        )
        notices, events = [], []
        for case, stage, kind, due in fresh:
            text = _text(case, stage, kind, due)
            data: dict[str, Any] = {"stage": stage, "kind": kind, "due_at": event_time(due)}
            if stage == Stage.SUPERVISION:
                issued = (supervisions or {}).get((case.pk, due), [])
                users = recipients.for_supervision(case, kind, [issuer for _pk, issuer in issued])
                data["supervisions"] = [pk for pk, _issuer in issued]
            else:
                users = recipients.for_case(case, stage, kind)
            for user_id in users:
                notices.append(StaffNotice(user_id=user_id, case=case, kind=f"alert_{kind}", text=text[:300],
                                           created_at=now))
            events.append(CaseEvent(case=case, action="alert", from_status=case.status, to_status=case.status,
                                    actor_kind=ActorKind.SYSTEM, department_id=case.lead_department_id,
                                    note=text, data=data, created_at=now))
            counter = {"reminder": "reminders", "overdue": "overdue"}.get(kind, "redlines")
            setattr(result, counter, getattr(result, counter) + 1)
        StaffNotice.objects.bulk_create(notices)
        CaseEvent.objects.bulk_create(events)
        result.notices += len(notices)


def _not_raised(alerts: Sequence[tuple[Case, str, str, datetime]]) -> list[tuple[Case, str, str, datetime]]:
    existing = set(
        DeadlineAlert.objects.filter(case_id__in={c.pk for c, *_ in alerts}).values_list(
            "case_id", "stage", "kind", "due_at")
    )
    return [(c, stage, kind, due) for c, stage, kind, due in alerts if (c.pk, stage, kind, due) not in existing]


def _chunks(queryset, size: int | None = None) -> Iterable[list[Case]]:  # type: ignore[no-untyped-def]
    """Keyset iteration by primary key: stable while alerts are written, no long-held cursor."""
    size = size or getattr(settings, "DEADLINE_SCAN_CHUNK", CHUNK)
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


_FIELDS = ("id", "site_id", "lead_department_id", "status", "tracking_code", "title", "paused_at",
           "accept_due_at", "dispatch_due_at", "receive_due_at", "contact_due_at", "due_at", "first_contact_at",
           "submitted_at", "replied_at", "next_due_at")


def scan(now: datetime | None = None) -> ScanResult:
    now = now or timezone.now()
    result = ScanResult()
    recipients = _Recipients()
    leads = {pk: timedelta(hours=h) for pk, h in Site.objects.values_list("pk", "reminder_lead_hours")}
    longest = max(leads.values(), default=timedelta(hours=24))

    # Reminders and overdue: every case whose current deadline is before now + the longest lead.
    due_soon = Case.objects.filter(next_due_at__lte=now + longest).only(*_FIELDS)
    for batch in _chunks(due_soon):
        alerts = []
        for case in batch:
            for stage, due in running_deadlines(case):
                if due <= now:
                    alerts.append((case, stage, AlertKind.OVERDUE, due))
                elif due - now <= leads.get(case.site_id, longest):
                    alerts.append((case, stage, AlertKind.REMINDER, due))
        _raise(alerts, recipients, now, result)

    # Red lines: still unanswered two and three months after submission. Not while the clock is
    # stopped for the citizen's material: the wait is the citizen's, as for every other deadline.
    old = Case.objects.filter(status__in=UNANSWERED, replied_at__isnull=True, paused_at__isnull=True,
                              submitted_at__lte=now - REDLINE_FLAG).only(*_FIELDS)
    for batch in _chunks(old):
        alerts = []
        for case in batch:
            flag_at = case.submitted_at + REDLINE_FLAG
            alerts.append((case, Stage.REPLY, AlertKind.REDLINE_FLAG, flag_at))
            if case.submitted_at <= now - REDLINE_CRITICAL:
                alerts.append((case, Stage.REPLY, AlertKind.REDLINE_CRITICAL, case.submitted_at + REDLINE_CRITICAL))
        _raise(alerts, recipients, now, result)

    # Formal supervision (督办) has its own deadline, set by the supervisor: the department is
    # reminded before it, and when it passes without the reply approved (which closes the
    # supervision) the supervision is overdue: one alert, its notices and a system event, like any
    # stage deadline, but heard by the supervisor who issued it (_Recipients.for_supervision). Open
    # supervisions are few (they close when the reply is approved), so they are read directly. Not
    # while the case waits for the citizen, in the department or at intake: the supervision's clock
    # stops with the case's, and the wait is given back when it ends.
    supervised = (Supervision.objects.filter(closed_at__isnull=True, due_at__lte=now + longest,
                                             case__status__in=SUPERVISION_CLOCK_RUNS)
                  .order_by("pk").values_list("pk", "case_id", "due_at", "created_by_id"))
    issued: dict[tuple[int, datetime], list[tuple[int, int]]] = defaultdict(list)
    due_by_case: dict[int, set[datetime]] = defaultdict(set)
    for pk, case_id, due, issuer in supervised:
        issued[(case_id, due)].append((pk, issuer))
        due_by_case[case_id].add(due)
    for batch in _chunks(Case.objects.filter(pk__in=list(due_by_case)).only(*_FIELDS)):
        alerts = []
        for case in batch:
            for due in sorted(due_by_case[case.pk]):
                if due <= now:
                    alerts.append((case, Stage.SUPERVISION, AlertKind.OVERDUE, due))
                elif due - now <= leads.get(case.site_id, longest):
                    alerts.append((case, Stage.SUPERVISION, AlertKind.REMINDER, due))
        _raise(alerts, recipients, now, result, supervisions=issued)

    # Before the return visits: a case closed here gets its visit like any other closing, after the delay.
    result.closed_unrated = _close_unrated(now)
    result.followups = _start_followups(now)
    return result


def _close_unrated(now: datetime) -> int:
    """Close the replies left unrated past their site's rating window (none where the window is 0)."""
    from minsheng.cases.actions import ActionError, case_close_unrated

    calendar = work_calendar()
    closed = 0
    for site_id, days in Site.objects.filter(rating_window_working_days__gt=0).values_list(
            "pk", "rating_window_working_days"):
        # n working days are at least n calendar days: a bound the database can use before the
        # exact count. The latest approved reply counts (after a redo, the new one), not replied_at,
        # which keeps the first reply's time.
        candidates = (
            Case.objects.filter(site_id=site_id, status=Status.REPLIED)
            .annotate(last_reply=Max("replies__reviewed_at", filter=Q(replies__status=ReplyStatus.APPROVED)))
            .filter(last_reply__lte=now - timedelta(days=days))
            .only("id", "site_id", "status")
        )
        for batch in _chunks(candidates, 500):
            for case in batch:
                if calendar.due_at(case.last_reply, working_days=days) >= now:  # type: ignore[attr-defined]
                    continue
                try:
                    case_close_unrated(case, at=now)
                except ActionError:
                    continue  # rated (or reopened) since the candidates were read
                closed += 1
    return closed


def in_followup_sample(case_id: int, percent: int) -> bool:
    """A stable draw per case: the same case is in or out of the sample whenever the scan looks."""
    if percent >= 100:
        return True
    digest = hashlib.sha256(f"followup:{case_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def _start_followups(now: datetime) -> int:
    from minsheng.cases.actions import case_create_followup

    sites = {pk: (percent, method) for pk, percent, method in
             Site.objects.values_list("pk", "followup_percent", "followup_method")}
    # One return visit per closing: a case closed again after a redo gets a new one, so only a
    # visit started since the (last) closing counts.
    candidates = (
        Case.objects.filter(status=Status.CLOSED, is_imported=False, closed_at__lte=now - FOLLOWUP_DELAY,
                            closed_at__gte=now - FOLLOWUP_HORIZON)
        .exclude(followups__created_at__gte=F("closed_at"))
        .only("id", "site_id", "closed_at", "status")
    )
    started = 0
    for batch in _chunks(candidates, 500):
        for case in batch:
            percent, method = sites.get(case.site_id, (100, FollowupMethod.SMS))
            if not in_followup_sample(case.pk, percent):
                continue
            if case_create_followup(case, method=method, at=now) is not None:
                started += 1
    return started
