"""Staff pages. Every case is fetched through a scoped accessor: outside your scope is a 404."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from minsheng.accounts.scopes import scope_for
from minsheng.cases import actions, selectors
from minsheng.cases.actions import ActionError, can_act
from minsheng.cases.deadlines import SUPERVISION_CLOCK_RUNS, work_calendar
from minsheng.cases.models import (
    AssignmentRole,
    Case,
    FollowupState,
    ReplyTemplate,
    RequestState,
    Stage,
    Status,
)
from minsheng.lib.workdays import WorkCalendar
from minsheng.sites.models import Category, Site
from minsheng.workbench import forms as wf

QUEUE_ORDER = [
    Status.SUBMITTED, Status.NEED_INFO, Status.ACCEPTED, Status.DISPATCHED, Status.PROCESSING,
    Status.REVIEWING, Status.REPLIED, Status.DISPUTED, Status.CLOSED, Status.REJECTED, Status.MERGED,
]


@method_decorator(
    ratelimit(key="ip", rate=lambda group, request: settings.RATE_LOGIN, method="POST", block=True), name="post"
)
class LoginView(auth_views.LoginView):
    template_name = "workbench/login.html"
    redirect_authenticated_user = True


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not scope_for(request.user).is_staff_member:  # type: ignore[arg-type]
            raise Http404
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    counts = selectors.queue_counts(request.user)  # type: ignore[arg-type]
    queues = [(status, Status(status).label, counts.get(status, 0)) for status in QUEUE_ORDER]
    return render(request, "workbench/home.html", {"queues": queues, "scope": scope_for(request.user)})  # type: ignore[arg-type]


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    form = wf.QueueFilterForm(request.GET)
    status = ""
    qs = selectors.staff_queue(request.user, None)  # type: ignore[arg-type]
    if form.is_valid():
        status = form.cleaned_data["status"] if form.cleaned_data["status"] in Status.values else ""
        qs = selectors.staff_queue(request.user, status or None)  # type: ignore[arg-type]
        query = form.cleaned_data["q"].strip()
        if query:
            qs = qs.filter(Q(tracking_code__iexact=query) | Q(title__icontains=query))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "workbench/queue.html", {
        "page": page, "status": status, "status_label": Status(status).label if status else _("All cases"),
        "form": form, "statuses": [(s, Status(s).label) for s in QUEUE_ORDER],
    })


# ---- one case ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineRow:
    label: str
    due: datetime
    done_at: datetime | None
    running: bool
    left: str
    overdue: bool


def time_left(calendar: WorkCalendar, now: datetime, due: datetime) -> tuple[str, bool]:
    """"3 working days left" / "overdue by 5 hours", and whether it is overdue."""
    left = calendar.remaining(now, due)
    if left.overdue:
        if left.working_days < 0:
            days = -left.working_days
            return ngettext("overdue by %(n)d working day", "overdue by %(n)d working days", days) % {"n": days}, True
        hours = max(1, math.ceil(-left.hours))
        return ngettext("overdue by %(n)d hour", "overdue by %(n)d hours", hours) % {"n": hours}, True
    if left.working_days > 0:
        days = left.working_days
        return ngettext("%(n)d working day left", "%(n)d working days left", days) % {"n": days}, False
    if left.hours < 1:
        return _("due within the hour"), False
    hours = math.floor(left.hours)
    return ngettext("due today, %(n)d hour left", "due today, %(n)d hours left", hours) % {"n": hours}, False


def _deadline_rows(case: Case, calendar: WorkCalendar, now: datetime) -> list[DeadlineRow]:
    """Every stage deadline the case has, with its completion or, for the running ones, the time left.
    Mirrors `deadlines.current_deadline`: which stages run depends on the status."""
    s, stopped = case.status, case.paused_at is not None
    stages = [
        (Stage.ACCEPT.label, case.accept_due_at, s == Status.SUBMITTED,
         case.accepted_at),
        (Stage.DISPATCH.label, case.dispatch_due_at, s in (Status.ACCEPTED, Status.RETURNED),
         case.dispatched_at),
        (Stage.RECEIVE.label, case.receive_due_at, s == Status.DISPATCHED,
         case.received_at),
        (Stage.CONTACT.label, case.contact_due_at, s == Status.PROCESSING and case.first_contact_at is None,
         case.first_contact_at),
        (Stage.REPLY.label, case.due_at, s in (Status.DISPATCHED, Status.PROCESSING, Status.REVIEWING),
         case.replied_at if s in (Status.REPLIED, Status.CLOSED, Status.DISPUTED) else None),
    ]
    # Before dispatch (or after a return or a transfer) the department's stages are not running, and
    # any dates they hold belong to an earlier dispatch.
    if s in (Status.ACCEPTED, Status.RETURNED):
        stages = stages[:2]
    elif s == Status.SUBMITTED or (s == Status.NEED_INFO and not stopped):
        stages = stages[:1]
    rows = []
    for label, due, running, done_at in stages:
        if due is None:
            continue
        running = running and not stopped
        left, overdue = time_left(calendar, now, due) if running else ("", False)
        rows.append(DeadlineRow(str(label), due, None if running else done_at, running, left, overdue))
    return rows


def _category_chain(case: Case) -> list[int]:
    ids, node = [], case.category
    while node is not None:
        ids.append(node.pk)
        node = node.parent if node.parent_id else None
    return ids


def reply_templates(case: Case) -> list[tuple[ReplyTemplate, str]]:
    """The active templates for the case's site, channel kind and category (or a parent category),
    each with its placeholders filled in."""
    templates = ReplyTemplate.objects.filter(
        Q(site__isnull=True) | Q(site_id=case.site_id),
        Q(channel_kind="") | Q(channel_kind=case.channel.kind),
        Q(category__isnull=True) | Q(category_id__in=_category_chain(case)),
        is_active=True,
    )
    today = timezone.localdate()
    values = {
        "{title}": case.title,
        "{department}": case.lead_department.name if case.lead_department else "",
        # The reply goes to the citizen in Chinese whatever language the officer's screen is in.
        "{date}": f"{today.year}年{today.month}月{today.day}日",
        "{code}": case.tracking_code,
    }
    out = []
    for template in templates:
        # Plain replacement, not str.format: a template's text may hold other braces.
        text = template.body
        for key, value in values.items():
            text = text.replace(key, value)
        out.append((template, text))
    return out


def _categories(case: Case):  # type: ignore[no-untyped-def]
    return Category.objects.filter(Q(site__isnull=True) | Q(site_id=case.site_id), is_active=True)


def _departments(case: Case):  # type: ignore[no-untyped-def]
    return actions.dispatch_targets(case)


def _forward_targets(case: Case):  # type: ignore[no-untyped-def]
    return _departments(case).exclude(pk=case.lead_department_id)


def _transfer_targets(case: Case):  # type: ignore[no-untyped-def]
    # Only sites that can take the case: it keeps its kind of channel (the action requires one).
    return (
        Site.objects.filter(is_active=True, channels__kind=case.channel.kind, channels__is_active=True)
        .exclude(pk=case.site_id)
        .distinct()
    )


def _pending(queryset):  # type: ignore[no-untyped-def]
    return queryset.filter(state=RequestState.PENDING).select_related("department", "requested_by").order_by(
        "-id").first()


def _case_forms(request: HttpRequest, case: Case, pending_extension: Any, pending_return: Any,
                pending_followup: Any) -> dict[str, Any]:
    """One form per action the user may take on the case as it stands; none for the others."""
    user = request.user
    v = {"version": case.version}
    forms: dict[str, Any] = {}

    def allowed(name: str) -> bool:
        return can_act(user, name, case)  # type: ignore[arg-type]

    def text(name: str, label: str, help_text: str = "", required: bool = True) -> wf.TextForm:
        cls = wf.TextForm if required else wf.OptionalTextForm
        return cls(initial=v, prefix=name, label=label, help_text=help_text)

    if allowed("accept"):
        forms["accept"] = wf.AcceptForm(initial={**v, "publish_agreed": case.wants_public})
    if allowed("reject"):
        forms["reject"] = wf.ReasonForm(initial=v, prefix="reject")
    if allowed("request_info"):
        forms["request_info"] = wf.ReasonForm(initial=v, prefix="info")
    if allowed("merge"):
        forms["merge"] = wf.MergeForm(initial=v)
    if allowed("classify"):
        forms["classify"] = wf.ClassifyForm(
            initial={**v, "category": case.category_id, "priority": case.priority}, categories=_categories(case)
        )
    if allowed("dispatch"):
        forms["dispatch"] = wf.DispatchForm(initial=v, departments=_departments(case))
    if allowed("transfer"):
        forms["transfer"] = wf.TransferForm(initial=v, prefix="transfer", sites=_transfer_targets(case))
    if allowed("receive"):
        forms["receive"] = wf.VersionedForm(initial=v)
    if allowed("forward") and actions.is_leader_office(case.lead_department_id):
        forms["forward"] = wf.ForwardForm(initial=v, prefix="forward", departments=_forward_targets(case))
    if allowed("save_draft"):
        draft = actions.current_draft(case)
        forms["reply"] = wf.ReplyForm(initial={**v, "body": draft.body if draft else ""})
        forms["draft"] = draft
        forms["templates"] = reply_templates(case)
    if allowed("record_contact"):
        forms["record_contact"] = text("record_contact", _("How the citizen was contacted and what was agreed"))
    if allowed("assist"):
        forms["assist"] = text("assist", _("Your department's input"))
    if allowed("pause"):
        forms["pause"] = text("pause", _("What the citizen should provide"),
                              _("Shown to the citizen. The deadline clock stops until handling resumes."))
    if allowed("resume") and case.paused_at is not None:
        forms["resume"] = text("resume", _("Why handling resumes"))
    if allowed("request_extension") and pending_extension is None:
        forms["request_extension"] = wf.ExtensionRequestForm(initial=v, prefix="request_extension")
    if allowed("return") and pending_return is None:
        window_end = actions.return_window_end(case)
        forms["return"] = text("return", _("Why the case is not for your department"))
        forms["return_window_end"] = window_end
        forms["return_in_window"] = timezone.now() <= window_end
    if allowed("decide_extension") and pending_extension is not None:
        forms["decide_extension"] = wf.DecideRequestForm(initial=v, prefix="decide_extension")
    if allowed("decide_return") and pending_return is not None:
        forms["decide_return"] = wf.DecideRequestForm(initial=v, prefix="decide_return")
    if allowed("supervise"):
        forms["supervise"] = wf.SuperviseForm(initial=v, prefix="supervise")
    if allowed("remind"):
        forms["remind"] = text("remind", _("Message to the department (optional)"), required=False)
    if allowed("approve_reply"):
        reply = case.replies.filter(status="submitted").order_by("-id").first()
        forms["review"] = wf.ReviewForm(initial=v)
        forms["reply_under_review"] = reply
        if reply is not None:
            forms["review_mask"] = actions.mask_reply(case, reply.body)
    if allowed("edit_publication"):
        reply = selectors.approved_reply(case)
        forms["publication"] = wf.PublicationForm(initial={
            **v, "publish_agreed": case.publish_agreed and case.wants_public, "public_title": case.public_title,
            "public_body": case.public_body, "public_reply": reply.public_body if reply else "",
        })
    if allowed("decide"):
        forms["decide"] = wf.DecideForm(initial=v)
    if allowed("followup") and pending_followup is not None:
        forms["followup"] = wf.FollowupRecordForm(initial={**v, "followup": pending_followup.pk}, prefix="followup")
    if allowed("note"):
        forms["note"] = text("note", _("Internal note (never shown to the citizen or the public)"))
    forms["can_reveal"] = allowed("reveal_contact")
    return forms


@staff_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_staff_or_404(request.user, pk)  # type: ignore[arg-type]
    revealed = request.session.get("revealed_contact") == case.pk
    calendar, now = work_calendar(), timezone.now()
    pending_extension = _pending(case.extension_requests)
    pending_return = _pending(case.return_requests)
    followups = list(case.followups.select_related("recorded_by").order_by("id"))
    pending_followup = next((f for f in reversed(followups) if f.state == FollowupState.PENDING), None)
    assignments = list(case.assignments.select_related("department").order_by("id"))
    # A supervision's clock stops while the citizen is awaited, in the department or at intake (its
    # due time moves when the wait ends).
    supervisions = [
        (s, *(time_left(calendar, now, s.due_at) if case.status in SUPERVISION_CLOCK_RUNS
              else (_("clock stopped"), False)))
        for s in case.supervisions.filter(closed_at__isnull=True).select_related("created_by")
    ]
    returned = None
    if case.status == Status.RETURNED:
        returned = next((a for a in reversed(assignments) if a.returned_at is not None), None)
    next_due = time_left(calendar, now, case.next_due_at) if case.next_due_at else None
    # The lead's instruction is the leader's (批示) when the last dispatch was the office's forward.
    last_dispatch = case.events.filter(action__in=("dispatch", "forward")).order_by("-created_at", "-id").first()
    return render(request, "workbench/case_detail.html", {
        "case": case,
        "timeline": selectors.case_timeline(case),
        "replies": case.replies.select_related("author", "reviewed_by", "department"),
        "attachments": case.attachments.all(),
        # Assisting departments whose part ended with the reply are still shown: who assisted, and what
        # they sent, stays part of the case.
        "assignments": [a for a in assignments if a.is_active or a.finished_at is not None],
        "lead_assignment": next((a for a in assignments if a.is_active and a.role == AssignmentRole.LEAD), None),
        "assisting": [a for a in assignments if a.is_active and a.role == AssignmentRole.ASSISTING],
        "returned": returned,
        "leaders_instruction": last_dispatch is not None and last_dispatch.action == "forward",
        "ratings": case.ratings.all(),
        "revealed": revealed,
        "deadlines": _deadline_rows(case, calendar, now),
        "next_due": next_due,
        "supervisions": supervisions,
        "pending_extension": pending_extension,
        "pending_return": pending_return,
        "followups": followups,
        **_case_forms(request, case, pending_extension, pending_return, pending_followup),
    })


@staff_required
@require_POST
def reveal_contact(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_staff_or_404(request.user, pk)  # type: ignore[arg-type]
    try:
        actions.case_reveal_contact(case, by=request.user)  # type: ignore[arg-type]
        request.session["revealed_contact"] = case.pk
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("workbench:case", pk=case.pk)


@staff_required  # type: ignore[arg-type]
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    case = selectors.case_for_staff_or_404(request.user, pk)  # type: ignore[arg-type]
    item = get_object_or_404(case.attachments, pk=attachment_id)
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    # Served as a download from our own domain; never rendered inline, so a crafted file cannot script.
    response["Content-Disposition"] = "attachment; filename=attachment" + item.storage_name[-5:].replace("/", "")
    return response


def _run(request: HttpRequest, form: Any, call: Callable[[dict[str, Any]], Any],
         done: str | Callable[[Any], str]) -> None:
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("Please correct the form: %(errors)s") % {"errors": errors})
        return
    try:
        result = call(form.cleaned_data)
    except ActionError as exc:
        messages.error(request, exc.message)
        return
    messages.success(request, done(result) if callable(done) else done)


Handler = tuple[Any, Callable[[dict[str, Any]], Any], "str | Callable[[Any], str]"]


def _handlers(case: Case, user: Any, post: Any) -> dict[str, Callable[[], Handler]]:
    """Action name → a builder of (form, call, success message). Built lazily: only the posted
    action's form is constructed (some need queries)."""

    def ver(d: dict[str, Any]) -> int:
        return int(d["version"])

    def text(name: str, required: bool = True) -> Any:
        return (wf.TextForm if required else wf.OptionalTextForm)(post, prefix=name)

    return {
        "accept": lambda: (wf.AcceptForm(post), lambda d: actions.case_accept(
            case, by=user, note=d["note"], publish_agreed=d["publish_agreed"], expected_version=ver(d)),
            _("The case was accepted.")),
        "reject": lambda: (wf.ReasonForm(post, prefix="reject"), lambda d: actions.case_reject(
            case, by=user, reason=d["reason"], expected_version=ver(d)), _("The case was not accepted.")),
        "request_info": lambda: (wf.ReasonForm(post, prefix="info"), lambda d: actions.case_request_info(
            case, by=user, message=d["reason"], expected_version=ver(d)),
            _("The citizen was asked for more information.")),
        "merge": lambda: (wf.MergeForm(post), lambda d: _merge(case, user, d), _("The case was merged.")),
        "classify": lambda: (wf.ClassifyForm(post, categories=_categories(case)), lambda d: actions.case_classify(
            case, by=user, category=d["category"], priority=d["priority"], expected_version=ver(d)),
            _("Category and priority were saved.")),
        "dispatch": lambda: (wf.DispatchForm(post, departments=_departments(case)), lambda d: actions.case_dispatch(
            case, by=user, lead=d["lead"], assisting=list(d["assisting"]), note=d["note"], expected_version=ver(d)),
            _("The case was dispatched.")),
        "transfer": lambda: (wf.TransferForm(post, prefix="transfer", sites=_transfer_targets(case)),
                             lambda d: actions.case_transfer(case, by=user, to_site=d["to_site"], reason=d["reason"],
                                                             expected_version=ver(d)),
                             _("The case was transferred to the other site's intake.")),
        "receive": lambda: (wf.VersionedForm(post), lambda d: actions.case_receive(
            case, by=user, expected_version=ver(d)), _("You signed for the case.")),
        "forward": lambda: (wf.ForwardForm(post, prefix="forward", departments=_forward_targets(case)),
                            lambda d: actions.case_forward(
                                case, by=user, lead=d["lead"], assisting=list(d["assisting"]),
                                instruction=d["instruction"], expected_version=ver(d)),
                            _("The case was forwarded with the leader's instruction.")),
        "reply": lambda: (wf.ReplyForm(post), lambda d: _reply(case, user, d), _("The reply was saved.")),
        "approve_reply": lambda: (wf.ReviewForm(post), lambda d: actions.case_approve_reply(
            case, by=user, comment=d["comment"], public_reply=d["public_reply"], expected_version=ver(d)),
            _("The reply was approved and sent to the citizen.")),
        "return_reply": lambda: (wf.ReviewForm(post), lambda d: actions.case_return_reply(
            case, by=user, comment=d["comment"], expected_version=ver(d)), _("The reply was sent back.")),
        "edit_publication": lambda: (wf.PublicationForm(post), lambda d: actions.case_edit_publication(
            case, by=user, publish_agreed=d["publish_agreed"], public_title=d["public_title"],
            public_body=d["public_body"], public_reply=d["public_reply"] or None, expected_version=ver(d)),
            _("Publication settings were saved.")),
        "decide": lambda: (wf.DecideForm(post), lambda d: actions.case_decide(
            case, by=user, decision=d["decision"], justification=d["justification"], expected_version=ver(d)),
            _("The decision was recorded.")),
        # the department
        "return": lambda: (text("return"), lambda d: actions.case_return(
            case, by=user, reason=d["text"], expected_version=ver(d)),
            lambda request: _("The case went back to intake.") if request is None else _(
                "The return window has passed: a supervisor will decide on your return.")),
        "record_contact": lambda: (text("record_contact"), lambda d: actions.case_record_contact(
            case, by=user, note=d["text"], expected_version=ver(d)), _("The contact was recorded.")),
        "pause": lambda: (text("pause"), lambda d: actions.case_pause(
            case, by=user, reason=d["text"], expected_version=ver(d)),
            _("The citizen was asked for material; the clock is stopped.")),
        "resume": lambda: (text("resume"), lambda d: actions.case_resume(
            case, by=user, note=d["text"], expected_version=ver(d)), _("Handling resumed; the clock runs again.")),
        "request_extension": lambda: (wf.ExtensionRequestForm(post, prefix="request_extension"),
                                      lambda d: actions.case_request_extension(
                                          case, by=user, kind=d["kind"], working_days=d["working_days"] or 0,
                                          reason=d["reason"], expected_version=ver(d)),
                                      _("The request was sent to the supervisors.")),
        "assist": lambda: (text("assist"), lambda d: actions.case_assist(case, by=user, text=d["text"]),
                           _("Your input was sent to the lead department.")),
        # the supervisor and intake
        "decide_extension": lambda: (wf.DecideRequestForm(post, prefix="decide_extension"),
                                     lambda d: actions.case_decide_extension(
                                         case, by=user, approve=d["approve"], note=d["note"],
                                         expected_version=ver(d)),
                                     _("The decision on the extension was recorded.")),
        "decide_return": lambda: (wf.DecideRequestForm(post, prefix="decide_return"),
                                  lambda d: actions.case_decide_return(
                                      case, by=user, approve=d["approve"], note=d["note"], expected_version=ver(d)),
                                  _("The decision on the return was recorded.")),
        "supervise": lambda: (wf.SuperviseForm(post, prefix="supervise"), lambda d: actions.case_supervise(
            case, by=user, instruction=d["instruction"], working_days=d["working_days"], expected_version=ver(d)),
            _("The case is under supervision.")),
        "remind": lambda: (text("remind", required=False), lambda d: actions.case_remind(
            case, by=user, note=d["text"]), _("A reminder was sent.")),
        "followup": lambda: (wf.FollowupRecordForm(post, prefix="followup"), lambda d: _followup(case, user, d),
                             _("The return visit was recorded.")),
        "note": lambda: (text("note"), lambda d: actions.case_add_note(case, by=user, text=d["text"]),
                         _("The note was added.")),
    }


