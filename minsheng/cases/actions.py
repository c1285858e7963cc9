"""The ONLY write path for cases. Every state change is one function here.

Each action: locks the case row, refuses a stale version, checks the transition against the table
in `workflow.py` and the actor's scope, changes the case, writes a `CaseEvent` in the same
transaction and queues notifications to run after commit. Views, API, worker and commands all call
these functions, so they behave the same.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import RoleKind, User
from minsheng.accounts.scopes import scope_for
from minsheng.cases import search
from minsheng.cases.deadlines import (
    DUE_FIELDS,
    recomputed_due,
    recomputed_dues,
    refresh_next_due,
    reply_due,
    runs_in_clock_hours,
    stage_due,
    work_calendar,
)
from minsheng.cases.models import (
    ActorKind,
    Assignment,
    AssignmentRole,
    Attachment,
    Case,
    CaseEvent,
    ExtensionKind,
    ExtensionRequest,
    Followup,
    FollowupMethod,
    FollowupState,
    Priority,
    Rating,
    Reply,
    ReplyStatus,
    RequestState,
    ReturnRequest,
    Satisfaction,
    Stage,
    Status,
    Supervision,
    event_time,
)
from minsheng.cases.tracking import new_query_password, new_tracking_code, password_digest
from minsheng.cases.workflow import SUPERVISABLE, TRANSITIONS
from minsheng.core.crypto import digest
from minsheng.lib.masking import mask_case_text
from minsheng.metrics import snapshots as month_snapshots
from minsheng.notifications.services import notify_citizen, notify_staff, staff_for
from minsheng.sites.models import Category, Channel, Department, Leader, Site


class ActionError(Exception):
    """A refused action, with a message fit to show the person who tried it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StaleCase(ActionError):
    pass


# ---------------------------------------------------------------------------------------------
# shared machinery


def can_act(user: User | None, action: str, case: Case) -> bool:
    """Whether `user` may take `action` on `case` as it stands (status and scope)."""
    transition = TRANSITIONS[action]
    if case.status not in transition.sources:
        return False
    return _in_scope(user, action, case)


def _in_scope(user: User | None, action: str, case: Case) -> bool:
    transition = TRANSITIONS[action]
    if transition.scope == "citizen":
        return user is None
    if transition.scope == "system" and user is None:
        return True  # the worker acting on its own (automatic dispatch)
    if user is None:
        return False
    scope = scope_for(user)
    if transition.scope == "site":
        return case.site_id in scope.sites(*transition.roles)
    in_lead = case.lead_department_id is not None and case.lead_department_id in scope.departments(
        *transition.roles
    )
    if transition.scope == "lead":
        return in_lead
    if transition.scope == "handling":
        return (
            in_lead
            or case.site_id in scope.sites(*transition.roles)
            or _assisting_department(case, scope.departments(*transition.roles)) is not None
        )
    if transition.scope == "assisting":
        return _assisting_department(case, scope.departments(*transition.roles)) is not None
    return False


def _assisting_department(case: Case, department_ids: frozenset[int]) -> int | None:
    if not department_ids:
        return None
    return (
        case.assignments.filter(role=AssignmentRole.ASSISTING, is_active=True, department_id__in=department_ids)
        .values_list("department_id", flat=True)
        .first()
    )


def _lock(case: Case, action: str, by: User | None, expected_version: int | None) -> Case:
    locked = Case.objects.select_for_update().select_related("site", "channel").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleCase(_("This case has changed since you opened it. Please reload the page."))
    if locked.status not in TRANSITIONS[action].sources:
        raise ActionError(
            _("“%(action)s” is not possible while the case is “%(status)s”.")
            % {"action": TRANSITIONS[action].label, "status": locked.get_status_display()}
        )
    if not _in_scope(by, action, locked):
        raise ActionError(_("You are not allowed to do this on this case."))
    return locked


def _record(
    case: Case,
    action: str,
    from_status: str,
    *,
    by: User | None,
    at: datetime,
    department: Department | None = None,
    department_id: int | None = None,
    note: str = "",
    public_note: str = "",
    data: dict[str, Any] | None = None,
    changes_case: bool = True,
) -> CaseEvent:
    if changes_case:
        case.version += 1
        refresh_next_due(case)
        case.save()
    # Every write passes here: a late event on a finished month invalidates its stored figures, in
    # this transaction (nothing is written for a case of the current month).
    month_snapshots.case_changed(case)
    return CaseEvent.objects.create(
        case=case,
        action=action,
        from_status=from_status,
        to_status=case.status,
        actor=by,
        actor_kind=ActorKind.CITIZEN if by is None and action in _CITIZEN_ACTIONS else (
            ActorKind.STAFF if by is not None else ActorKind.SYSTEM),
        department=department,
        department_id=department_id if department is None else department.pk,
        note=note,
        public_note=public_note,
        data=data or {},
        created_at=at,
    )


_CITIZEN_ACTIONS = frozenset(name for name, t in TRANSITIONS.items() if t.scope == "citizen")


def _require(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ActionError(message)
    return text


def _masked(case: Case, text: str, *, reply: bool = False) -> str:
    """`text` of this case as published: what the citizen told us about themselves (name, phone,
    e-mail) is hidden wherever it appears, in their own text as in the reply."""
    return mask_case_text(text, reply, citizen_name=case.citizen_name, citizen_phone=case.citizen_phone,
                          citizen_email=case.citizen_email)


def mask_reply(case: Case, text: str) -> str:
    """The public copy of a reply: the citizen's data hidden, the department's contacts kept."""
    return _masked(case, text, reply=True)


# Characters masked beyond a snippet's limit, so that a phone, ID or card number that the limit cuts
# through is still recognised, and hidden whole, before the snippet is cut.
_SNIPPET_MARGIN = 64


def public_copy(case: Case, *, limit: int | None = None) -> tuple[str, str]:
    """The public copy of the citizen's title and message: the one intake prepared at acceptance (and
    may have corrected since), or, before that, the same masking applied now. Whatever shows a case
    outside its handling (opinion topics and reports) goes through here, so it is masked as the
    case's own public page will be.

    `limit`: only the beginning of a message not yet prepared is wanted (a snippet, the topic
    model's input): that much is masked, with a margin, then cut, so the snippet is the beginning of
    the copy acceptance will store. A prepared copy is returned whole, as before."""
    if case.public_title or case.public_body:
        return case.public_title, case.public_body
    if limit is None:
        body = case.body
    elif limit == 0:  # only the title is wanted (a list of cases); masking is the costly part
        body = ""
    else:
        body = case.body[:limit + _SNIPPET_MARGIN]
    title = _masked(case, case.title)[:100]
    body = _masked(case, body)
    return title, body if limit is None else body[:limit]


def _prepare_public_text(case: Case) -> None:
    """Fill the masked public copy once; staff may correct it afterwards (edit_publication)."""
    if not case.public_title and not case.public_body:
        case.public_title, case.public_body = public_copy(case)


# ---------------------------------------------------------------------------------------------
# citizen


@dataclass(frozen=True)
class Submission:
    case: Case
    password: str | None  # None when this was a repeated submit of an existing case
    created: bool


@transaction.atomic
def case_submit(
    *,
    site: Site,
    channel: Channel,
    title: str,
    body: str,
    name: str,
    phone: str,
    email: str = "",
    wants_public: bool = False,
    category: Category | None = None,
    leader: Leader | None = None,
    attachments: Sequence[UploadedFile] = (),
    attachment_types: Sequence[str] = (),
    submit_token: str | None = None,
    at: datetime | None = None,
) -> Submission:
    """Register a citizen's message. Input is already validated by the form or API layer."""
    if submit_token:
        existing = Case.objects.filter(submit_token=submit_token).first()
        if existing is not None:
            return Submission(existing, None, False)
    if channel.site_id != site.pk:
        raise ActionError(_("This channel does not belong to this site."))
    if leader is not None and leader.site_id != site.pk:
        raise ActionError(_("This leader does not belong to this site."))
    now = at or timezone.now()
    password = new_query_password()
    for _attempt in range(5):
        code = new_tracking_code(now)
        if not Case.objects.filter(tracking_code=code).exists():
            break
    try:
        with transaction.atomic():
            case = Case.objects.create(
                site=site, channel=channel, category=category, leader=leader,
                tracking_code=code, query_password_digest=password_digest(code, password),
                submit_token=submit_token or None, title=title.strip(), body=body.strip(),
                citizen_name=name.strip(), citizen_phone=phone.strip(), citizen_email=email.strip(),
                citizen_digest=digest(phone.strip(), purpose="phone"), wants_public=wants_public,
                publish_agreed=wants_public, submitted_at=now,
            )
    except IntegrityError:
        # Two copies of one form raced past the check above; the first one won.
        existing = Case.objects.filter(submit_token=submit_token).first() if submit_token else None
        if existing is None:
            raise
        return Submission(existing, None, False)
    for upload, content_type in zip(attachments, attachment_types, strict=True):
        attachment = Attachment(
            case=case, original_name=upload.name[:200] if upload.name else "", content_type=content_type,
            size=upload.size or 0, storage_name=secrets.token_hex(16) + _EXTENSIONS.get(content_type, ""),
        )
        attachment.file.save(attachment.storage_name, upload, save=False)
        attachment.save()
    case.accept_due_at = stage_due(case, Stage.ACCEPT, now)
    _record(case, "submit", "", by=None, at=now, data={"attachments": len(attachments)})
    notify_citizen(case, "submitted", occasion="submit", password=password)
    return Submission(case, password, True)


_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
               "application/pdf": ".pdf"}


