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
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import User
from minsheng.accounts.scopes import scope_for
from minsheng.cases import search
from minsheng.cases.deadlines import reply_due
from minsheng.cases.models import (
    ActorKind,
    Assignment,
    AssignmentRole,
    Attachment,
    Case,
    CaseEvent,
    Priority,
    Rating,
    Reply,
    ReplyStatus,
    Satisfaction,
    Status,
)
from minsheng.cases.tracking import new_query_password, new_tracking_code, password_digest
from minsheng.cases.workflow import TRANSITIONS
from minsheng.core.crypto import digest
from minsheng.lib.masking import mask_official_reply, mask_personal_data
from minsheng.notifications.services import notify_citizen
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
        return in_lead or case.site_id in scope.sites(*transition.roles)
    return False


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
    note: str = "",
    public_note: str = "",
    data: dict[str, Any] | None = None,
    changes_case: bool = True,
) -> CaseEvent:
    if changes_case:
        case.version += 1
        case.save()
    return CaseEvent.objects.create(
        case=case,
        action=action,
        from_status=from_status,
        to_status=case.status,
        actor=by,
        actor_kind=ActorKind.CITIZEN if by is None and action in _CITIZEN_ACTIONS else (
            ActorKind.STAFF if by is not None else ActorKind.SYSTEM),
        department=department,
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


def mask_reply(case: Case, text: str) -> str:
    """The public copy of a reply: the citizen's data hidden, the department's contacts kept."""
    names = [case.citizen_name] if case.citizen_name else []
    return mask_official_reply(
        text, extra_names=names, private_values=[case.citizen_phone, case.citizen_email]
    ).text


def _prepare_public_text(case: Case) -> None:
    """Fill the masked public copy once; staff may correct it afterwards (edit_publication)."""
    if not case.public_title and not case.public_body:
        names = [case.citizen_name] if case.citizen_name else []
        case.public_title = mask_personal_data(case.title, extra_names=names).text[:100]
        case.public_body = mask_personal_data(case.body, extra_names=names).text


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
    case.public_title = case.public_body = ""
    case.status = Status.SUBMITTED
    _record(case, "supplement", before, by=None, at=now, note=text)
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
    if satisfaction != Satisfaction.DISSATISFIED:
        case.status = Status.CLOSED
        case.closed_at = now
        kind = "closed"
    elif case.redo_count == 0:
        case.status = Status.PROCESSING
        case.redo_count += 1
        case.due_at = reply_due(case, now)
        kind = "redo"
    else:
        case.status = Status.DISPUTED
        kind = ""
    _record(
        case, "rate", before, by=None, at=now, note=comment.strip(),
        data={"satisfaction": satisfaction, "solved": solved, "reply": reply.pk},
    )
    if kind:
        notify_citizen(case, kind, occasion=f"rate{reply.pk}")
    return case


# ---------------------------------------------------------------------------------------------
# intake


@transaction.atomic
def case_accept(
    case: Case, *, by: User, note: str = "", publish_agreed: bool | None = None, expected_version: int | None = None
) -> Case:
    case = _lock(case, "accept", by, expected_version)
    before, now = case.status, timezone.now()
    case.status = Status.ACCEPTED
    case.accepted_at = case.accepted_at or now
    if publish_agreed is not None:
        case.publish_agreed = publish_agreed and case.wants_public
    _prepare_public_text(case)
    _record(case, "accept", before, by=by, at=now, note=note)
    notify_citizen(case, "accepted", occasion="accept")
    return case


@transaction.atomic
def case_reject(case: Case, *, by: User, reason: str, expected_version: int | None = None) -> Case:
    reason = _require(reason, _("A rejection needs a reason the citizen will see."))
    case = _lock(case, "reject", by, expected_version)
    before, now = case.status, timezone.now()
    case.status = Status.REJECTED
    case.closed_at = now
    _record(case, "reject", before, by=by, at=now, public_note=reason)
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
    case.status = Status.MERGED
    case.merged_into = target
    case.closed_at = now
    _record(case, "merge", before, by=by, at=now, note=note, data={"into": target.tracking_code})
    notify_citizen(case, "merged", occasion="merge")
    return case


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
    if case.status in (Status.DISPATCHED, Status.PROCESSING) and old["priority"] != priority and case.dispatched_at:
        case.due_at = reply_due(case, case.dispatched_at)
    _record(
        case, "classify", before, by=by, at=timezone.now(),
        data={"from": old, "to": {"category": case.category_id, "priority": priority}},
    )
    return case


def dispatch_targets(case: Case) -> list[Department]:
    """Departments a case may go to: those of its site and of the sites below it (city → district)."""
    return list(
        Department.objects.filter(site_id__in=case.site.descendant_ids(), is_active=True).select_related("site")
    )


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
    allowed = set(case.site.descendant_ids())
    for department in (lead, *assisting):
        if department.site_id not in allowed or not department.is_active:
            raise ActionError(_("%(department)s cannot receive cases of this site.") % {"department": department})
    assisting = [d for d in assisting if d.pk != lead.pk]
    before, now = case.status, timezone.now()
    case.assignments.filter(is_active=True).update(is_active=False)
    Assignment.objects.create(case=case, department=lead, role=AssignmentRole.LEAD, dispatched_at=now)
    for department in assisting:
        Assignment.objects.create(case=case, department=department, role=AssignmentRole.ASSISTING, dispatched_at=now)
    case.status = Status.DISPATCHED
    case.lead_department = lead
    case.dispatched_at = now
    case.due_at = reply_due(case, now)
    _record(
        case, "dispatch", before, by=by, at=now, department=lead, note=note,
        data={"lead": lead.pk, "assisting": [d.pk for d in assisting]},
    )
    notify_citizen(case, "dispatched", occasion=f"dispatch{case.version}", department=lead.name)
    return case


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
    case.assignments.filter(is_active=True, department=case.lead_department).update(received_at=now)
    _record(case, "receive", before, by=by, at=now, department=case.lead_department)
    return case


def _current_draft(case: Case) -> Reply | None:
    return (
        case.replies.filter(status__in=[ReplyStatus.DRAFT, ReplyStatus.RETURNED], department=case.lead_department)
        .order_by("-id")
        .first()
    )


@transaction.atomic
def case_save_draft(case: Case, *, by: User, body: str, expected_version: int | None = None) -> Reply:
    body = _require(body, _("The reply is empty."))
    case = _lock(case, "save_draft", by, expected_version)
    reply = _current_draft(case)
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
    reply = _current_draft(case)
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
    _prepare_public_text(case)
    if case.wants_public and case.publish_agreed and case.published_at is None:
        case.published_at = now
    _record(case, "approve_reply", before, by=by, at=now, department=case.lead_department,
            note=comment.strip(), data={"reply": reply.pk})
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
    if decision == Decision.REDO:
        case.status = Status.PROCESSING
        case.redo_count += 1
        case.due_at = reply_due(case, now)
        notify_citizen(case, "redo", occasion=f"decide{case.version}")
    else:
        case.status = Status.CLOSED
        case.closed_at = now
        notify_citizen(case, "closed", occasion=f"decide{case.version}")
    _record(case, "decide", before, by=by, at=now, note=justification, data={"decision": decision})
    return case


@transaction.atomic
def case_reveal_contact(case: Case, *, by: User) -> Case:
    """Show the citizen's contact to a member of staff handling the case; the reveal is audited."""
    case = _lock(case, "reveal_contact", by, None)
    # Not a change of the case: other officers' open forms stay valid.
    _record(case, "reveal_contact", case.status, by=by, at=timezone.now(), changes_case=False)
    return case
