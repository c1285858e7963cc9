"""Staff pages of the metrics engine: the supervisor's queue of exclusions and appeals, the forms
that file them, and the streaming case export. Thin: parse, check scope, call an action, render.

Scope: a request is filed only on a case the user can see (cases.selectors) and only by whoever
`actions.can_request_exclusion` allows; decisions only by supervisors of the case's (or the
department's) site; anything else is a 404, as for every staff URL.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.models import RoleKind, User
from minsheng.accounts.scopes import scope_for
from minsheng.cases import queues as cq
from minsheng.cases.actions import ActionError
from minsheng.cases.selectors import case_for_staff_or_404, cases_for_staff
from minsheng.cases.tracking import normalise_code
from minsheng.metrics import actions, exporting
from minsheng.metrics.forms import FIGURE_LABELS, AppealForm, DecisionForm, ExclusionRequestForm
from minsheng.metrics.models import Appeal, Exclusion, RequestState
from minsheng.workbench.queues import QueueFilterForm, filter_options
from minsheng.workbench.views import staff_required


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _errors(form: Any) -> str:
    """“Label: message” for every error, so that the person knows which field to correct."""
    out: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        out.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return "; ".join(out)


def _supervised_sites(user: User) -> frozenset[int]:
    sites = scope_for(user).sites(RoleKind.SUPERVISOR)
    if not sites:
        raise Http404
    return sites


@staff_required
def review(request: HttpRequest) -> HttpResponse:
    """The queue of exclusions and appeals of the user's sites: supervisors decide them, intake
    officers and administrators follow them. The one entry in the staff menu: department staff land on their appeals."""
    user = _user(request)
    scope = scope_for(user)
    deciding = scope.sites(RoleKind.SUPERVISOR)
    # Intake officers and administrators follow the queue without deciding.
    sites = deciding | scope.sites(RoleKind.INTAKE, RoleKind.ADMIN)
    if not sites:
        if actions.appeal_departments(user):
            return redirect("metrics_staff:appeals")
        raise Http404
    exclusions = Exclusion.objects.filter(case__site_id__in=sites).select_related(
        "case", "department", "requested_by", "decided_by")
    appeals = Appeal.objects.filter(site_id__in=sites).select_related("department", "case", "filed_by", "decided_by")
    pending_exclusions = list(exclusions.filter(state=RequestState.PENDING).order_by("created_at", "id"))
    pending_appeals = list(appeals.filter(state=RequestState.PENDING).order_by("created_at", "id"))
    for exclusion in pending_exclusions:
        exclusion.decidable = exclusion.case.site_id in deciding  # type: ignore[attr-defined]
    for appeal in pending_appeals:
        appeal.decidable = appeal.site_id in deciding  # type: ignore[attr-defined]
    return render(request, "metrics/review.html", {
        "pending_exclusions": pending_exclusions, "pending_appeals": pending_appeals,
        "decided_exclusions": exclusions.exclude(state=RequestState.PENDING).order_by("-decided_at", "-id")[:20],
        "decided_appeals": appeals.exclude(state=RequestState.PENDING).order_by("-decided_at", "-id")[:20],
        "form": DecisionForm(), "figures": FIGURE_LABELS,
    })


@staff_required
@require_POST
def request_exclusion(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = case_for_staff_or_404(user, pk)
    if not actions.can_request_exclusion(user, case):
        raise Http404
    form = ExclusionRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the form: %(errors)s") % {"errors": _errors(form)})
    else:
        try:
            actions.exclusion_request(case, by=user, reason=form.cleaned_data["reason"])
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Exclusion requested; a supervisor will decide."))
    return redirect("workbench:case", pk=case.pk)


@staff_required
@require_POST
def decide_exclusion(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    exclusion = get_object_or_404(Exclusion.objects.select_related("case"), pk=pk,
                                  case__site_id__in=_supervised_sites(user))
    _decide(request, lambda approve, note: actions.exclusion_decide(exclusion, by=user, approve=approve, note=note))
    if request.POST.get("next") == "case":
        return redirect("workbench:case", pk=exclusion.case_id)
    return redirect(reverse("metrics_staff:review"))


@staff_required
@require_POST
def decide_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    appeal = get_object_or_404(Appeal, pk=pk, site_id__in=_supervised_sites(user))
    _decide(request, lambda approve, note: actions.appeal_decide(appeal, by=user, uphold=approve, note=note))
    return redirect("metrics_staff:review")


def _decide(request: HttpRequest, call: Any) -> None:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the form: %(errors)s") % {"errors": _errors(form)})
        return
    try:
        call(form.cleaned_data["decision"] == "approve", form.cleaned_data["note"])
    except ActionError as exc:
        messages.error(request, exc.message)
        return
    messages.success(request, _("Decision recorded."))


@staff_required
def appeals(request: HttpRequest) -> HttpResponse:
    """A department's appeals against its figures: the form and the decisions so far."""
    user = _user(request)
    departments = actions.appeal_departments(user)
    if not departments:
        raise Http404
    form = AppealForm(request.POST or None, departments=departments, initial={
        "start": timezone.localdate().replace(day=1), "end": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        department = next(d for d in departments if d.pk == data["department"])
        case = None
        code = normalise_code(data["tracking_code"] or "")
        if code:
            case = cases_for_staff(user).filter(tracking_code=code).first()
            if case is None:
                form.add_error("tracking_code", _("No case with this tracking code among your cases."))
        if form.is_valid():
            try:
                actions.appeal_file(by=user, department=department, figure=data["figure"], start=data["start"],
                                    end=data["end"], reason=data["reason"], case=case)
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Appeal filed; a supervisor will decide."))
                return redirect("metrics_staff:appeals")
    filed = Appeal.objects.filter(department__in=departments).select_related(
        "department", "case", "decided_by").order_by("-created_at", "-id")[:50]
    return render(request, "metrics/appeals.html", {"form": form, "appeals": filed, "figures": FIGURE_LABELS},
                  status=400 if request.method == "POST" else 200)


@staff_required
def export(request: HttpRequest) -> HttpResponse:
    """The cases in the user's scope with the queue's filters, as CSV or XLSX, streamed."""
    user = _user(request)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        return HttpResponse(_("Unknown format: choose csv or xlsx."), status=400, content_type="text/plain; charset=utf-8")
    options = filter_options(scope_for(user))
    at = cq.clock(sites=options.site_leads)
    form = QueueFilterForm(request.GET, options=options)
    if not form.is_valid():
        return HttpResponse(_("Please correct the filters: %(errors)s") % {"errors": _errors(form)}, status=400,
                            content_type="text/plain; charset=utf-8")
    queryset = cq.apply_filters(cq.queue_cases(user, form.cleaned_data.get("queue") or None, at),
                                form.to_filters(), at)
    stamp = f"{timezone.localdate():%Y%m%d}"
    cells = exporting.rows(queryset, as_of=at.now)
    if fmt == "csv":
        response = StreamingHttpResponse(exporting.csv_lines(cells), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.csv"'
        return response  # type: ignore[return-value]  # streamed: staff_required is typed for HttpResponse
    # XLSX is a zip that openpyxl finishes only at the end: rows go to a temporary file (write-only
    # mode keeps memory flat), which is then streamed and removed when closed.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    exporting.write_xlsx(cells, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"cases-{stamp}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # type: ignore[return-value]


def pending_count(user: User) -> int:
    sites = scope_for(user).sites(RoleKind.SUPERVISOR)
    if not sites:
        return 0
    return (Exclusion.objects.filter(state=RequestState.PENDING, case__site_id__in=sites).count()
            + Appeal.objects.filter(state=RequestState.PENDING, site_id__in=sites).count())