@transaction.atomic
def case_supplement(case: Case, *, text: str, expected_version: int | None = None) -> Case:
    """The citizen answers a request for more information; the case returns to intake."""
    case = _lock(case, "supplement", None, expected_version)
    text = _require(text, _("Please write the information you want to add."))
    before = case.status
    now = timezone.now()
    case.body = f"{case.body}\n\n【{_('Added on %(date)s') % {'date': f'{timezone.localtime(now):%Y-%m-%d}'}}】\n{text}"
    if case.paused_at is not None:
        moved = _unpause(case, now)
        case.status = Status.PROCESSING
    else:
        # Intake's wait: the supervisions get the wait back, and the acceptance limit starts again
        # from the answer (补正后重新计算): intake judges the case on the completed material, and
        # counting from the first submission would make it overdue the moment it comes back.
        moved = _end_supervision_wait(case, now)
        case.public_title = case.public_body = ""
        case.status = Status.SUBMITTED
        case.accept_due_at = stage_due(case, Stage.ACCEPT, now)
    _record(case, "supplement", before, by=None, at=now, note=text, data=moved)
    if case.status == Status.PROCESSING and case.lead_department_id:
        notify_staff(case, "supplemented", _("The citizen added information to %(code)s") % {
            "code": case.tracking_code}, staff_for(case, departments=(case.lead_department_id,)), at=now)
    return case


@transaction.atomic
def case_rate(
    case: Case, *, satisfaction: str, solved: bool, comment: str = "", expected_version: int | None = None
) -> Case:
    """The citizen rates the reply. Dissatisfied reopens the case once; the second time a
    supervisor decides."""
    case = _lock(case, "rate", None, expected_version)
    if satisfaction not in Satisfaction.values:
        raise ActionError(_("Please choose how satisfied you are."))
    reply = case.replies.filter(status=ReplyStatus.APPROVED).order_by("-id").first()
    if reply is None:
        raise ActionError(_("There is no reply to rate yet."))
    now = timezone.now()
    Rating.objects.create(
        case=case, reply=reply, satisfaction=satisfaction, solved=solved, comment=comment.strip(), created_at=now
    )
    before = case.status
    restored: list[int] = []
    if satisfaction != Satisfaction.DISSATISFIED:
        case.status = Status.CLOSED
        case.closed_at = now
        kind = "closed"
    elif case.redo_count == 0:
        restored = _reopen_for_redo(case, now)
        kind = "redo"
    else:
        case.status = Status.DISPUTED
        kind = ""
    _record(
        case, "rate", before, by=None, at=now, note=comment.strip(),
        data={"satisfaction": satisfaction, "solved": solved, "reply": reply.pk, **_restored_data(restored)},
    )
    if kind:
        notify_citizen(case, kind, occasion=f"rate{reply.pk}")
    return case


def rating_window_end(case: Case, reply: Reply) -> datetime | None:
    """Until when the citizen may rate `reply` before the case closes without a verdict: the end of
    the site's rating window, counted in working days from the reply's approval (次日起算, like every
    deadline); None when the site keeps replies waiting for their rating."""
    days = case.site.rating_window_working_days
    approved = reply.reviewed_at or case.replied_at
    if days < 1 or approved is None:
        return None
    return work_calendar().due_at(approved, working_days=days)


@transaction.atomic
def case_close_unrated(case: Case, *, at: datetime | None = None) -> Case:
    """The worker closes a case whose latest reply was not rated within the site's rating window.

    No Rating is written: the case has no verdict, so it counts in no satisfaction or resolution
    figure (docs/metrics.md). Where the site makes return visits, the scan starts one as for any
    closing, which asks the citizen the question the rating would have. Imported history follows the
    same rule: nobody can rate it (no query password), so without it it would wait for ever.
    """
    case = _lock(case, "close_unrated", None, None)
    reply = case.replies.filter(status=ReplyStatus.APPROVED).order_by("-id").first()
    ends = rating_window_end(case, reply) if reply is not None else None
    now = at or timezone.now()
    if reply is None or ends is None:
        raise ActionError(_("This site keeps replies waiting for the citizen's rating."))
    if now <= ends:
        raise ActionError(_("The citizen may still rate the reply."))
    before = case.status
    case.status = Status.CLOSED
    case.closed_at = now
    _record(case, "close_unrated", before, by=None, at=now,
            data={"reply": reply.pk, "window_working_days": case.site.rating_window_working_days,
                  "window_end": event_time(ends)})
    notify_citizen(case, "closed", occasion=f"unrated{reply.pk}")
    return case


# ---------------------------------------------------------------------------------------------
# intake


@transaction.atomic
def case_accept(
    case: Case, *, by: User, note: str = "", publish_agreed: bool | None = None, expected_version: int | None = None
) -> Case:
    case = _lock(case, "accept", by, expected_version)
    before, now = case.status, timezone.now()
    # Accepted while the citizen's information was awaited: that wait ends here.
    moved = _end_supervision_wait(case, now)
    case.status = Status.ACCEPTED
    case.accepted_at = case.accepted_at or now
    if publish_agreed is not None:
        case.publish_agreed = publish_agreed and case.wants_public
    _prepare_public_text(case)
    case.dispatch_due_at = stage_due(case, Stage.DISPATCH, now)
    _record(case, "accept", before, by=by, at=now, note=note, data=moved)
    notify_citizen(case, "accepted", occasion="accept")
    office = case.leader.office if case.leader_id and case.leader and case.leader.office_id else None
    if office is not None and office.is_active:
        # A letter to a named leader goes first to the leader's office, which answers it or forwards
        # it with the leader's instruction (批示).
        _dispatch(case, by=by, lead=office, assisting=[], note=_("Letter to %(leader)s") % {"leader": case.leader},
                  at=now)
    else:
        # Where the site enables it, the routing model may dispatch the case after commit.
        from minsheng.routing.dispatch import queue_auto_dispatch

        queue_auto_dispatch(case)
    return case


