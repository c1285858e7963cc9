"""Queue pages, bulk actions, the supervisor board and staff notices (issue 3).

Thin views: the queue definitions, keyset pages and the board live in `minsheng.cases.queues`; every
state change goes through `minsheng.cases.actions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minsheng.accounts.models import RoleKind, User
from minsheng.accounts.scopes import Scope, scope_for
from minsheng.cases import actions
from minsheng.cases import queues as cq
from minsheng.cases.actions import ActionError
from minsheng.cases.deadlines import work_calendar
from minsheng.cases.models import Priority, Status
from minsheng.cases.selectors import cases_for_staff
from minsheng.notifications.models import StaffNotice
from minsheng.sites.models import Category, Channel, Department, Site
from minsheng.workbench.rows import FastSelect, options_html, queue_rows
from minsheng.workbench.views import staff_required

BULK_LIMIT = 200
DISPATCH_ROLES = (RoleKind.INTAKE, RoleKind.ADMIN)
REMIND_ROLES = (RoleKind.INTAKE, RoleKind.SUPERVISOR, RoleKind.ADMIN)


# ---- what the filters offer: the user's sites, departments, channels, categories (4 queries) -----


@dataclass
class Options:
    site_leads: list[tuple[int, int]]  # every site: (id, reminder lead hours), for the Clock
    sites: list[tuple[int, str]]
    departments: list[tuple[int, str]]
    channels: list[tuple[int, str]]
    categories: list[tuple[int, str]]
    children: dict[int, list[int]]  # category id -> child ids, for "a parent finds its children"

    def category_and_below(self, pk: int) -> list[int]:
        out, frontier = [pk], [pk]
        while frontier:
            frontier = [c for f in frontier for c in self.children.get(f, ())]
            out.extend(frontier)
        return out


def filter_options(scope: Scope) -> Options:
    """What the queue filters offer this user (also used by the staff export of the metrics app)."""
    # Tuples, not model instances: a city has hundreds of categories and this runs on every page.
    all_sites = list(Site.objects.order_by("pk").values_list("pk", "name", "reminder_lead_hours"))
    site_ids = set(scope.sites())
    departments = list(
        Department.objects.filter(Q(site_id__in=site_ids) | Q(pk__in=scope.departments()))
        .order_by("site_id", "sort_order", "pk").values_list("pk", "name", "site_id")
    )
    visible = site_ids | {site_id for _pk, _name, site_id in departments}
    names = {pk: name for pk, name, _hours in all_sites}
    many_sites = len(visible) > 1

    def with_site(site_id: int, name: str) -> str:
        return f"{names.get(site_id, '')} · {name}" if many_sites else name

    channels = Channel.objects.filter(site_id__in=visible).order_by("site_id", "sort_order").values_list(
        "pk", "name", "site_id")
    categories = list(
        Category.objects.filter(Q(site__isnull=True) | Q(site_id__in=visible)).order_by("level", "pk")
        .values_list("pk", "name", "parent_id")
    )
    by_pk = {pk: (name, parent) for pk, name, parent in categories}
    children: dict[int, list[int]] = {}
    for pk, _name, parent in categories:
        if parent:
            children.setdefault(parent, []).append(pk)

    def path(pk: int) -> str:
        name, parent = by_pk[pk]
        parts, seen = [name], {pk}
        while parent and parent in by_pk and parent not in seen:
            seen.add(parent)
            name, parent_of_parent = by_pk[parent]
            parts.append(name)
            parent = parent_of_parent
        return " / ".join(reversed(parts))

    return Options(
        site_leads=[(pk, hours) for pk, _name, hours in all_sites],
        sites=[(pk, name) for pk, name, _hours in all_sites if pk in visible],
        departments=[(pk, with_site(site_id, name)) for pk, name, site_id in departments],
        channels=[(pk, with_site(site_id, name)) for pk, name, site_id in channels],
        categories=sorted(((pk, path(pk)) for pk in by_pk), key=lambda item: item[1]),
        children=children,
    )


def _choices(rows: list[tuple[int, str]], empty: Any) -> list[tuple[str, Any]]:
    return [("", empty), *[(str(pk), label) for pk, label in rows]]


class QueueFilterForm(forms.Form):
    """Every field optional; a value that does not parse is reported and ignored, never a 500."""

    queue = forms.ChoiceField(label=gettext_lazy("Queue"), required=False, widget=FastSelect)
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=50, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": gettext_lazy("Tracking code or title")}))
    site = forms.TypedChoiceField(label=gettext_lazy("Site"), required=False, coerce=int, widget=FastSelect, empty_value=None)
    department = forms.TypedChoiceField(label=gettext_lazy("Department"), required=False, coerce=int, widget=FastSelect,
                                        empty_value=None)
    channel = forms.TypedChoiceField(label=gettext_lazy("Channel"), required=False, coerce=int, widget=FastSelect, empty_value=None)
    category = forms.TypedChoiceField(label=gettext_lazy("Category"), required=False, coerce=int, widget=FastSelect, empty_value=None)
    priority = forms.ChoiceField(label=gettext_lazy("Priority"), required=False, widget=FastSelect,
                                 choices=[("", gettext_lazy("Any")), *Priority.choices])
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, widget=FastSelect,
                               choices=[("", gettext_lazy("Any")), *Status.choices])
    sort = forms.ChoiceField(label=gettext_lazy("Order"), required=False, widget=FastSelect, choices=[
        ("", gettext_lazy("Default")), ("due", gettext_lazy("Deadline first")),
        ("submitted", gettext_lazy("Newest first"))])
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    after = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)

    def __init__(self, *args: Any, options: Options, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.options = options
        # "from" and "to" are Python keywords: added by name.
        self.fields["from"] = forms.DateField(label=gettext_lazy("Submitted from"), required=False,
                                              widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["to"] = forms.DateField(label=gettext_lazy("Submitted to"), required=False,
                                            widget=forms.DateInput(attrs={"type": "date"}))
        self.order_fields(["q", "queue", "site", "department", "channel", "category", "priority", "status",
                           "from", "to", "overdue", "sort", "after"])
        any_ = gettext_lazy("Any")
        self.fields["queue"].choices = [("", gettext_lazy("All cases")),  # type: ignore[attr-defined]
                                        *[(name, q.label) for name, q in cq.QUEUES.items()]]
        self.fields["site"].choices = _choices(options.sites, any_)  # type: ignore[attr-defined]
        self.fields["department"].choices = _choices(options.departments, any_)  # type: ignore[attr-defined]
        self.fields["channel"].choices = _choices(options.channels, any_)  # type: ignore[attr-defined]
        self.fields["category"].choices = _choices(options.categories, any_)  # type: ignore[attr-defined]

    def to_filters(self) -> cq.Filters:
        """The cleaned values as queue filters (a category finds everything below it)."""
        data = self.cleaned_data
        category = data.get("category")
        return cq.Filters(
            site=data.get("site"), department=data.get("department"), channel=data.get("channel"),
            category_ids=self.options.category_and_below(category) if category else None,
            priority=data.get("priority") or "", status=data.get("status") or "",
            submitted_from=data.get("from"), submitted_to=data.get("to"),
            overdue_only=bool(data.get("overdue")), text=(data.get("q") or "").strip(),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("from"), data.get("to")  # type: ignore[union-attr]
        if start and end and start > end:
            self.add_error("to", _("The end date is before the start date."))
        return data  # type: ignore[return-value]


def _errors(form: forms.Form) -> list[str]:
    out = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            out.append(f"{label}: {error}" if label else str(error))
    return out


def _query(params: QueryDict, **changes: str | None) -> str:
    q = params.copy()
    for key, value in changes.items():
        q.pop(key, None)
        if value:
            q[key] = value
    return q.urlencode()


# ---- pages -------------------------------------------------------------------------------------


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    scope = scope_for(user)
    counts = cq.queue_counts(user, cq.clock())
    first, other = cq.queues_for(scope)
    queues = [(name, cq.QUEUES[name].label, counts[name]) for name in first + other]
    return render(request, "workbench/home.html", {
        "queues": queues, "primary": queues[: len(first)], "secondary": queues[len(first):],
        "show_board": cq.can_see_board(user), "scope": scope,
    })


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    scope = scope_for(user)
    options = filter_options(scope)
    at = cq.clock(sites=options.site_leads)
    form = QueueFilterForm(request.GET, options=options)
    form.is_valid()
    data = form.cleaned_data
    errors = _errors(form)

    name = data.get("queue") or None
    filters = form.to_filters()
    scope_condition = cq.queue_scope(user, name)
    qs = cq.apply_filters(cq.queue_cases(user, name, at, scope_condition), filters, at)
    sort = data.get("sort") or (cq.QUEUES[name].sort if name else "submitted")
    has_due = bool(name and cq.QUEUES[name].has_due) or filters.overdue_only
    after = data.get("after") or None
    parts = cq.queue_parts(user, name, at, filters, scope_condition) if sort == "due" else None
    try:
        page = cq.page(qs, sort=sort, after=after, has_due=has_due, size=cq.PAGE_SIZE, parts=parts)
    except cq.BadCursor:
        errors.append(_("The page link is not valid; showing the first page."))
        after = None
        page = cq.page(qs, sort=sort, has_due=has_due, size=cq.PAGE_SIZE, parts=parts)
    count, capped = cq.capped_count(qs)

    calendar = work_calendar()
    late_supervision = cq.overdue_supervisions(page.object_list, at.now)
    for case in page.object_list:
        case.left = cq.time_left(  # type: ignore[attr-defined]
            case.next_due_at, now=at.now, calendar=calendar, lead_hours=at.lead_for(case.site_id),
            paused=case.status == Status.NEED_INFO)
        case.redline = cq.redline(case, at.now)  # type: ignore[attr-defined]
        case.supervision_overdue = case.pk in late_supervision  # type: ignore[attr-defined]

    can_dispatch = bool(scope.sites(*DISPATCH_ROLES))
    can_remind = bool(scope.sites(*REMIND_ROLES))
    dispatch_departments = options_html(options.departments) if can_dispatch else ""
    return render(request, "workbench/queue.html", {
        "form": form, "errors": errors, "page": page, "rows": queue_rows(page.object_list, can_bulk=can_dispatch or can_remind), "queue": cq.QUEUES.get(name or ""),
        "queue_name": name or "", "title": cq.QUEUES[name].label if name else _("All cases"),
        "count": count, "capped": capped, "sort": sort,
        "next_query": _query(request.GET, after=page.next_cursor) if page.has_next else "",
        "first_query": _query(request.GET, after=None) if after else "",
        "can_bulk": can_dispatch or can_remind, "can_dispatch": can_dispatch, "can_remind": can_remind,
        "dispatch_departments": dispatch_departments, "here": request.get_full_path(),
        "bulk_limit": BULK_LIMIT,
    })


@staff_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Dispatch or remind several cases. Each case is fetched through the scoped selector and acted
    on in its own call, so one refusal does not stop the others; a case outside the user's scope is
    reported as not found and never touched."""
    user: User = request.user  # type: ignore[assignment]
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("workbench:queue")
    action = request.POST.get("action", "")
    if action not in ("dispatch", "remind"):
        messages.error(request, _("Choose what to do with the selected cases."))
        return redirect(target)

    selected: list[tuple[str, int | None, int | None]] = []  # (as posted, id, version)
    for raw in request.POST.getlist("case")[: BULK_LIMIT + 1]:
        pk_text, _sep, version_text = raw.partition(":")
        try:
            selected.append((raw, int(pk_text), int(version_text) if version_text else None))
        except ValueError:
            selected.append((raw, None, None))
    if not selected:
        messages.error(request, _("Select at least one case."))
        return redirect(target)
    if len(selected) > BULK_LIMIT:
        messages.error(request, _("Select at most %(n)d cases at once.") % {"n": BULK_LIMIT})
        return redirect(target)

    lead = None
    if action == "dispatch":
        lead_text = request.POST.get("lead", "")
        lead = Department.objects.filter(pk=int(lead_text), is_active=True).first() if lead_text.isdigit() else None
        if lead is None:
            messages.error(request, _("Choose the lead department."))
            return redirect(target)
    note = request.POST.get("note", "").strip()[:500]

    ids = [pk for _raw, pk, _v in selected if pk is not None]
    found = {c.pk: c for c in cases_for_staff(user).filter(pk__in=ids).select_related("site", "channel")}
    done, refused = 0, []
    for raw, pk, version in selected:
        case = found.get(pk) if pk is not None else None
        if case is None:
            refused.append(f"#{raw[:20]}: {_('not found')}")
            continue
        try:
            if lead is not None:
                actions.case_dispatch(case, by=user, lead=lead, note=note, expected_version=version)
            else:
                actions.case_remind(case, by=user, note=note)
        except ActionError as exc:
            refused.append(f"{case.tracking_code}: {exc.message}")
            continue
        done += 1
    summary = _("%(done)d done, %(refused)d refused") % {"done": done, "refused": len(refused)}
    if refused:
        messages.warning(request, f"{summary}: " + "; ".join(refused))
    else:
        messages.success(request, summary)
    return redirect(target)


