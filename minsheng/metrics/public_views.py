"""Public statistics of a site: figures by month or year, the issued reports (通报) and open data.
Thin views over `reporting` (figures), `minsheng.reports` (stored reports) and `opendata`."""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from minsheng.lib.env import env_int, env_str
from minsheng.metrics import opendata, reporting
from minsheng.metrics.engine import RATES, Scope, cases_in_scope, compute
from minsheng.reports.charts import chart_data_uri
from minsheng.reports.document import Document
from minsheng.reports.models import IssuedReport, ReportStatus, ranking_min_cases
from minsheng.reports.render import render_html
from minsheng.sites.models import Site

# Figures change with every answered case, but not by the second: ten minutes of cache turn a
# traffic spike into one computation per period and language.
CACHE_SECONDS = env_int("MINSHENG_PUBLIC_STATS_CACHE_SECONDS", 600, minimum=0)
# Up to this many cases in the period, a visitor who finds nothing cached waits for the computation
# (a few seconds); above it the worker computes and the page asks to come back in a minute.
SYNC_LIMIT = env_int("MINSHENG_PUBLIC_STATS_SYNC_LIMIT", 20000, minimum=0)
KEEP_SECONDS = 7 * 24 * 3600  # stale figures are better than none while the worker catches up
REFRESH_LOCK_SECONDS = 15 * 60
RATE_OPEN_DATA = env_str("MINSHENG_RATE_OPEN_DATA", "30/h")


def _site(code: str) -> Site:
    return get_object_or_404(Site, code=code, is_active=True)


def _selected_period(request: HttpRequest) -> tuple[reporting.Period, str]:
    """The period asked for (`year` and optional `month`), or the last complete month with a
    message saying why the request was not understood."""
    today = timezone.localdate()
    default = reporting.last_complete(reporting.MONTHLY, today)
    year, month = request.GET.get("year", "").strip(), request.GET.get("month", "").strip()
    if not year and not month:
        return default, ""
    if not year:
        return default, _("Please choose a year as well as a month.")
    text = f"{year}-{month}" if month else year
    try:
        return reporting.parse_period(text, today=today), ""
    except reporting.PeriodError as error:
        return default, str(error)


def public_figures(site: Site, period: reporting.Period) -> dict[str, Any]:
    """Everything the public page shows for a period, as plain values (cacheable, no model rows)."""
    scope: Scope = period.scope(site)
    months = 12 if period.kind == reporting.YEARLY else 6
    points = reporting.trend(site, period, months, stored=True)
    # A month's own figures are the last point of its trend: a finished month's stored snapshot.
    total = points[-1][1] if period.kind == reporting.MONTHLY else compute(scope)
    min_cases = ranking_min_cases(site)
    ranking, unranked = reporting.ranked(scope, min_cases)
    charts = reporting.trend_charts(points)
    return {
        "total": total.as_dict(),
        "summary": reporting.summary_sentence(total),
        "rates": [{"name": name, "label": reporting.rate_label(name), "pct": reporting.pct(getattr(total, name)),
                   "numerator": getattr(total, name).numerator, "denominator": getattr(total, name).denominator}
                  for name in RATES],
        "channels": [_row(b.label, b.metrics) for b in reporting.by_channel(scope)],
        "categories": _with_rest([_row(b.label, b.metrics) for b in reporting.by_category(scope)], total),
        "departments": sorted([_row(d.name, m) for d, m in [*ranking, *unranked]],
                              key=lambda r: -r["cases"]),
        "ranking": [dict(_row(d.name, m), rank=i, score=m.appraisal_score) for i, (d, m) in enumerate(ranking, 1)],
        "min_cases": min_cases,
        "charts": [{"title": c.title, "src": chart_data_uri(c)} for c in charts],
        "computed_at": timezone.now(),
    }


def _with_rest(rows: list[dict[str, Any]], total: Any) -> list[dict[str, Any]]:
    """Cases without a category still count: one last row, so the table adds up to the total."""
    rest = total.counts["cases"] - sum(r["cases"] for r in rows)
    if rest > 0:
        rows.append({"label": _("Other / not classified"), "cases": rest, "valid": None, "replied": None,
                     "reply": None, "satisfaction": None})
    return rows


def _row(label: str, m: Any) -> dict[str, Any]:
    return {"label": label, "cases": m.counts["cases"], "valid": m.counts["valid"], "replied": m.counts["replied"],
            "reply": reporting.pct(m.reply_rate), "satisfaction": reporting.pct(m.satisfaction_rate)}


def _key(site_pk: int, code: str, language: str) -> str:
    return f"minsheng:stats:v2:{site_pk}:{code}:{language}"


def refresh_figures(site: Site, period: reporting.Period) -> dict[str, Any]:
    """Computes the figures in the active language and stores them (also run by the worker)."""
    figures = public_figures(site, period)
    cache.set(_key(site.pk, period.code, get_language()), {"figures": figures, "at": time.time()}, KEEP_SECONDS)
    return figures


