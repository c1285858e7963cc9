"""Staff pages of public-opinion monitoring and the public "me too" endpoint (thin views)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from minsheng.accounts.models import RoleKind
from minsheng.accounts.scopes import scope_for
from minsheng.cases import selectors as case_selectors
from minsheng.cases.actions import public_copy
from minsheng.cases.models import Case, Reply, ReplyStatus
from minsheng.opinion import actions, selectors
from minsheng.opinion import report as report_mod
from minsheng.opinion.engine import daily_counts
from minsheng.opinion.models import ReportKind, ReportStatus
from minsheng.opinion.sparkline import sparkline_svg
from minsheng.sites.models import Site
from minsheng.workbench.views import staff_required

LIKE_COOKIE = "ms_liker"
LIKE_COOKIE_SALT = "minsheng.opinion.like"
SPARK_DAYS = 30
TIMELINE_MAX_DAYS = 180


def like_rate(group: str, request: HttpRequest) -> str:
    return getattr(settings, "RATE_LIKE", "60/h")


# ---------------------------------------------------------------------------------- public


@require_POST
@ratelimit(key="ip", rate=like_rate, method="POST", block=False)
def like(request: HttpRequest, site: str, case_pk: int) -> HttpResponse:
    site_obj = get_object_or_404(Site, code=site, is_active=True)
    case = case_selectors.published_case_or_404(site_obj, case_pk)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    back = reverse("portal:case_detail", kwargs={"site": site, "pk": case.pk})
    if getattr(request, "limited", False):
        text = _("Too many likes from your network; please try again later.")
        if wants_json:
            return JsonResponse({"ok": False, "error": text}, status=429)
        messages.error(request, text)
        return redirect(back)
    token = request.get_signed_cookie(LIKE_COOKIE, default=None, salt=LIKE_COOKIE_SALT)
    new_token = token is None
    token = token or actions.new_liker_token()
    try:
        result = actions.like_case(case, token=token)
    except actions.OpinionError as exc:
        if wants_json:
            return JsonResponse({"ok": False, "error": str(exc)}, status=400)
        messages.error(request, str(exc))
        return redirect(back)
    response: HttpResponse
    if wants_json:
        response = JsonResponse({"ok": True, "count": result.count, "created": result.created})
    else:
        if result.created:
            messages.success(request, _("Thank you: your concern has been counted."))
        response = redirect(back + "#like")
    if new_token:
        response.set_signed_cookie(
            LIKE_COOKIE, token, salt=LIKE_COOKIE_SALT, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


# ---------------------------------------------------------------------------------- topics


@staff_required
def topic_list(request: HttpRequest) -> HttpResponse:
    topics_qs = selectors.topics_for_staff(request.user).order_by("-heat", "-pk")  # type: ignore[arg-type]
    page = Paginator(topics_qs, 30).get_page(request.GET.get("page"))
    topics = list(page.object_list)
    today = timezone.localdate()
    since = today - timedelta(days=SPARK_DAYS - 1)
    counts = daily_counts([t.pk for t in topics], since, today)
    rows = []
    for topic in topics:
        per_day = counts.get(topic.pk, {})
        values = [per_day.get(since + timedelta(days=k), 0) for k in range(SPARK_DAYS)]
        rows.append({"topic": topic, "spark": mark_safe(sparkline_svg(values)), "recent": sum(values[-7:])})  # noqa: S308
    surges = selectors.surges_for_staff(request.user).filter(day__gte=today - timedelta(days=14))[:20]  # type: ignore[arg-type]
    return render(request, "opinion/topic_list.html", {
        "page": page, "rows": rows, "surges": surges, "spark_days": SPARK_DAYS,
        "can_report": bool(selectors.report_sites(request.user)),  # type: ignore[arg-type]
    })


@staff_required
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from minsheng.reports.charts import chart_svg
    from minsheng.reports.document import Chart

    topic = selectors.topic_for_staff_or_404(request.user, pk)  # type: ignore[arg-type]
    visible = selectors.topic_cases_for_staff(request.user, topic)  # type: ignore[arg-type]
    # Each case by its public title, as the topic, its reports and the portal show it: the page is
    # printed and passed on. A case not yet accepted is masked now (limit=0: its message is not
    # shown); staff in scope read the original on the case page the row links to.
    rows = [(case, public_copy(case, limit=0)[0]) for case in visible[:200]]
    total = selectors.topic_member_count(topic)
    hidden = total - visible.count()
    first = timezone.localtime(topic.first_seen).date()
    last = max(timezone.localtime(topic.last_seen).date(), first)
    first = max(first, last - timedelta(days=TIMELINE_MAX_DAYS - 1))
    per_day = daily_counts([topic.pk], first, last).get(topic.pk, {})
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    chart = Chart(kind="bar", title=_("Cases per day"), labels=[d.strftime("%m-%d") for d in days],
                  series={_("Cases"): [float(per_day.get(d, 0)) for d in days]})
    timeline = mark_safe(chart_svg(chart))  # noqa: S308 - drawn by matplotlib on the server
    member_cases = Case.objects.filter(topic_membership__topic=topic)
    departments = (
        member_cases.values("lead_department__name")
        .annotate(n=Count("id"), replied=Count("id", filter=Q(replied_at__isnull=False)))
        .order_by("-n")
    )
    # What each department answered: its latest published reply (the masked public copy).
    answers: dict[str, Reply] = {}
    for reply in (
        Reply.objects.filter(case__in=member_cases, status=ReplyStatus.APPROVED, case__published_at__isnull=False)
        .select_related("department").order_by("-reviewed_at", "-pk")[:50]
    ):
        answers.setdefault(reply.department.name, reply)
    reply_status = Counter(
        Reply.objects.filter(case__in=member_cases).values_list("status", flat=True)
    )
    return render(request, "opinion/topic_detail.html", {
        "topic": topic, "rows": rows, "hidden": hidden, "timeline": timeline, "chart": chart,
        "departments": departments, "answers": answers,
        "reply_status": [(ReplyStatus(s).label, n) for s, n in reply_status.items()],
        "surges": topic.surges.all()[:10],
    })


# ---------------------------------------------------------------------------------- reports


class NewReportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ReportKind.choices)
    site = forms.ModelChoiceField(label=gettext_lazy("Site"), queryset=Site.objects.none(), empty_label=None)

    def __init__(self, *args, sites=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(pk__in=sites).order_by("pk")  # type: ignore[attr-defined]


@staff_required
def report_list(request: HttpRequest) -> HttpResponse:
    sites = selectors.report_sites(request.user)  # type: ignore[arg-type]
    if not sites:
        raise Http404
    form = NewReportForm(request.POST or None, sites=sites)
    if request.method == "POST":
        if form.is_valid():
            start, end = report_mod.period_for(form.cleaned_data["kind"], timezone.localdate())
            report, created = report_mod.draft(form.cleaned_data["site"], form.cleaned_data["kind"], start, end,
                                               by=request.user)  # type: ignore[arg-type]
            if not created:
                messages.info(request, _("The report of this period already exists."))
            return redirect("opinion_staff:report", pk=report.pk)
        messages.error(request, _("Please check the form."))
    reports = selectors.reports_for_staff(request.user)[:50]  # type: ignore[arg-type]
    return render(request, "opinion/report_list.html", {"reports": reports, "form": form})


class ReportEditForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, sections=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for key, label in sections:
            self.fields[f"text_{key}"] = forms.CharField(
                label=label, required=False, max_length=actions.MAX_SECTION_TEXT,
                widget=forms.Textarea(attrs={"rows": 6}),
            )


def _sections(report) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    headings = [s.get("heading", "") for s in report.document.get("sections", [])]
    return [(k, headings[i] if i < len(headings) else k) for i, k in enumerate(report_mod.SECTION_KEYS)
            if k in report.texts]


@staff_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from minsheng.reports.render import render_html

    report = selectors.report_for_staff_or_404(request.user, pk)  # type: ignore[arg-type]
    sections = _sections(report)
    initial = {"title": report.title, "expected_version": report.version,
               **{f"text_{k}": report.texts.get(k, "") for k, _label in sections}}
    form = ReportEditForm(request.POST or None, initial=initial, sections=sections)
    if request.method == "POST" and report.status == ReportStatus.DRAFT:
        if form.is_valid():
            try:
                actions.report_edit(
                    report, by=request.user,  # type: ignore[arg-type]
                    texts={k: form.cleaned_data[f"text_{k}"] for k, _label in sections},
                    title=form.cleaned_data["title"], expected_version=form.cleaned_data["expected_version"],
                )
            except actions.OpinionError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("The report was saved."))
                return redirect("opinion_staff:report", pk=report.pk)
        else:
            messages.error(request, _("Please check the form."))
    scope = scope_for(request.user)  # type: ignore[arg-type]
    return render(request, "opinion/report_detail.html", {
        "report": report, "form": form, "html": mark_safe(render_html(report_mod.build_document(report), standalone=False)),  # noqa: S308
        "can_issue": report.status == ReportStatus.DRAFT
        and report.site_id in scope.sites(RoleKind.SUPERVISOR, RoleKind.ADMIN),
        "events": report.events.select_related("actor")[:20],
    })


@require_POST
@staff_required
def report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_staff_or_404(request.user, pk)  # type: ignore[arg-type]
    try:
        version = int(request.POST.get("expected_version", ""))
    except ValueError:
        version = -1
    try:
        actions.report_issue(report, by=request.user, expected_version=version)  # type: ignore[arg-type]
    except actions.OpinionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The report was issued."))
    return redirect("opinion_staff:report", pk=report.pk)


@staff_required
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    from minsheng.reports.render import render_docx, render_pdf

    report = selectors.report_for_staff_or_404(request.user, pk)  # type: ignore[arg-type]
    doc = report_mod.build_document(report)
    name = f"opinion-report-{report.site.code}-{report.kind}-{report.period_start:%Y%m%d}"
    if fmt == "pdf":
        response = HttpResponse(render_pdf(doc), content_type="application/pdf")
    elif fmt == "docx":
        response = HttpResponse(
            render_docx(doc), content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