@staff_required
@require_POST
def act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user = request.user
    case = selectors.case_for_staff_or_404(user, pk)  # type: ignore[arg-type]
    builder = _handlers(case, user, request.POST).get(name)
    if builder is None:
        raise Http404
    _run(request, *builder())
    # A return, a transfer or a forward can take the case out of the user's scope.
    if not selectors.cases_for_staff(user).filter(pk=case.pk).exists():  # type: ignore[arg-type]
        return redirect("workbench:home")
    return redirect("workbench:case", pk=case.pk)


def _merge(case: Case, user: Any, data: dict[str, Any]) -> None:
    from minsheng.cases.tracking import normalise_code

    target = selectors.cases_for_staff(user).filter(tracking_code=normalise_code(data["into"])).first()
    if target is None:
        raise ActionError(_("No case with this tracking code in your scope."))
    actions.case_merge(case, by=user, into=target, note=data["note"], expected_version=int(data["version"]))


def _reply(case: Case, user: Any, data: dict[str, Any]) -> None:
    if data["submit_for_review"]:
        actions.case_submit_reply(case, by=user, body=data["body"], expected_version=int(data["version"]))
    else:
        actions.case_save_draft(case, by=user, body=data["body"], expected_version=int(data["version"]))


def _followup(case: Case, user: Any, data: dict[str, Any]) -> Any:
    followup = case.followups.filter(pk=data["followup"]).first()
    if followup is None:
        raise ActionError(_("This return visit does not belong to this case."))
    reached = data["reached"]
    return actions.case_record_followup(
        followup, by=user, reached=reached, satisfaction=data["satisfaction"] if reached else "",
        solved=data["solved"] if reached else None, answer=data["answer"],
    )
