"""Public pages of a site: write, track, rate, browse and search published answers. Thin views."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from minsheng.cases import actions, search, selectors
from minsheng.cases.actions import ActionError
from minsheng.cases.models import Status
from minsheng.portal.forms import RateForm, SearchForm, SubmitForm, SupplementForm, TrackForm
from minsheng.sites.models import Category, Channel, Department, Site

TRACKED_SESSION_KEY = "minsheng_tracked_case"
SUBMITTED_SESSION_KEY = "minsheng_submitted"
PAGE_SIZE = 20


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
        initial = {"submit_token": uuid.uuid4().hex}
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
    return selectors.Case.objects.select_related("site", "channel", "lead_department", "category").filter(pk=pk).first()


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
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
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