@transaction.atomic
def case_reject(case: Case, *, by: User, reason: str, expected_version: int | None = None) -> Case:
    reason = _require(reason, _("A rejection needs a reason the citizen will see."))
    case = _lock(case, "reject", by, expected_version)
    before, now = case.status, timezone.now()
    case.status = Status.REJECTED
    case.closed_at = now
    ended = _end_supervisions(case, by=by, at=now, why=_(
        "%(code)s was not accepted: your supervision of it has ended.") % {"code": case.tracking_code})
    _record(case, "reject", before, by=by, at=now, public_note=reason, data=_closed_data(ended))
    notify_citizen(case, "rejected", occasion="reject", reason=reason)
    return case


@transaction.atomic
def case_request_info(case: Case, *, by: User, message: str, expected_version: int | None = None) -> Case:
    message = _require(message, _("Say what information the citizen should add."))
    case = _lock(case, "request_info", by, expected_version)
    before, now = case.status, timezone.now()
    case.status = Status.NEED_INFO
    _record(case, "request_info", before, by=by, at=now, public_note=message)
    notify_citizen(case, "need_info", occasion=f"info{case.version}", reason=message)
    return case


@transaction.atomic
def case_merge(
    case: Case, *, by: User, into: Case, note: str = "", expected_version: int | None = None
) -> Case:
    case = _lock(case, "merge", by, expected_version)
    target = Case.objects.select_for_update().get(pk=into.pk)
    if target.pk == case.pk:
        raise ActionError(_("A case cannot be merged into itself."))
    if target.site_id != case.site_id:
        raise ActionError(_("Only cases of the same site can be merged."))
    if target.status in (Status.MERGED, Status.REJECTED):
        raise ActionError(_("The case to merge into is itself merged or rejected."))
    before, now = case.status, timezone.now()
    # Before the status changes: whether the duplicate waited for the citizen decides what its
    # supervisions get back.
    supervision_data = _merge_supervisions(case, target, by=by, at=now)
    case.status = Status.MERGED
    case.merged_into = target
    case.closed_at = now
    _record(case, "merge", before, by=by, at=now, note=note,
            data={"into": target.tracking_code, **supervision_data})
    notify_citizen(case, "merged", occasion="merge")
    return case


def _merge_supervisions(case: Case, target: Case, *, by: User, at: datetime) -> dict[str, Any]:
    """A supervision follows the problem into the surviving case while that case can still be
    supervised (accepted and not yet answered): the supervisor asked for an answer to this problem,
    and a merge by intake must not quietly drop the pressure. The rows move with their instruction,
    issuer and due time unchanged (the limit does not restart), the surviving case records it
    (`carry_supervision`) and its department is told. A surviving case still at intake, or already
    answered, cannot take it: the supervision ends with the duplicate and its issuer decides. A
    duplicate merged while it waited for the citizen gives its supervisions that wait back first,
    as the end of any wait does (the surviving case's department had no part in it)."""
    supervisions = _open_supervisions(case)
    if not supervisions:
        return {}
    case.is_supervised = False
    if target.status not in SUPERVISABLE:
        ended = _end_supervisions(case, by=by, at=at, why=_(
            "%(code)s was merged into %(into)s, which cannot take over your supervision: it has ended.")
            % {"code": case.tracking_code, "into": target.tracking_code}, supervisions=supervisions)
        return _closed_data(ended)
    moved = _end_supervision_wait(case, at)
    if moved:
        supervisions = _open_supervisions(case)
    ids = [s.pk for s in supervisions]
    Supervision.objects.filter(pk__in=ids).update(case=target)
    target.is_supervised = True
    _record(target, "carry_supervision", target.status, by=by, at=at,
            note="\n".join(s.instruction for s in supervisions),
            data={"supervisions": ids, "merged_from": case.tracking_code,
                  "due_at": [event_time(s.due_at) for s in supervisions]})
    departments = (target.lead_department_id,) if target.lead_department_id else ()
    notify_staff(target, "supervised", _("Case %(code)s is under supervision: %(text)s") % {
        "code": target.tracking_code, "text": supervisions[0].instruction[:80]},
        staff_for(target, departments=departments, department_roles=("handler", "reviewer"),
                  site_roles=("intake",) if not departments else ()), at=at)
    _tell_issuers(case, supervisions, by=by, at=at, text=_(
        "%(code)s was merged into %(into)s: your supervision continues there.")
        % {"code": case.tracking_code, "into": target.tracking_code})
    return {"supervisions_carried": ids, **moved}


@transaction.atomic
def case_classify(
    case: Case,
    *,
    by: User,
    category: Category | None,
    priority: str,
    expected_version: int | None = None,
) -> Case:
    case = _lock(case, "classify", by, expected_version)
    if priority not in Priority.values:
        raise ActionError(_("Unknown priority."))
    if category is not None and category.site_id not in (None, case.site_id):
        raise ActionError(_("This category belongs to another site."))
    before = case.status
    old = {"category": case.category_id, "priority": case.priority}
    case.category = category
    case.priority = priority
    # The category can choose the rule as much as the priority does (a category's own limit).
    deadlines = _recompute_current_deadlines(case) if old != {"category": category.pk if category else None,
                                                                "priority": priority} else {}
    _record(
        case, "classify", before, by=by, at=timezone.now(),
        data={"from": old, "to": {"category": case.category_id, "priority": priority},
              **({"deadlines": deadlines} if deadlines else {})},
    )
    return case


def dispatch_targets(case: Case) -> QuerySet[Department]:
    """Departments a case may go to: those of its site and of the sites below it (city → district)."""
    return Department.objects.filter(site_id__in=case.site.descendant_ids(), is_active=True).select_related("site")


