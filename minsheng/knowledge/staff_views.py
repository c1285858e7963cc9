"""Staff pages of the knowledge base: list, write, review, publish, withdraw; entry from a reply."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.cases import selectors as case_selectors
from minsheng.knowledge import actions, selectors
from minsheng.knowledge.actions import KnowledgeError
from minsheng.knowledge.forms import DecisionForm, EntryForm
from minsheng.knowledge.models import EntryStatus, KnowledgeEntry
from minsheng.sites.models import Site
from minsheng.workbench.views import staff_required


def _writable_sites(user: object):  # type: ignore[no-untyped-def]
    return Site.objects.filter(pk__in=actions.staff_site_ids(user)).order_by("name")  # type: ignore[arg-type]


@staff_required
def entry_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    entries = selectors.staff_entries(request.user)  # type: ignore[arg-type]
    if status in EntryStatus.values:
        entries = entries.filter(status=status)
    return render(request, "knowledge/staff_list.html", {
        "entries": entries[:200], "status": status, "statuses": EntryStatus.choices,
    })


@staff_required
def entry_new(request: HttpRequest) -> HttpResponse:
    sites = _writable_sites(request.user)
    form = EntryForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        try:
            entry = actions.entry_create(site=form.cleaned_data["site"], by=request.user,  # type: ignore[arg-type]
                                         data=form.entry_data())
        except KnowledgeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The entry was saved as a draft. Someone else must review it."))
            return redirect("knowledge_staff:entry", pk=entry.pk)
    return render(request, "knowledge/staff_entry.html", {"form": form, "entry": None})


def _decision_forms(user: object, entry: KnowledgeEntry) -> dict[str, DecisionForm]:
    v = {"version": entry.version}
    forms: dict[str, DecisionForm] = {}
    if entry.status == EntryStatus.DRAFT and actions.can_review(user, entry):  # type: ignore[arg-type]
        forms["review"] = DecisionForm(initial=v, prefix="review")
    if entry.status == EntryStatus.REVIEWED and actions.can_publish(user, entry.site_id):  # type: ignore[arg-type]
        forms["publish"] = DecisionForm(initial=v, prefix="publish")
    if entry.status != EntryStatus.WITHDRAWN and actions.can_publish(user, entry.site_id):  # type: ignore[arg-type]
        forms["withdraw"] = DecisionForm(initial=v, prefix="withdraw")
    return forms


@staff_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    entry = selectors.staff_entry_or_404(user, pk)  # type: ignore[arg-type]
    initial = {
        "site": entry.site_id, "category": entry.category_id, "question": entry.question, "answer": entry.answer,
        "policy_title": entry.policy_title, "policy_url": entry.policy_url, "valid_from": entry.valid_from,
        "valid_to": entry.valid_to, "version": entry.version,
    }
    sites = Site.objects.filter(pk=entry.site_id)
    form = EntryForm(request.POST or None, initial=initial, sites=sites)
    editable = entry.status != EntryStatus.WITHDRAWN and actions.can_write(user, entry.site_id)  # type: ignore[arg-type]
    if request.method == "POST":
        if not editable:
            raise Http404
        if form.is_valid():
            try:
                actions.entry_edit(entry, by=user, data=form.entry_data(),  # type: ignore[arg-type]
                                   expected_version=form.cleaned_data["version"])
            except KnowledgeError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The entry was saved. A changed entry needs a new review."))
                return redirect("knowledge_staff:entry", pk=entry.pk)
    return render(request, "knowledge/staff_entry.html", {
        "form": form if editable else None, "entry": entry, "events": entry.events.select_related("actor"),
        "decisions": _decision_forms(user, entry), "is_current": entry.is_current(),
    })


@staff_required
@require_POST
def entry_act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user = request.user
    entry = selectors.staff_entry_or_404(user, pk)  # type: ignore[arg-type]
    if name not in ("review", "publish", "withdraw"):
        raise Http404
    form = DecisionForm(request.POST, prefix=name)
    if not form.is_valid():
        messages.error(request, _("Please reload the page and try again."))
        return redirect("knowledge_staff:entry", pk=entry.pk)
    version, note = form.cleaned_data["version"], form.cleaned_data["note"]
    try:
        if name == "review":
            actions.entry_review(entry, by=user, note=note, expected_version=version)  # type: ignore[arg-type]
            messages.success(request, _("The entry was reviewed."))
        elif name == "publish":
            actions.entry_publish(entry, by=user, expected_version=version)  # type: ignore[arg-type]
            messages.success(request, _("The entry was published."))
        else:
            actions.entry_withdraw(entry, by=user, reason=note, expected_version=version)  # type: ignore[arg-type]
            messages.success(request, _("The entry was withdrawn."))
    except KnowledgeError as exc:
        messages.error(request, str(exc))
    return redirect("knowledge_staff:entry", pk=entry.pk)


@staff_required
@require_POST
def entry_from_case(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_selectors.case_for_staff_or_404(request.user, case_pk)  # type: ignore[arg-type]
    try:
        entry = actions.entry_from_case(case, by=request.user)  # type: ignore[arg-type]
    except KnowledgeError as exc:
        messages.error(request, str(exc))
        return redirect("workbench:case", pk=case.pk)
    messages.success(request, _("A draft entry was made from the reply. Check the wording and the policy basis."))
    return redirect("knowledge_staff:entry", pk=entry.pk)