def schedule_refresh(site: Site, period: reporting.Period) -> None:
    """Asks the worker to recompute, once: a burst of visitors must not queue a hundred refreshes."""
    from minsheng.reports.tasks import refresh_public_figures

    if cache.add(_key(site.pk, period.code, get_language()) + ":refreshing", 1, REFRESH_LOCK_SECONDS):
        refresh_public_figures(site.pk, period.code, get_language())


def cached_figures(site: Site, period: reporting.Period) -> dict[str, Any] | None:
    """Figures at most CACHE_SECONDS old when possible, never computed twice at once.

    A large site's month takes minutes to compute on a small machine (docs/performance.md), far too
    long for a request. So: fresh figures are served from the cache; older ones are served while the
    worker recomputes them; with nothing cached, a small period is computed at once and a large one
    is left to the worker (None: the page says the figures are being prepared). The worker also
    keeps the current and the last month of every site warm (reports.tasks.warm_public_statistics)."""
    entry = cache.get(_key(site.pk, period.code, get_language()))
    if entry is not None:
        if time.time() - entry["at"] > CACHE_SECONDS:
            schedule_refresh(site, period)
        return entry["figures"]
    if cases_in_scope(period.scope(site)).count() <= SYNC_LIMIT:
        return refresh_figures(site, period)
    schedule_refresh(site, period)
    return None


def _year_choices(site: Site) -> list[int]:
    from minsheng.cases.models import Case

    first = Case.objects.filter(site_id__in=site.descendant_ids()).order_by("submitted_at").values_list(
        "submitted_at", flat=True).first()
    this_year = timezone.localdate().year
    start = timezone.localtime(first).year if first else this_year
    return list(range(this_year, max(start, reporting.EARLIEST_YEAR) - 1, -1))


@require_GET
def stats(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = _site(site)
    period, error = _selected_period(request)
    figures = cached_figures(site_obj, period)
    reports = (IssuedReport.objects.filter(site=site_obj, status=ReportStatus.ISSUED,
                                           kind__in=reporting.REPORT_KINDS.values())
               .defer(*HEAVY_FIELDS).order_by("-start")[:6])
    return render(request, "metrics/public/stats.html", {
        "site": site_obj, "period": period, "figures": figures, "error": error,
        "years": _year_choices(site_obj), "months": range(1, 13), "reports": reports,
    }, status=400 if error else 200)


# ------------------------------------------------------------------------------------ reports ---

# The rendered files are up to a few hundred kilobytes each: only the download that needs one loads it.
HEAVY_FIELDS = ("pdf", "docx", "xlsx")


def _issued(site: Site, period: str, *, keep: str = "") -> IssuedReport:
    report = (IssuedReport.objects.filter(site=site, period=period, status=ReportStatus.ISSUED,
                                          kind__in=reporting.REPORT_KINDS.values())
              .defer(*[f for f in HEAVY_FIELDS if f != keep]).select_related("site").first())
    if report is None:
        raise Http404
    return report


@require_GET
def report_list(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = _site(site)
    reports = IssuedReport.objects.filter(site=site_obj, status=ReportStatus.ISSUED,
                                          kind__in=reporting.REPORT_KINDS.values()).defer(*HEAVY_FIELDS)
    return render(request, "metrics/public/report_list.html", {"site": site_obj, "reports": reports})


@require_GET
def report_detail(request: HttpRequest, site: str, period: str) -> HttpResponse:
    site_obj = _site(site)
    report = _issued(site_obj, period)
    # An issued report never changes: its HTML (charts drawn once) is kept for a day per language.
    html = cache.get_or_set(f"minsheng:report-html:v1:{report.pk}:{get_language()}",
                            lambda: str(render_html(Document.from_dict(report.document), standalone=False)),
                            24 * 3600)
    html = mark_safe(str(html or ""))  # noqa: S308 - rendered by reports/_document.html, which escapes every text
    return render(request, "metrics/public/report_detail.html", {"site": site_obj, "report": report, "html": html})


DOWNLOADS = {
    "pdf": ("application/pdf", "pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def report_file(report: IssuedReport, fmt: str) -> HttpResponse:
    content_type, field = DOWNLOADS[fmt]
    data = getattr(report, field)
    if not data:
        raise Http404
    response = HttpResponse(bytes(data), content_type=content_type)
    name = f"{report.site.code}-{report.period}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def report_download(request: HttpRequest, site: str, period: str, fmt: str) -> HttpResponse:
    if fmt not in DOWNLOADS:
        raise Http404
    return report_file(_issued(_site(site), period, keep=fmt), fmt)


# ---------------------------------------------------------------------------------- open data ---

@require_GET
@ratelimit(key="ip", rate=lambda group, request: RATE_OPEN_DATA, method="GET", block=True)
def open_data(request: HttpRequest, site: str, fmt: str) -> HttpResponseBase:
    site_obj = _site(site)
    base = request.build_absolute_uri("/").rstrip("/")
    stamp = timezone.localdate().isoformat()
    name = f"{site_obj.code}-open-data-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(opendata.csv_chunks(site_obj, base),
                                                       content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if fmt == "xlsx":
        return FileResponse(opendata.xlsx_file(site_obj, base), as_attachment=True, filename=name,
                            content_type=DOWNLOADS["xlsx"][0])
    raise Http404
