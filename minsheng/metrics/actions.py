"""The only write path of the metrics app: exclusions of unreasonable demands and appeals.

Same pattern as `minsheng.cases.actions`: one transaction, the row locked, the actor's scope
checked, one audit record per change (an `AuditEntry`, plus a `CaseEvent` on the case's own trail
for case-level changes), staff notices queued for after the commit.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import RoleKind, User
from minsheng.accounts.scopes import scope_for
from minsheng.cases.actions import ActionError
from minsheng.cases.models import ActorKind, Assignment, AssignmentRole, Case, CaseEvent
from minsheng.metrics import snapshots
from minsheng.metrics.engine import figure_names
from minsheng.metrics.models import Appeal, AuditEntry, Exclusion, RequestState
from minsheng.notifications.services import notify_staff, staff_for
from minsheng.sites.models import Department

__all__ = ["ActionError", "appeal_decide", "appeal_file", "exclusion_decide", "exclusion_request"]

DEPARTMENT_KINDS = (RoleKind.HANDLER, RoleKind.REVIEWER)


def _require(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ActionError(message)
    return text


def _case_event(case: Case, action: str, *, by: User, department_id: int, note: str, data: dict) -> None:
    """An entry on the case's own audit trail. It does not change the case, so the version stays
    (other officers' open forms remain valid), as for notes and reminders in cases/actions.py."""
    CaseEvent.objects.create(
        case=case, action=action, from_status=case.status, to_status=case.status, actor=by,
        actor_kind=ActorKind.STAFF, department_id=department_id, note=note, data=data, created_at=timezone.now(),
    )
    # An exclusion decided after its month changes that month's figures: its snapshot goes.
    snapshots.case_changed(case)


def _after_commit(case: Case, kind: str, text: str, user_ids: list[int]) -> None:
    if user_ids:
        transaction.on_commit(lambda: notify_staff(case, kind, text, user_ids))


def can_request_exclusion(user: User, case: Case) -> bool:
    """Handlers and reviewers of the lead department, and intake of the case's site."""
    if case.lead_department_id is None:
        return False
    scope = scope_for(user)
    return case.lead_department_id in scope.departments(*DEPARTMENT_KINDS) or case.site_id in scope.sites(
        RoleKind.INTAKE)


def can_decide(user: User, site_id: int) -> bool:
    return site_id in scope_for(user).sites(RoleKind.SUPERVISOR)


@transaction.atomic
def exclusion_request(case: Case, *, by: User, reason: str) -> Exclusion:
    """Ask that a case be left out of its lead department's figures (不合理诉求)."""
    reason = _require(reason, _("Say why this demand is unreasonable."))
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not can_request_exclusion(by, case):
        raise ActionError(_("You are not allowed to do this on this case."))
    assert case.lead_department_id is not None
    department_id = case.lead_department_id
    existing = Exclusion.objects.filter(case=case, department_id=department_id,
                                        state__in=[RequestState.PENDING, RequestState.APPROVED]).first()
    if existing is not None:
        raise ActionError(_("An exclusion for this case is already pending or approved."))
    now = timezone.now()
    exclusion = Exclusion.objects.create(case=case, department_id=department_id, reason=reason, requested_by=by,
                                         created_at=now)
    AuditEntry.objects.create(action="exclusion_request", actor=by, exclusion=exclusion, note=reason,
                              data={"case": case.pk, "department": department_id}, created_at=now)
    _case_event(case, "exclusion_request", by=by, department_id=department_id, note=reason,
                data={"exclusion": exclusion.pk})
    _after_commit(case, "exclusion_request", _("Exclusion from the figures requested for %(code)s") % {
        "code": case.tracking_code}, staff_for(case, site_roles=(RoleKind.SUPERVISOR,)))
    return exclusion


@transaction.atomic
def exclusion_decide(exclusion: Exclusion, *, by: User, approve: bool, note: str) -> Exclusion:
    """A supervisor approves (the case leaves the department's figures) or denies, with a note."""
    note = _require(note, _("A decision needs a note."))
    exclusion = Exclusion.objects.select_for_update(of=("self",)).select_related("case").get(pk=exclusion.pk)
    case = exclusion.case
    if not can_decide(by, case.site_id):
        raise ActionError(_("Only a supervisor of the case's site decides exclusions."))
    if exclusion.state != RequestState.PENDING:
        raise ActionError(_("This request has already been decided."))
    now = timezone.now()
    exclusion.state = RequestState.APPROVED if approve else RequestState.DENIED
    exclusion.decided_by, exclusion.decided_at, exclusion.decision_note = by, now, note
    exclusion.save()
    AuditEntry.objects.create(action="exclusion_decide", actor=by, exclusion=exclusion, note=note,
                              data={"approved": approve, "case": case.pk}, created_at=now)
    _case_event(case, "exclusion_decide", by=by, department_id=exclusion.department_id, note=note,
                data={"exclusion": exclusion.pk, "approved": approve})
    text = (_("Exclusion of %(code)s from the figures approved") if approve
            else _("Exclusion of %(code)s from the figures refused")) % {"code": case.tracking_code}
    _after_commit(case, "exclusion_decided", text, [exclusion.requested_by_id])
    return exclusion


def appeal_departments(user: User) -> list[Department]:
    ids = scope_for(user).departments(*DEPARTMENT_KINDS)
    return list(Department.objects.filter(pk__in=ids).select_related("site"))


@transaction.atomic
def appeal_file(
    *, by: User, department: Department, figure: str, start: date, end: date, reason: str, case: Case | None = None
) -> Appeal:
    """申诉: a department contests one of its figures for a period, optionally naming a case."""
    reason = _require(reason, _("Say what is wrong with the figure."))
    if department.pk not in scope_for(by).departments(*DEPARTMENT_KINDS):
        raise ActionError(_("You can appeal only your own department's figures."))
    if figure not in figure_names():
        raise ActionError(_("Unknown figure."))
    if start > end:
        raise ActionError(_("The period's start is after its end."))
    if case is not None and case.lead_department_id != department.pk and not Assignment.objects.filter(
        case=case, department=department, role=AssignmentRole.LEAD
    ).exists():
        raise ActionError(_("This case was never handled by your department."))
    now = timezone.now()
    appeal = Appeal.objects.create(site_id=department.site_id, department=department, figure=figure, start=start,
                                   end=end, case=case, reason=reason, filed_by=by, created_at=now)
    AuditEntry.objects.create(action="appeal_file", actor=by, appeal=appeal, note=reason,
                              data={"figure": figure, "from": start.isoformat(), "to": end.isoformat(),
                                    "case": case.pk if case else None}, created_at=now)
    if case is not None:
        _case_event(case, "appeal_file", by=by, department_id=department.pk, note=reason,
                    data={"appeal": appeal.pk, "figure": figure})
        _after_commit(case, "appeal", _("Appeal by %(department)s about %(code)s") % {
            "department": department.name, "code": case.tracking_code},
            staff_for(case, site_roles=(RoleKind.SUPERVISOR,)))
    return appeal


@transaction.atomic
def appeal_decide(appeal: Appeal, *, by: User, uphold: bool, note: str) -> Appeal:
    """A supervisor upholds or rejects an appeal; the decision and its note are recorded."""
    note = _require(note, _("A decision needs a note."))
    # Lock the appeal row only: its case is optional, and PostgreSQL refuses FOR UPDATE on the
    # nullable side of the outer join that select_related would add.
    appeal = Appeal.objects.select_for_update(of=("self",)).select_related("case", "department").get(pk=appeal.pk)
    if not can_decide(by, appeal.site_id):
        raise ActionError(_("Only a supervisor of the department's site decides appeals."))
    if appeal.state != RequestState.PENDING:
        raise ActionError(_("This appeal has already been decided."))
    now = timezone.now()
    appeal.state = RequestState.APPROVED if uphold else RequestState.DENIED
    appeal.decided_by, appeal.decided_at, appeal.decision_note = by, now, note
    appeal.save()
    AuditEntry.objects.create(action="appeal_decide", actor=by, appeal=appeal, note=note,
                              data={"upheld": uphold}, created_at=now)
    if appeal.case is not None:
        _case_event(appeal.case, "appeal_decide", by=by, department_id=appeal.department_id, note=note,
                    data={"appeal": appeal.pk, "upheld": uphold})
        text = (_("Appeal about %(code)s upheld") if uphold else _("Appeal about %(code)s rejected")) % {
            "code": appeal.case.tracking_code}
        _after_commit(appeal.case, "appeal_decided", text, [appeal.filed_by_id])
    return appeal