@staff_required
def board(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not cq.can_see_board(user):
        raise Http404
    at = cq.clock()
    data = cq.board(user, at)
    calendar = work_calendar()
    shown = (*data.supervised, *data.disputed, *data.redlines)
    late_supervision = cq.overdue_supervisions(shown, at.now)
    for case in shown:
        case.left = cq.time_left(  # type: ignore[attr-defined]
            case.next_due_at, now=at.now, calendar=calendar, lead_hours=at.lead_for(case.site_id),
            paused=case.status == Status.NEED_INFO)
        case.redline = cq.redline(case, at.now)  # type: ignore[attr-defined]
        case.supervision_overdue = case.pk in late_supervision  # type: ignore[attr-defined]
    case_sections = [
        ("disputed", _("Dissatisfied cases awaiting a decision"), data.disputed),
        ("supervised", _("Under supervision"), data.supervised),
        ("redlines", _("Red lines: unanswered for 2 months or more"), data.redlines),
    ]
    return render(request, "workbench/board.html", {"board": data, "case_sections": case_sections,
                                                    "limit": cq.BOARD_LIMIT})


NOTICES_PER_PAGE = 50


@staff_required
def notices(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    rows = StaffNotice.objects.filter(user=user).select_related("case").only(
        "pk", "kind", "text", "created_at", "read_at", "case__id", "case__tracking_code")
    after = request.GET.get("after", "")
    bad_link = False
    if after:
        try:
            key, pk = cq.decode_cursor(after)
            if key is None:
                raise cq.BadCursor(after)
            rows = rows.filter(Q(created_at__lt=key) | Q(created_at=key, pk__lt=pk), created_at__lte=key)
        except cq.BadCursor:
            bad_link = True
    items = list(rows.order_by("-created_at", "-pk")[: NOTICES_PER_PAGE + 1])
    more = len(items) > NOTICES_PER_PAGE
    items = items[:NOTICES_PER_PAGE]
    next_cursor = cq.encode_cursor(items[-1].created_at, items[-1].pk) if more else ""
    return render(request, "workbench/notices.html", {
        "notices": items, "next_cursor": next_cursor, "bad_link": bad_link, "paged": bool(after),
        "has_unread": any(n.read_at is None for n in items),
    })


@staff_required
@require_POST
def notices_read(request: HttpRequest) -> HttpResponse:
    n = StaffNotice.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())  # type: ignore[misc]
    messages.success(request, _("%(n)d notices marked as read.") % {"n": n})
    return redirect("workbench:notices")

