"""Public pages of a site: write, track, rate, browse and search published answers. Thin views."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from minsheng.cases import actions, search, selectors
from minsheng.cases.actions import ActionError
from minsheng.cases.models import Followup, FollowupState, Status
from minsheng.portal.forms import FollowupForm, RateForm, SearchForm, SubmitForm, SupplementForm, TrackForm
from minsheng.sites.models import Category, Channel, Department, Site

TRACKED_SESSION_KEY = "minsheng_tracked_case"
SUBMITTED_SESSION_KEY = "minsheng_submitted"
PAGE_SIZE = 20


class KeysFirstPaginator(Paginator):
    """Finds a page's primary keys first, then fetches only those rows with their joins.

    With a plain OFFSET, SQLite joins channel, category and department for every row it skips: page
    2,000 of 60,000 published cases took ~400 ms. The keys alone come from the covering index
    (site, published_at) in ~10 ms, and then only one page of rows is joined. Same result, same order.
    """

    def page(self, number: int | str) -> Page:  # type: ignore[override]
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = cast(QuerySet[Any], self.object_list)
        keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = list(queryset.filter(pk__in=keys)) if keys else []
        return Page(rows, number, self)


def _site(code: str) -> Site:
    return get_object_or_404(Site, code=code, is_active=True)


def site_home(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = _site(site)
    return render(request, "portal/site_home.html", {
        "site": site_obj,
        "channels": Channel.objects.filter(site=site_obj, is_active=True),
        "latest": selectors.published_cases(site_obj)[:10],
        "subsites": Site.objects.filter(parent=site_obj, is_active=True),
    })


@ratelimit(key="ip", rate=lambda group, request: settings.RATE_SUBMIT, method="POST", block=False)
def write(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = _site(site)
    if request.method == "POST":
        form = SubmitForm(request.POST, request.FILES, site=site_obj)
        # Over the limit, the form comes back with everything typed, instead of a bare error page.
        if getattr(request, "limited", False):
            form.is_valid()
            form.add_error(None, _("Too many messages from your network. Please try again in an hour."))
        elif form.is_valid():
            data = form.cleaned_data
            submission = actions.case_submit(
                site=site_obj, channel=data["channel"], category=data["category"], leader=data["leader"],
                title=data["title"], body=data["body"], name=data["name"], phone=data["phone"],
                email=data["email"], wants_public=data["wants_public"], attachments=data["attachments"],
                attachment_types=form.attachment_types, submit_token=data["submit_token"] or None,
            )
            if submission.password is not None:
                request.session[SUBMITTED_SESSION_KEY] = {
                    "code": submission.case.tracking_code, "password": submission.password,
                    "token": data["submit_token"],
                }
            return redirect("portal:submitted", site=site_obj.code)
        if request.FILES:
            messages.warning(request, _("For your safety, attached files must be chosen again."))
    else:
        initial: dict[str, object] = {"submit_token": uuid.uuid4().hex}
        channel_id = request.GET.get("channel", "")
        if channel_id.isdigit():
            initial["channel"] = int(channel_id)
        form = SubmitForm(initial=initial, site=site_obj)
    return render(request, "portal/write.html", {"site": site_obj, "form": form})


def submitted(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = _site(site)
    info = request.session.get(SUBMITTED_SESSION_KEY)
    if not info:
        return redirect("portal:track")
    return render(request, "portal/submitted.html", {"site": site_obj, "info": info})


@ratelimit(key="ip", rate=lambda group, request: settings.RATE_TRACK, method="POST", block=False)
def track(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = TrackForm(request.POST)
        if getattr(request, "limited", False):
            form.is_valid()
            form.add_error(None, _("Too many attempts. Please wait an hour and try again."))
        elif form.is_valid():
            case = selectors.case_for_citizen(form.cleaned_data["code"], form.cleaned_data["password"])
            if case is not None:
                request.session.cycle_key()
                request.session[TRACKED_SESSION_KEY] = case.pk
                return redirect("portal:track_case")
            form.add_error(None, _("The tracking code or the query password is wrong."))
    else:
        form = TrackForm()
    return render(request, "portal/track.html", {"form": form})


def _tracked(request: HttpRequest):  # type: ignore[no-untyped-def]
    pk = request.session.get(TRACKED_SESSION_KEY)
    if pk is None:
        return None
    return selectors.tracked_case(pk)


def track_case(request: HttpRequest) -> HttpResponse:
    case = _tracked(request)
    if case is None:
        return redirect("portal:track")
    reply = selectors.approved_reply(case)
    return render(request, "portal/track_case.html", {
        "case": case,
        "site": case.site,
        "timeline": selectors.public_timeline(case),
        "reply": reply,
        "rating": selectors.latest_rating(case),
        "rate_form": RateForm(initial={"version": case.version}) if case.status == Status.REPLIED else None,
        "supplement_form": SupplementForm(initial={"version": case.version}) if case.status == Status.NEED_INFO else None,
    })


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    case = _tracked(request)
    if case is None:
        return redirect("portal:track")
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            actions.case_rate(
                case, satisfaction=form.cleaned_data["satisfaction"], solved=form.cleaned_data["solved"],
                comment=form.cleaned_data["comment"], expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("Thank you for your rating."))
        except ActionError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Please choose a satisfaction level and whether the problem was solved."))
    return redirect("portal:track_case")


@require_POST
def supplement(request: HttpRequest) -> HttpResponse:
    case = _tracked(request)
    if case is None:
        return redirect("portal:track")
    form = SupplementForm(request.POST)
    if form.is_valid():
        try:
            actions.case_supplement(case, text=form.cleaned_data["text"], expected_version=form.cleaned_data["version"])
            messages.success(request, _("Your information was added."))
        except ActionError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Please write between 2 and 2000 characters."))
    return redirect("portal:track_case")


def case_list(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = _site(site)
    form = SearchForm(request.GET)
    qs = selectors.published_cases(site_obj)
    query = ""
    if form.is_valid():
        data = form.cleaned_data
        if data["channel"]:
            qs = qs.filter(channel_id=data["channel"])
        if data["department"]:
            qs = qs.filter(lead_department_id=data["department"])
        if data["category"]:
            category = Category.objects.filter(pk=data["category"]).first()
            qs = qs.filter(category_id__in=category.descendant_ids()) if category else qs.none()
        query = (data["q"] or "").strip()
        if query:
            qs = search.search(qs, query)
    page = KeysFirstPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/case_list.html", {
        "site": site_obj, "form": form, "page": page, "query": query,
        "channels": Channel.objects.filter(site=site_obj, is_active=True),
        "departments": Department.objects.filter(site__in=site_obj.descendant_ids(), is_active=True),
        "categories": Category.objects.filter(Q(site__isnull=True) | Q(site=site_obj), level=1, is_active=True),
        "filters": request.GET.copy(),
    })


def case_detail(request: HttpRequest, site: str, pk: int) -> HttpResponse:
    site_obj = _site(site)
    case = selectors.published_case_or_404(site_obj, pk)
    return render(request, "portal/case_detail.html", {
        "site": site_obj, "case": case, "reply": selectors.approved_reply(case),
        "rating": selectors.latest_rating(case),
    })


@ratelimit(key="ip", rate=lambda group, request: settings.RATE_TRACK, method="POST", block=False)
def followup(request: HttpRequest, token: str) -> HttpResponse:
    """A return visit answered by the citizen through the link sent by SMS. The token is the only key:
    an unknown or used one gets a page that says so, never an error."""
    visit = (
        Followup.objects.select_related("case", "case__site", "case__lead_department")
        .defer(*(f"case__{name}" for name in selectors.PRIVATE_CASE_FIELDS))
        .filter(token=token)
        .first()
    )
    if visit is None:
        return render(request, "portal/followup.html", {"state": "unknown"}, status=404)
    case = visit.case
    context: dict[str, Any] = {"visit": visit, "case": case, "site": case.site}
    if visit.state != FollowupState.PENDING:
        return render(request, "portal/followup.html", {**context, "state": "answered"})
    if not actions.can_act(None, "answer_followup", case):
        # Reopened meanwhile (a staff return visit or a supervisor's decision): nothing to answer now.
        return render(request, "portal/followup.html", {**context, "state": "reopened"})
    if request.method == "POST":
        form = FollowupForm(request.POST)
        if getattr(request, "limited", False):
            form.is_valid()
            form.add_error(None, _("Too many attempts. Please wait an hour and try again."))
        elif form.is_valid():
            try:
                actions.case_answer_followup(
                    visit, satisfaction=form.cleaned_data["satisfaction"], solved=form.cleaned_data["solved"],
                    answer=form.cleaned_data["comment"],
                )
                messages.success(request, _("Thank you for your answer."))
                return redirect("portal:followup", token=token)
            except ActionError as exc:
                form.add_error(None, exc.message)
    else:
        form = FollowupForm()
    return render(request, "portal/followup.html", {**context, "state": "open", "form": form})
