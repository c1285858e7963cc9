"""Staff pages. Every case is fetched through a scoped accessor: outside your scope is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from minsheng.accounts.scopes import scope_for
from minsheng.cases import actions, selectors
from minsheng.cases.actions import ActionError, can_act
from minsheng.cases.models import Case, Status
from minsheng.sites.models import Category
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


def _case_forms(request: HttpRequest, case: Case) -> dict[str, Any]:
    user = request.user
    v = {"version": case.version}
    forms: dict[str, Any] = {}

    def allowed(name: str) -> bool:
        return can_act(user, name, case)  # type: ignore[arg-type]

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
    if allowed("receive"):
        forms["receive"] = wf.VersionedForm(initial=v)
    if allowed("save_draft"):
        draft = actions._current_draft(case)
        forms["reply"] = wf.ReplyForm(initial={**v, "body": draft.body if draft else ""})
        forms["draft"] = draft
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
    forms["can_reveal"] = allowed("reveal_contact")
    return forms


def _categories(case: Case):  # type: ignore[no-untyped-def]
    return Category.objects.filter(Q(site__isnull=True) | Q(site_id=case.site_id), is_active=True)


def _departments(case: Case):  # type: ignore[no-untyped-def]
    from minsheng.sites.models import Department

    return Department.objects.filter(site_id__in=case.site.descendant_ids(), is_active=True).select_related("site")


@staff_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_staff_or_404(request.user, pk)  # type: ignore[arg-type]
    revealed = request.session.get("revealed_contact") == case.pk
    return render(request, "workbench/case_detail.html", {
        "case": case,
        "timeline": selectors.case_timeline(case),
        "replies": case.replies.select_related("author", "reviewed_by", "department"),
        "attachments": case.attachments.all(),
        "assignments": case.assignments.filter(is_active=True).select_related("department"),
        "ratings": case.ratings.all(),
        "revealed": revealed,
        **_case_forms(request, case),
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


@staff_required
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    case = selectors.case_for_staff_or_404(request.user, pk)  # type: ignore[arg-type]
    item = get_object_or_404(case.attachments, pk=attachment_id)
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    # Served as a download from our own domain; never rendered inline, so a crafted file cannot script.
    response["Content-Disposition"] = "attachment; filename=attachment" + item.storage_name[-5:].replace("/", "")
    return response


def _run(request: HttpRequest, case: Case, form: Any, call: Callable[[dict[str, Any]], Any], done: str) -> None:
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("Please correct the form: %(errors)s") % {"errors": errors})
        return
    try:
        call(form.cleaned_data)
    except ActionError as exc:
        messages.error(request, exc.message)
        return
    messages.success(request, done)


@staff_required
@require_POST
def act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user = request.user
    case = selectors.case_for_staff_or_404(user, pk)  # type: ignore[arg-type]
    post = request.POST

    def ver(d: dict[str, Any]) -> int:
        return int(d["version"])

    handlers: dict[str, tuple[Any, Callable[[dict[str, Any]], Any], str]] = {
        "accept": (wf.AcceptForm(post), lambda d: actions.case_accept(
            case, by=user, note=d["note"], publish_agreed=d["publish_agreed"], expected_version=ver(d)),
            _("The case was accepted.")),
        "reject": (wf.ReasonForm(post, prefix="reject"), lambda d: actions.case_reject(
            case, by=user, reason=d["reason"], expected_version=ver(d)), _("The case was not accepted.")),
        "request_info": (wf.ReasonForm(post, prefix="info"), lambda d: actions.case_request_info(
            case, by=user, message=d["reason"], expected_version=ver(d)), _("The citizen was asked for more information.")),
        "merge": (wf.MergeForm(post), lambda d: _merge(case, user, d), _("The case was merged.")),
        "classify": (wf.ClassifyForm(post, categories=_categories(case)), lambda d: actions.case_classify(
            case, by=user, category=d["category"], priority=d["priority"], expected_version=ver(d)),
            _("Category and priority were saved.")),
        "dispatch": (wf.DispatchForm(post, departments=_departments(case)), lambda d: actions.case_dispatch(
            case, by=user, lead=d["lead"], assisting=list(d["assisting"]), note=d["note"], expected_version=ver(d)),
            _("The case was dispatched.")),
        "receive": (wf.VersionedForm(post), lambda d: actions.case_receive(case, by=user, expected_version=ver(d)),
                    _("You signed for the case.")),
        "reply": (wf.ReplyForm(post), lambda d: _reply(case, user, d), _("The reply was saved.")),
        "approve_reply": (wf.ReviewForm(post), lambda d: actions.case_approve_reply(
            case, by=user, comment=d["comment"], public_reply=d["public_reply"], expected_version=ver(d)),
            _("The reply was approved and sent to the citizen.")),
        "return_reply": (wf.ReviewForm(post), lambda d: actions.case_return_reply(
            case, by=user, comment=d["comment"], expected_version=ver(d)), _("The reply was sent back.")),
        "edit_publication": (wf.PublicationForm(post), lambda d: actions.case_edit_publication(
            case, by=user, publish_agreed=d["publish_agreed"], public_title=d["public_title"],
            public_body=d["public_body"], public_reply=d["public_reply"] or None, expected_version=ver(d)),
            _("Publication settings were saved.")),
        "decide": (wf.DecideForm(post), lambda d: actions.case_decide(
            case, by=user, decision=d["decision"], justification=d["justification"], expected_version=ver(d)),
            _("The decision was recorded.")),
    }
    if name not in handlers:
        raise Http404
    form, call, done = handlers[name]
    _run(request, case, form, call, done)
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