@transaction.atomic
def case_dispatch(
    case: Case,
    *,
    by: User,
    lead: Department,
    assisting: Sequence[Department] = (),
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    case = _lock(case, "dispatch", by, expected_version)
    _dispatch(case, by=by, lead=lead, assisting=assisting, note=note, at=timezone.now())
    return case


@transaction.atomic
def case_auto_dispatch(
    case: Case, *, lead: Department, confidence: float, model: str, expected_version: int | None = None
) -> Case:
    """The routing model dispatches an accepted case (no person acts; see minsheng/routing).

    The event says how confident the model was, so intake can judge it and undo it.
    """
    case = _lock(case, "auto_dispatch", None, expected_version)
    note = _("Automatically dispatched (confidence %(confidence).2f)") % {"confidence": confidence}
    _dispatch(case, by=None, lead=lead, assisting=(), note=note, at=timezone.now(), action="auto_dispatch",
              extra={"confidence": round(confidence, 4), "model": model})
    return case


def last_dispatch_event(case: Case) -> CaseEvent | None:
    """The event that made the current lead department: a dispatch, an automatic one or a forward."""
    return (
        case.events.filter(action__in=("dispatch", "auto_dispatch", "forward", "undo_auto_dispatch"))
        .order_by("-created_at", "-id").first()
    )


@transaction.atomic
def case_undo_auto_dispatch(case: Case, *, by: User, reason: str = "", expected_version: int | None = None) -> Case:
    """Intake takes back an automatic dispatch: the case waits for dispatch again, the department is told.

    Not a return (退回): the department did nothing wrong, so no return is counted against it.
    """
    case = _lock(case, "undo_auto_dispatch", by, expected_version)
    last = last_dispatch_event(case)
    if last is None or last.action != "auto_dispatch":
        raise ActionError(_("This case was not dispatched automatically, or has been dispatched again since."))
    before, now = case.status, timezone.now()
    lead = case.lead_department
    departments = tuple(case.assignments.filter(is_active=True).values_list("department_id", flat=True))
    case.assignments.filter(is_active=True).update(is_active=False)
    case.status = Status.ACCEPTED
    case.lead_department = None
    case.dispatched_at = case.received_at = case.first_contact_at = None
    case.receive_due_at = case.contact_due_at = case.due_at = None
    # Intake gets the dispatch stage afresh: the case sat with a department by the system's choice.
    case.dispatch_due_at = stage_due(case, Stage.DISPATCH, now)
    _record(case, "undo_auto_dispatch", before, by=by, at=now, department=lead, note=reason,
            data={"from": lead.pk if lead else None})
    notify_staff(case, "auto_dispatch_undone", _("Case %(code)s was taken back by intake: %(title)s") % {
        "code": case.tracking_code, "title": case.title[:40]}, staff_for(case, departments=departments), at=now)
    return case


def _dispatch(
    case: Case, *, by: User | None, lead: Department, assisting: Sequence[Department], note: str, at: datetime,
    action: str = "dispatch", keep_reply_due: bool = False, extra: dict[str, Any] | None = None,
) -> None:
    """Shared by dispatch, the leader's-office route at acceptance, and forward."""
    allowed = set(case.site.descendant_ids())
    for department in (lead, *assisting):
        if department.site_id not in allowed or not department.is_active:
            raise ActionError(_("%(department)s cannot receive cases of this site.") % {"department": department})
    assisting = [d for d in assisting if d.pk != lead.pk]
    before = case.status
    returned_by = (
        case.assignments.filter(role=AssignmentRole.LEAD, returned_at__isnull=False).order_by("-id")
        .values_list("department_id", flat=True).first()
    )
    case.assignments.filter(is_active=True).update(is_active=False)
    Assignment.objects.create(
        case=case, department=lead, role=AssignmentRole.LEAD, dispatched_at=at, instruction=note
    )
    for department in assisting:
        Assignment.objects.create(
            case=case, department=department, role=AssignmentRole.ASSISTING, dispatched_at=at, instruction=note
        )
    case.status = Status.DISPATCHED
    case.lead_department = lead
    case.dispatched_at = at
    case.received_at = None
    case.first_contact_at = None
    case.receive_due_at = stage_due(case, Stage.RECEIVE, at)
    if not keep_reply_due or case.due_at is None:
        case.due_at = reply_due(case, at)
    _record(
        case, action, before, by=by, at=at, department=lead, note=note,
        data={"lead": lead.pk, "assisting": [d.pk for d in assisting],
              "insisted": before == Status.RETURNED and returned_by == lead.pk, **(extra or {})},
    )
    notify_citizen(case, "dispatched", occasion=f"dispatch{case.version}", department=lead.name)
    notify_staff(case, "dispatched", _("New case %(code)s: %(title)s") % {"code": case.tracking_code,
                 "title": case.title[:40]}, staff_for(case, departments=(lead.pk, *[d.pk for d in assisting])),
                 at=at)


@transaction.atomic
def case_edit_publication(
    case: Case,
    *,
    by: User,
    publish_agreed: bool,
    public_title: str,
    public_body: str,
    public_reply: str | None = None,
    expected_version: int | None = None,
) -> Case:
    """Intake decides whether the case may be public and corrects the masked text."""
    case = _lock(case, "edit_publication", by, expected_version)
    if publish_agreed and not case.wants_public:
        raise ActionError(_("The citizen did not agree to publication."))
    case.publish_agreed = publish_agreed
    case.public_title = _require(public_title, _("The public title cannot be empty."))[:100]
    case.public_body = _require(public_body, _("The public message cannot be empty."))
    reply = case.replies.filter(status=ReplyStatus.APPROVED).order_by("-id").first()
    if public_reply is not None and reply is not None:
        reply.public_body = _require(public_reply, _("The public reply cannot be empty."))
        reply.save(update_fields=["public_body"])
    if not publish_agreed:
        case.published_at = None
    elif reply is not None and case.published_at is None:
        case.published_at = timezone.now()
    _record(case, "edit_publication", case.status, by=by, at=timezone.now(),
            data={"publish_agreed": publish_agreed})
    search.reindex(case)
    return case


# ---------------------------------------------------------------------------------------------
# department


@transaction.atomic
def case_receive(case: Case, *, by: User, expected_version: int | None = None) -> Case:
    case = _lock(case, "receive", by, expected_version)
    before, now = case.status, timezone.now()
    case.status = Status.PROCESSING
    case.received_at = now
    case.contact_due_at = stage_due(case, Stage.CONTACT, now)
    case.assignments.filter(is_active=True, department=case.lead_department).update(received_at=now)
    _record(case, "receive", before, by=by, at=now, department=case.lead_department)
    return case


def current_draft(case: Case) -> Reply | None:
    return (
        case.replies.filter(status__in=[ReplyStatus.DRAFT, ReplyStatus.RETURNED], department=case.lead_department)
        .order_by("-id")
        .first()
    )


@transaction.atomic
def case_save_draft(case: Case, *, by: User, body: str, expected_version: int | None = None) -> Reply:
    body = _require(body, _("The reply is empty."))
    case = _lock(case, "save_draft", by, expected_version)
    reply = current_draft(case)
    if reply is None:
        reply = Reply(case=case, department=case.lead_department, author=by)
    reply.body = body
    reply.author = by
    reply.status = ReplyStatus.DRAFT
    reply.save()
    _record(case, "save_draft", case.status, by=by, at=timezone.now(), department=case.lead_department,
            data={"reply": reply.pk})
    return reply


@transaction.atomic
def case_submit_reply(case: Case, *, by: User, body: str | None = None, expected_version: int | None = None) -> Reply:
    case = _lock(case, "submit_reply", by, expected_version)
    reply = current_draft(case)
    if body is not None:
        if reply is None:
            reply = Reply(case=case, department=case.lead_department, author=by)
        reply.body = body.strip()
    if reply is None or not reply.body.strip():
        raise ActionError(_("Write the reply before submitting it for review."))
    now = timezone.now()
    reply.status = ReplyStatus.SUBMITTED
    reply.author = by
    reply.submitted_at = now
    reply.save()
    before = case.status
    case.status = Status.REVIEWING
    _record(case, "submit_reply", before, by=by, at=now, department=case.lead_department, data={"reply": reply.pk})
    return reply


def _reply_under_review(case: Case) -> Reply:
    reply = case.replies.filter(status=ReplyStatus.SUBMITTED).order_by("-id").first()
    if reply is None:  # pragma: no cover - the workflow makes this unreachable
        raise ActionError(_("There is no reply awaiting review."))
    return reply


@transaction.atomic
def case_approve_reply(
    case: Case, *, by: User, comment: str = "", public_reply: str | None = None, expected_version: int | None = None
) -> Reply:
    case = _lock(case, "approve_reply", by, expected_version)
    reply = _reply_under_review(case)
    now = timezone.now()
    reply.status = ReplyStatus.APPROVED
    reply.reviewed_by = by
    reply.reviewed_at = now
    reply.review_comment = comment.strip()
    reply.public_body = (public_reply or "").strip() or mask_reply(case, reply.body)
    reply.save()
    before = case.status
    case.status = Status.REPLIED
    case.replied_at = case.replied_at or now
    # The answer the supervisions asked for: they close, and whoever issued one hears that the answer
    # came, to check it (not the reviewer approving it, were they the issuer).
    answered = _end_supervisions(case, by=by, at=now, kind="supervision_answered", why=_(
        "%(code)s has been answered: your supervision of it is fulfilled.") % {"code": case.tracking_code})
    finished = _finish_assisting(case, now)
    _prepare_public_text(case)
    if case.wants_public and case.publish_agreed and case.published_at is None:
        case.published_at = now
    _record(case, "approve_reply", before, by=by, at=now, department=case.lead_department,
            note=comment.strip(), data={"reply": reply.pk, **({"assisting_finished": finished} if finished else {}),
                                        **_closed_data(answered)})
    search.reindex(case)
    notify_citizen(case, "replied", occasion=f"reply{reply.pk}")
    return reply


@transaction.atomic
def case_return_reply(case: Case, *, by: User, comment: str, expected_version: int | None = None) -> Reply:
    comment = _require(comment, _("Say what should change in the reply."))
    case = _lock(case, "return_reply", by, expected_version)
    reply = _reply_under_review(case)
    now = timezone.now()
    reply.status = ReplyStatus.RETURNED
    reply.reviewed_by = by
    reply.reviewed_at = now
    reply.review_comment = comment
    reply.save()
    before = case.status
    case.status = Status.PROCESSING
    _record(case, "return_reply", before, by=by, at=now, department=case.lead_department, note=comment,
            data={"reply": reply.pk})
    return reply


# ---------------------------------------------------------------------------------------------
# supervisor


class Decision:
    REDO = "redo"
    CLOSE = "close"


@transaction.atomic
def case_decide(
    case: Case, *, by: User, decision: str, justification: str, expected_version: int | None = None
) -> Case:
    """A supervisor settles a case the citizen was dissatisfied with twice."""
    justification = _require(justification, _("A decision needs a justification."))
    if decision not in (Decision.REDO, Decision.CLOSE):
        raise ActionError(_("Choose to redo the case or to close it."))
    case = _lock(case, "decide", by, expected_version)
    before, now = case.status, timezone.now()
    restored: list[int] = []
    ended: list[int] = []
    if decision == Decision.REDO:
        restored = _reopen_for_redo(case, now)
        notify_citizen(case, "redo", occasion=f"decide{case.version}")
    else:
        case.status = Status.CLOSED
        case.closed_at = now
        # Settled without the new answer a supervision asked for; a redo keeps them (an answer is due).
        ended = _end_supervisions(case, by=by, at=now, why=_(
            "%(code)s was closed by a supervisor's decision: your supervision of it has ended.")
            % {"code": case.tracking_code})
        notify_citizen(case, "closed", occasion=f"decide{case.version}")
    _record(case, "decide", before, by=by, at=now, note=justification,
            data={"decision": decision, **_restored_data(restored), **_closed_data(ended)})
    return case


@transaction.atomic
def case_reveal_contact(case: Case, *, by: User) -> Case:
    """Show the citizen's contact to a member of staff handling the case; the reveal is audited."""
    case = _lock(case, "reveal_contact", by, None)
    # Not a change of the case: other officers' open forms stay valid.
    _record(case, "reveal_contact", case.status, by=by, at=timezone.now(), changes_case=False)
    return case


def _reopen_for_redo(case: Case, at: datetime) -> list[int]:
    """重办: back to the lead department with a fresh reply deadline, and to the assisting departments
    whose part ended with the reply: the lead cannot add assisting departments itself, and the
    problem that needed them is still unsolved. Returns the ids of those departments."""
    case.status = Status.PROCESSING
    case.redo_count += 1
    case.closed_at = None
    case.due_at = reply_due(case, at)
    if case.first_contact_at is None:
        # Never contacted during the first round: the contact clock starts again with the redo.
        case.contact_due_at = stage_due(case, Stage.CONTACT, at)
    finished = case.assignments.filter(role=AssignmentRole.ASSISTING, is_active=False, finished_at__isnull=False)
    restored = sorted(finished.values_list("department_id", flat=True))
    if restored:
        finished.update(is_active=True, finished_at=None)
        notify_staff(case, "redo", _("Case %(code)s is reopened for redo; your department assists again") % {
            "code": case.tracking_code}, staff_for(case, departments=tuple(restored)), at=at)
    return restored


def _finish_assisting(case: Case, at: datetime) -> list[int]:
    """The case leaves handling: the assisting departments' part is over. Their rows stay (the case
    page and the audit trail show who assisted and what they sent) and keep read access, but the
    case leaves their queues and they can no longer act on it. Returns their ids."""
    active = case.assignments.filter(role=AssignmentRole.ASSISTING, is_active=True)
    finished = sorted(active.values_list("department_id", flat=True))
    if finished:
        active.update(is_active=False, finished_at=at)
    return finished


def _restored_data(restored: list[int]) -> dict[str, list[int]]:
    return {"assisting_restored": restored} if restored else {}


def _unpause(case: Case, at: datetime) -> dict[str, list[dict[str, Any]]]:
    """The clock stopped while waiting for the citizen: move the running deadlines by the pause,
    the supervisions' too. Returns what the supervisions' deadlines became, for the event."""
    assert case.paused_at is not None
    calendar = work_calendar()
    if case.due_at is not None:
        case.due_at = calendar.shift_for_pause(case.due_at, case.paused_at, at,
                                               clock_hours=runs_in_clock_hours(case, Stage.REPLY))
    if case.contact_due_at is not None and case.first_contact_at is None:
        case.contact_due_at = calendar.shift_for_pause(case.contact_due_at, case.paused_at, at,
                                                       clock_hours=runs_in_clock_hours(case, Stage.CONTACT))
    moved = _end_supervision_wait(case, at)
    case.paused_at = None
    return moved


def _wait_started(case: Case) -> datetime | None:
    """When the case began waiting for the citizen's material, None if it is not waiting. The
    department's wait (`pause`) is `paused_at`, which also stops and moves the stage deadlines.
    Intake's (`request_info`, before acceptance, also after a transfer) has no stage deadline to
    move and so no field: its start is the latest `request_info` of the audit trail."""
    if case.status != Status.NEED_INFO:
        return None
    if case.paused_at is not None:
        return case.paused_at
    return (case.events.filter(action="request_info").order_by("-created_at", "-id")
            .values_list("created_at", flat=True).first())


def _end_supervision_wait(case: Case, at: datetime) -> dict[str, list[dict[str, Any]]]:
    """The wait for the citizen ends at `at` (the case not yet moved out of `need_info`): the open
    supervisions get it back, wherever the case waited. Every end of a wait comes here; {} when the
    case was not waiting."""
    started = _wait_started(case)
    return _shift_supervisions_for_pause(case, started, at) if started is not None else {}


def _shift_supervisions_for_pause(case: Case, paused_from: datetime, at: datetime) -> dict[str, list[dict[str, Any]]]:
    """A supervision (督办) asks for the case to be handled; while the case waits for the citizen's
    material (in the department or at intake) nobody can, so its clock stops with the case's and the
    pause gives back its working days (the rule of the stage deadlines: docs/deadlines.md). Only the
    part of the pause after the supervision reached the case counts: issued during the wait, or
    carried over from a merged duplicate (which ran on that case until the merge). Returns
    {"supervision_due": [{"supervision", "from", "to"}]} for the event, or {} when nothing moved."""
    supervisions = list(case.supervisions.filter(closed_at__isnull=True).order_by("pk"))
    if not supervisions:
        return {}
    arrived = {pk: event.created_at
               for event in case.events.filter(action="carry_supervision", created_at__gte=paused_from)
               for pk in event.data.get("supervisions", [])}
    calendar = work_calendar()
    moved = []
    for supervision in supervisions:
        start = max(paused_from, supervision.created_at, arrived.get(supervision.pk, paused_from))
        due = calendar.shift_for_pause(supervision.due_at, min(start, at), at)
        if due == supervision.due_at:
            continue
        moved.append({"supervision": supervision.pk, "from": event_time(supervision.due_at), "to": event_time(due)})
        Supervision.objects.filter(pk=supervision.pk).update(due_at=due)
    return {"supervision_due": moved} if moved else {}


def _current_stages(case: Case) -> list[str]:
    """The stages whose deadlines a change of rule recomputes: those of the stage the case is in, as
    far as the priority decides them; stages already behind the case keep the deadline they were
    held to (the figures count on it)."""
    status = case.status
    if status == Status.SUBMITTED or (status == Status.NEED_INFO and case.lead_department_id is None):
        return [Stage.ACCEPT]
    if status in (Status.ACCEPTED, Status.RETURNED):
        return [Stage.DISPATCH]
    if status == Status.DISPATCHED:
        return [Stage.RECEIVE, Stage.REPLY]
    if status in (Status.PROCESSING, Status.NEED_INFO, Status.REVIEWING):
        return [Stage.REPLY] if case.first_contact_at is not None else [Stage.CONTACT, Stage.REPLY]
    return []


def _recompute_current_deadlines(case: Case, stages: Sequence[str] | None = None) -> dict[str, list[str | None]]:
    """Recompute the deadlines of the stage the case is in from their starts (deadlines.recomputed_dues,
    one read of the audit trail for all of them); returns {field: [old, new]} for the audit event, for
    the fields that changed."""
    changed: dict[str, list[str | None]] = {}
    dues = recomputed_dues(case, _current_stages(case) if stages is None else stages, work_calendar())
    for stage, new in dues.items():
        name = DUE_FIELDS[stage]
        old = getattr(case, name)
        if new is None or new == old:
            continue
        setattr(case, name, new)
        changed[name] = [event_time(old), event_time(new)]
    return changed


# ---------------------------------------------------------------------------------------------
# back office: returns, transfers, forwarding, joint handling


@transaction.atomic
def case_transfer(
    case: Case, *, by: User, to_site: Site, reason: str, expected_version: int | None = None
) -> Case:
    """Move a case to another site of the cluster (city → district and back); its intake screens it."""
    reason = _require(reason, _("Say why the case goes to another site."))
    case = _lock(case, "transfer", by, expected_version)
    if to_site.pk == case.site_id or not to_site.is_active:
        raise ActionError(_("Choose another, active site."))
    channel = Channel.objects.filter(site=to_site, kind=case.channel.kind, is_active=True).first()
    if channel is None:
        raise ActionError(_("%(site)s has no channel of this kind.") % {"site": to_site})
    if case.category is not None and case.category.site_id not in (None, to_site.pk):
        case.category = None
    before, now, origin = case.status, timezone.now(), case.site
    case.site, case.channel, case.leader = to_site, channel, None
    case.status = Status.SUBMITTED
    case.lead_department = None
    case.assignments.filter(is_active=True).update(is_active=False)
    case.accept_due_at = stage_due(case, Stage.ACCEPT, now)
    supervision_data = _transfer_supervisions(case, to_site, by=by, at=now)
    _record(case, "transfer", before, by=by, at=now, note=reason,
            data={"from_site": origin.pk, "to_site": to_site.pk, **supervision_data})
    notify_staff(case, "transferred", _("Case %(code)s was transferred from %(site)s") % {
        "code": case.tracking_code, "site": origin.name}, staff_for(case, site_roles=("intake",)), at=now)
    return case


def _transfer_supervisions(case: Case, to_site: Site, *, by: User, at: datetime) -> dict[str, list[int]]:
    """A supervision is one supervisor's authority over the case. It stays with the case when its
    issuer also supervises (or administers) the receiving site, as a city's supervisor does a
    district's when the case goes down to the district: the answer is still owed to them. Otherwise
    it ends: the receiving site's supervisors do not inherit another site's instruction (they
    supervise the case themselves if they judge it needs it), and the issuer is told."""
    supervisions = _open_supervisions(case)
    if not supervisions:
        return {}
    kept = [s for s in supervisions if to_site.pk in scope_for(s.created_by).sites(RoleKind.SUPERVISOR, RoleKind.ADMIN)]
    ended = _end_supervisions(case, by=by, at=at, why=_(
        "%(code)s was transferred to %(site)s, outside your supervision: your supervision of it has ended.")
        % {"code": case.tracking_code, "site": to_site.name}, supervisions=[s for s in supervisions if s not in kept])
    case.is_supervised = bool(kept)
    return {**_closed_data(ended), **({"supervisions_kept": [s.pk for s in kept]} if kept else {})}


def return_window_end(case: Case) -> datetime:
    start = case.received_at or case.dispatched_at or timezone.now()
    return work_calendar().due_at(start, working_days=case.site.return_window_working_days)


def _do_return(case: Case, *, department_id: int, reason: str, by: User, at: datetime, action: str,
               note: str = "") -> None:
    before = case.status
    # A return decided while the department waited for the citizen ends that wait with the
    # department's part: left set, it would stop every clock of the next department too. The
    # department's deadlines go with it; the supervisions stay with the case and get the wait back.
    moved = _end_supervision_wait(case, at)
    case.paused_at = None
    case.assignments.filter(is_active=True, role=AssignmentRole.LEAD, department_id=department_id).update(
        returned_at=at, return_reason=reason, is_active=False
    )
    case.assignments.filter(is_active=True).update(is_active=False)
    case.status = Status.RETURNED
    case.lead_department = None
    case.dispatch_due_at = stage_due(case, Stage.DISPATCH, at)
    _record(case, action, before, by=by, at=at, department_id=department_id, note=note or reason,
            data={"department": department_id, "reason": reason, **moved})
    notify_staff(case, "returned", _("Case %(code)s was returned: %(reason)s") % {
        "code": case.tracking_code, "reason": reason[:80]}, staff_for(case, site_roles=("intake",)), at=at)


@transaction.atomic
def case_return(case: Case, *, by: User, reason: str, expected_version: int | None = None) -> ReturnRequest | None:
    """退回: "not ours". Within the site's return window the case goes back to intake at once; later,
    the return becomes a request that a supervisor decides. Returns the request, or None."""
    reason = _require(reason, _("A return needs a reason."))
    case = _lock(case, "return", by, expected_version)
    now = timezone.now()
    assert case.lead_department_id is not None
    if now <= return_window_end(case):
        _do_return(case, department_id=case.lead_department_id, reason=reason, by=by, at=now, action="return")
        return None
    if case.return_requests.filter(state=RequestState.PENDING).exists():
        raise ActionError(_("A return request is already waiting for a supervisor."))
    request = ReturnRequest.objects.create(
        case=case, department_id=case.lead_department_id, requested_by=by, reason=reason, created_at=now
    )
    _record(case, "return", case.status, by=by, at=now, department=case.lead_department, note=reason,
            data={"request": request.pk, "late": True}, changes_case=False)
    notify_staff(case, "return_request", _("Late return of %(code)s needs a decision") % {
        "code": case.tracking_code}, staff_for(case, site_roles=("supervisor",)), at=now)
    return request


@transaction.atomic
def case_decide_return(
    case: Case, *, by: User, approve: bool, note: str = "", expected_version: int | None = None
) -> Case:
    case = _lock(case, "decide_return", by, expected_version)
    request = case.return_requests.filter(state=RequestState.PENDING).order_by("-id").first()
    if request is None:
        raise ActionError(_("There is no return request to decide."))
    now = timezone.now()
    request.state = RequestState.APPROVED if approve else RequestState.DENIED
    request.decided_by, request.decided_at, request.decision_note = by, now, note.strip()
    request.save()
    if approve:
        _do_return(case, department_id=request.department_id, reason=request.reason, by=by, at=now,
                   action="decide_return", note=note.strip() or request.reason)
    else:
        _record(case, "decide_return", case.status, by=by, at=now, note=note.strip(),
                data={"request": request.pk, "approved": False}, changes_case=False)
        notify_staff(case, "return_denied", _("Return of %(code)s refused: keep handling it") % {
            "code": case.tracking_code}, [request.requested_by_id], at=now)
    return case


def is_leader_office(department_id: int | None) -> bool:
    return department_id is not None and Leader.objects.filter(office_id=department_id, is_active=True).exists()


@transaction.atomic
def case_forward(
    case: Case,
    *,
    by: User,
    lead: Department,
    instruction: str,
    assisting: Sequence[Department] = (),
    expected_version: int | None = None,
) -> Case:
    """The leader's office forwards a mailbox letter with the leader's instruction (批示), which the
    department sees with the case. The citizen's reply deadline does not restart."""
    instruction = _require(instruction, _("Write the leader's instruction."))
    case = _lock(case, "forward", by, expected_version)
    if not is_leader_office(case.lead_department_id):
        raise ActionError(_("Only a leader's office forwards cases with an instruction."))
    _dispatch(case, by=by, lead=lead, assisting=assisting, note=instruction, at=timezone.now(), action="forward",
              keep_reply_due=True)
    return case


@transaction.atomic
def case_assist(case: Case, *, by: User, text: str) -> Case:
    """An assisting department (协办) sends its input to the lead, which answers once."""
    text = _require(text, _("Write your department's input."))
    case = _lock(case, "assist", by, None)
    department_id = _assisting_department(case, scope_for(by).departments("handler"))
    assert department_id is not None  # _lock checked the scope
    now = timezone.now()
    case.assignments.filter(is_active=True, department_id=department_id, role=AssignmentRole.ASSISTING).update(
        input_text=text, input_at=now
    )
    _record(case, "assist", case.status, by=by, at=now, department_id=department_id, note=text,
            changes_case=False)
    if case.lead_department_id:
        notify_staff(case, "assist", _("Assisting input arrived for %(code)s") % {"code": case.tracking_code},
                     staff_for(case, departments=(case.lead_department_id,)), at=now)
    return case


@transaction.atomic
def case_record_contact(case: Case, *, by: User, note: str, expected_version: int | None = None) -> Case:
    """The handler contacted the citizen (phone, visit): the first-contact deadline is met."""
    note = _require(note, _("Say how the citizen was contacted and what was agreed."))
    case = _lock(case, "record_contact", by, expected_version)
    now = timezone.now()
    case.first_contact_at = case.first_contact_at or now
    _record(case, "record_contact", case.status, by=by, at=now, department=case.lead_department, note=note)
    return case


@transaction.atomic
def case_pause(case: Case, *, by: User, reason: str, expected_version: int | None = None) -> Case:
    """Ask the citizen for material (补充材料): the clock stops until the citizen answers or the
    handler resumes."""
    reason = _require(reason, _("Say what the citizen should provide."))
    case = _lock(case, "pause", by, expected_version)
    now = timezone.now()
    before = case.status
    case.status = Status.NEED_INFO
    case.paused_at = now
    _record(case, "pause", before, by=by, at=now, department=case.lead_department, public_note=reason)
    notify_citizen(case, "need_info", occasion=f"pause{case.version}", reason=reason)
    return case


@transaction.atomic
def case_resume(case: Case, *, by: User, note: str, expected_version: int | None = None) -> Case:
    note = _require(note, _("Say why handling resumes (e.g. material received by phone)."))
    case = _lock(case, "resume", by, expected_version)
    if case.paused_at is None:
        raise ActionError(_("This case waits for the citizen at intake, not in your department."))
    now = timezone.now()
    before = case.status
    paused_from = case.paused_at
    moved = _unpause(case, now)
    case.status = Status.PROCESSING
    _record(case, "resume", before, by=by, at=now, department=case.lead_department, note=note,
            data={"paused_from": event_time(paused_from), **moved})
    return case


# ---------------------------------------------------------------------------------------------
# extensions and supervision


@transaction.atomic
def case_request_extension(
    case: Case, *, by: User, working_days: int, reason: str, kind: str = ExtensionKind.EXTENSION,
    expected_version: int | None = None,
) -> ExtensionRequest:
    reason = _require(reason, _("An extension needs a reason."))
    if kind not in ExtensionKind.values:
        raise ActionError(_("Unknown kind of request."))
    if kind == ExtensionKind.EXTENSION and not 1 <= working_days <= 30:
        raise ActionError(_("An extension is between 1 and 30 working days."))
    case = _lock(case, "request_extension", by, expected_version)
    if case.extension_requests.filter(state=RequestState.PENDING).exists():
        raise ActionError(_("An extension request is already waiting for a decision."))
    if kind == ExtensionKind.COMPLEX and case.is_complex:
        raise ActionError(_("This case is already handled as a complex case."))
    now = timezone.now()
    assert case.lead_department is not None  # the case is in a department (workflow table)
    request = ExtensionRequest.objects.create(
        case=case, department=case.lead_department, requested_by=by, kind=kind,
        working_days=working_days if kind == ExtensionKind.EXTENSION else 0, reason=reason, created_at=now,
    )
    _record(case, "request_extension", case.status, by=by, at=now, department=case.lead_department, note=reason,
            data={"request": request.pk, "kind": kind, "working_days": request.working_days}, changes_case=False)
    notify_staff(case, "extension_request", _("Extension requested for %(code)s") % {"code": case.tracking_code},
                 staff_for(case, site_roles=("supervisor",)), at=now)
    return request


@transaction.atomic
def case_decide_extension(
    case: Case, *, by: User, approve: bool, note: str = "", expected_version: int | None = None
) -> ExtensionRequest:
    case = _lock(case, "decide_extension", by, expected_version)
    request = case.extension_requests.filter(state=RequestState.PENDING).order_by("-id").first()
    if request is None:
        raise ActionError(_("There is no extension request to decide."))
    now = timezone.now()
    request.state = RequestState.APPROVED if approve else RequestState.DENIED
    request.decided_by, request.decided_at, request.decision_note = by, now, note.strip()
    request.save()
    old_due = case.due_at
    if approve and request.kind == ExtensionKind.COMPLEX:
        case.is_complex = True
        # The longer limit from the start of the reply clock, keeping the pauses and extensions since.
        case.due_at = recomputed_due(case, Stage.REPLY) or reply_due(case, case.dispatched_at or now)
    elif approve and case.due_at is not None:
        case.due_at = work_calendar().extend(case.due_at, request.working_days)
    _record(case, "decide_extension", case.status, by=by, at=now, note=note.strip(),
            data={"request": request.pk, "approved": approve,
                  "from": event_time(old_due), "to": event_time(case.due_at)})
    notify_staff(case, "extension_decided", (
        _("Extension for %(code)s approved") if approve else _("Extension for %(code)s refused")
    ) % {"code": case.tracking_code}, [request.requested_by_id], at=now)
    return request


@transaction.atomic
def case_supervise(
    case: Case, *, by: User, instruction: str, working_days: int, expected_version: int | None = None
) -> Supervision:
    """督办: a supervisor's formal instruction with its own deadline, shown to the department."""
    instruction = _require(instruction, _("Write the supervision instruction."))
    if not 1 <= working_days <= 30:
        raise ActionError(_("A supervision deadline is between 1 and 30 working days."))
    case = _lock(case, "supervise", by, expected_version)
    now = timezone.now()
    supervision = Supervision.objects.create(
        case=case, created_by=by, instruction=instruction,
        due_at=work_calendar().due_at(now, working_days=working_days), created_at=now,
    )
    case.is_supervised = True
    _record(case, "supervise", case.status, by=by, at=now, note=instruction,
            data={"supervision": supervision.pk, "due_at": event_time(supervision.due_at)})
    departments = (case.lead_department_id,) if case.lead_department_id else ()
    notify_staff(case, "supervised", _("Case %(code)s is under supervision: %(text)s") % {
        "code": case.tracking_code, "text": instruction[:80]},
        staff_for(case, departments=departments, department_roles=("handler", "reviewer"),
                  site_roles=("intake",) if not departments else ()), at=now)
    return supervision


def _open_supervisions(case: Case) -> list[Supervision]:
    return list(case.supervisions.filter(closed_at__isnull=True).select_related("created_by").order_by("pk"))


def _end_supervisions(case: Case, *, by: User | None, at: datetime, why: str,
                      supervisions: list[Supervision] | None = None, kind: str = "supervision_ended") -> list[int]:
    """Close the case's open supervisions (or those given) and return their ids for the event.

    A supervision asks for an approved reply, which closes it (a `supervision_answered` notice:
    the supervisor checks the answer). A case that ends without one (not accepted, merged, closed
    by a supervisor's decision) or leaves the issuer's sites ends it too (`supervision_ended`):
    left open it would be listed as running on a case nobody will answer. `why` is what the
    supervisor who issued it is told, unless that supervisor took the decision."""
    supervisions = _open_supervisions(case) if supervisions is None else supervisions
    ids = [s.pk for s in supervisions]
    if ids:
        Supervision.objects.filter(pk__in=ids).update(closed_at=at)
    case.is_supervised = case.supervisions.filter(closed_at__isnull=True).exists()
    if why:
        _tell_issuers(case, supervisions, by=by, at=at, text=why, kind=kind)
    return ids


def _tell_issuers(case: Case, supervisions: Sequence[Supervision], *, by: User | None, at: datetime,
                  text: str, kind: str = "supervision_ended") -> None:
    """An in-app notice to the supervisors who issued `supervisions`: each once, not `by` (their own
    action needs no telling), nor an account no longer active."""
    issuers = sorted({s.created_by_id for s in supervisions
                      if s.created_by.is_active and (by is None or s.created_by_id != by.pk)})
    if issuers:
        notify_staff(case, kind, text, issuers, at=at)


def _closed_data(ids: list[int]) -> dict[str, list[int]]:
    return {"supervisions_closed": ids} if ids else {}


@transaction.atomic
def case_remind(case: Case, *, by: User, note: str = "") -> Case:
    """催办: a nudge to the department (or to intake while the case waits for dispatch)."""
    case = _lock(case, "remind", by, None)
    now = timezone.now()
    _record(case, "remind", case.status, by=by, at=now, department=case.lead_department, note=note.strip(),
            changes_case=False)
    if case.lead_department_id:
        users = staff_for(case, departments=(case.lead_department_id,))
    else:
        users = staff_for(case, site_roles=("intake",))
    notify_staff(case, "reminded", _("Reminder for %(code)s: %(note)s") % {
        "code": case.tracking_code, "note": note.strip()[:80] or case.title[:40]}, users, at=now)
    return case


@transaction.atomic
def case_add_note(case: Case, *, by: User, text: str) -> Case:
    """An internal note, never shown to the citizen or the public."""
    text = _require(text, _("The note is empty."))
    case = _lock(case, "note", by, None)
    _record(case, "note", case.status, by=by, at=timezone.now(), note=text, changes_case=False)
    return case


# ---------------------------------------------------------------------------------------------
# return visits


@transaction.atomic
def case_create_followup(case: Case, *, method: str, at: datetime | None = None) -> Followup | None:
    """Start a return visit for a closed case (the worker's scan calls this). One per closing."""
    case = Case.objects.select_for_update().select_related("site").get(pk=case.pk)
    if case.status != Status.CLOSED or case.closed_at is None:
        return None
    if case.followups.filter(created_at__gte=case.closed_at).exists():
        return None
    now = at or timezone.now()
    # A visit left from an earlier closing (before a redo) must not be answerable any more.
    case.followups.filter(state=FollowupState.PENDING).update(state=FollowupState.SUPERSEDED)
    if method == FollowupMethod.SMS and not case.citizen_phone:
        method = FollowupMethod.PHONE
    followup = Followup.objects.create(case=case, method=method, token=secrets.token_urlsafe(24), created_at=now)
    _record(case, "schedule_followup", case.status, by=None, at=now,
            data={"followup": followup.pk, "method": method}, changes_case=False)
    if method == FollowupMethod.SMS:
        notify_citizen(case, "followup", occasion=f"followup{followup.pk}", token=followup.token)
    return followup


def _settle_followup(case: Case, followup: Followup, *, by: User | None, action: str, reached: bool,
                     satisfaction: str, solved: bool | None, answer: str) -> None:
    now = timezone.now()
    if reached and satisfaction not in Satisfaction.values:
        raise ActionError(_("Please choose how satisfied the citizen is."))
    if reached and solved is None:
        raise ActionError(_("Please say whether the problem was solved."))
    followup.state = FollowupState.DONE if reached else FollowupState.UNREACHABLE
    followup.satisfaction = satisfaction if reached else ""
    followup.solved = solved if reached else None
    followup.answer = answer.strip()
    followup.recorded_by = by
    followup.answered_at = now
    followup.save()
    before = case.status
    restored: list[int] = []
    if reached and solved is False:
        restored = _reopen_for_redo(case, now)
    _record(case, action, before, by=by, at=now, note=answer.strip(),
            data={"followup": followup.pk, "reached": reached, "satisfaction": satisfaction, "solved": solved,
                  **_restored_data(restored)})
    if case.status == Status.PROCESSING and case.lead_department_id:
        notify_staff(case, "redo", _("Return visit: %(code)s is not solved and reopened") % {
            "code": case.tracking_code}, staff_for(case, departments=(case.lead_department_id,)), at=now)


@transaction.atomic
def case_record_followup(
    followup: Followup, *, by: User, reached: bool, satisfaction: str = "", solved: bool | None = None,
    answer: str = "",
) -> Followup:
    """Staff record a return visit by phone. "Not solved" reopens the case for redo."""
    case = _lock(followup.case, "followup", by, None)
    followup = Followup.objects.select_for_update().get(pk=followup.pk)
    if followup.state != FollowupState.PENDING:
        raise ActionError(_("This return visit is already recorded."))
    _settle_followup(case, followup, by=by, action="followup", reached=reached, satisfaction=satisfaction,
                     solved=solved, answer=answer)
    return followup


@transaction.atomic
def case_answer_followup(followup: Followup, *, satisfaction: str, solved: bool, answer: str = "") -> Followup:
    """The citizen answers a return visit through the link sent by SMS."""
    case = _lock(followup.case, "answer_followup", None, None)
    followup = Followup.objects.select_for_update().get(pk=followup.pk)
    if followup.state != FollowupState.PENDING:
        raise ActionError(_("Thank you, this return visit has already been answered."))
    _settle_followup(case, followup, by=None, action="answer_followup", reached=True, satisfaction=satisfaction,
                     solved=solved, answer=answer)
    return followup
