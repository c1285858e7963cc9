"""Staff pages of routing: model versions and settings (administrators), undo of an automatic dispatch
(intake). Thin: reads through `selectors`, writes through `actions`/`training` and the case actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.cases import actions as case_actions
from minsheng.cases import selectors as case_selectors
from minsheng.routing import actions, selectors
from minsheng.routing.forms import SettingsForm, UndoForm
from minsheng.routing.models import RouterModel, RoutingEvent
from minsheng.sites.models import Category, Department
from minsheng.workbench.views import staff_required


def _require_admin(request: HttpRequest) -> None:
    user: Any = request.user
    if not (selectors.admin_sites(user).exists() or selectors.manages_global_models(user)):
        raise Http404


def _label_names(model: RouterModel) -> dict[str, dict[str, str]]:
    """Labels are ids; administrators read names."""
    ev = model.evaluation or {}
    cats = [int(k) for k in ev.get("category", {}).get("per_class", {})]
    deps = [int(k) for k in ev.get("department", {}).get("per_class", {})]
    return {
        "category": {str(c.pk): c.path for c in Category.objects.filter(pk__in=cats)},
        "department": {str(d.pk): d.name for d in Department.objects.filter(pk__in=deps)},
    }


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    user: Any = request.user
    sites = list(selectors.admin_sites(user))
    versions = list(selectors.models_for_admin(user))
    panels = []
    for site in sites:
        settings = selectors.settings_for(site)
        panels.append({
            "site": site,
            "form": SettingsForm(initial={"auto_dispatch": settings.auto_dispatch, "threshold": settings.threshold,
                                          "words": settings.words}, prefix=f"s{site.pk}"),
            "versions": [m for m in versions if m.site_id == site.pk],
        })
    return render(request, "routing/index.html", {
        "panels": panels,
        "global_versions": [m for m in versions if m.site_id is None],
        "manages_global": selectors.manages_global_models(user),
        "events": RoutingEvent.objects.filter(site__in=sites).select_related("actor", "model", "site")[:20],
    })


@staff_required
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    model = selectors.model_for_admin_or_404(request.user, pk)  # type: ignore[arg-type]
    names = _label_names(model)
    parts = []
    for kind, title in (("category", _("Category")), ("department", _("Lead department"))):
        ev = (model.evaluation or {}).get(kind)
        if not ev:
            continue
        rows = sorted(
            ((names[kind].get(label, label), m) for label, m in ev["per_class"].items()),
            key=lambda r: -r[1]["support"],
        )
        parts.append({"kind": kind, "title": title, "ev": ev, "rows": rows})
    return render(request, "routing/model.html", {"model": model, "parts": parts})


@staff_required
@require_POST
def activate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    model = selectors.model_for_admin_or_404(request.user, pk)  # type: ignore[arg-type]
    actions.activate_model(model, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Version %(version)s is now in use.") % {"version": model.version})
    return redirect("routing_staff:index")


@staff_required
@require_POST
def train(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    user: Any = request.user
    raw = request.POST.get("site", "")
    if raw == "global":
        if not selectors.manages_global_models(user):
            raise Http404
        site_id = None
    else:
        site = selectors.admin_sites(user).filter(pk=int(raw) if raw.isdigit() else -1).first()
        if site is None:
            raise Http404
        site_id = site.pk
    from django.db import transaction

    from minsheng.routing.tasks import train_site_model

    # The worker trains (a large site's history takes up to a minute); the page does not wait.
    transaction.on_commit(lambda: train_site_model(site_id, user.pk))
    messages.success(request, _("Training has started. The new version appears here when it is ready."))
    return redirect("routing_staff:index")


@staff_required
@require_POST
def edit_settings(request: HttpRequest, site_id: int) -> HttpResponse:
    _require_admin(request)
    site = selectors.admin_sites(request.user).filter(pk=site_id).first()  # type: ignore[arg-type]
    if site is None:
        raise Http404
    form = SettingsForm(request.POST, prefix=f"s{site.pk}")
    if form.is_valid():
        try:
            actions.save_settings(site, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Routing settings of %(site)s saved.") % {"site": site.name})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("routing_staff:index")


@staff_required
@require_POST
def undo_auto_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_selectors.case_for_staff_or_404(request.user, pk)  # type: ignore[arg-type]
    form = UndoForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete. Please reload the page and try again."))
        return redirect("workbench:case", pk=case.pk)
    try:
        case_actions.case_undo_auto_dispatch(
            case, by=request.user, reason=form.cleaned_data["reason"],  # type: ignore[arg-type]
            expected_version=form.cleaned_data["version"],
        )
    except case_actions.ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The automatic dispatch was undone; the case awaits dispatch."))
    return redirect("workbench:case", pk=case.pk)
