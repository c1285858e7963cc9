"""Report rendering and the issue-4 pages at scale (docs/performance.md, "Reports and statistics pages").

Two parts, one at a time (the machine is small):

    .venv/bin/python bench/reports_bench.py --render   # a 通报-sized document to HTML, PDF, Word, Excel
    .venv/bin/python bench/reports_bench.py --pages    # public figures, 通报 and dashboard on 1M cases

``--render`` needs no database: a synthetic document the size of a city's monthly report (30
departments, a 12-month trend, a 10 × 6 heat map, 6 charts) is rendered cold (empty chart cache) and
warm. Charts are the slow part, so each chart is drawn once per process and cached by content.

``--pages`` reads the PostgreSQL database built by bench/metrics_bench.py --build (1,000,000 cases,
minsheng_bench_metrics) and times, for the city and its last complete month: the public page's
figures (what is cached for ten minutes), the 通报 document and the staff dashboard document. It only
reads; the reports app's own table is not in that database, so the ranking minimum is the default.

The dashboard is timed in three states (docs/performance.md): cold (no month snapshot stored), after
the worker's warm step (`snapshots.warm`: twelve finished months of every active site, itself
timed), and after one late rating on a case of a finished month (given through
`cases.actions.case_rate` inside a transaction that is rolled back after the timing, so the bench
database keeps its data; the month snapshot table is emptied at the start and refilled by the run).
`--pages --as-stored` times the dashboard once with the snapshots as a previous run left them (some
expire within minutes: see docs/performance.md). Run `manage.py migrate` on the bench database first if it was built before the snapshot table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(call: Any, runs: int) -> tuple[float, float]:
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds), max(seconds)


def sample_document() -> Any:
    from minsheng.reports.document import Chart, Document, Paragraph, Section, Table

    departments = [f"第{i + 1}局" for i in range(30)]
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    ranking = Table(["名次", "部门", "件数", "回复率（%）", "按时办结率（%）", "满意率（%）", "考评得分"],
                    [[i + 1, d, 400 - i * 7, 99.0 - i * 0.3, 95.0 - i * 0.5, 92.0 - i * 0.4, 96.0 - i]
                     for i, d in enumerate(departments)], caption="部门排名")
    return Document(
        title="某市人民政府政民互动工作通报（2026年10月）", subtitle="2026年10月", issued_by="某市人民政府办公室",
        date=date(2026, 11, 1),
        sections=[
            Section("总体情况", [Paragraph("本期共收到群众留言 12000 件，受理 11500 件；已答复 11000 件。" * 3), ranking]),
            Section("部门排名", [Chart("hbar", "各部门考评得分", departments, {"考评得分": [96.0 - i for i in range(30)]})]),
            Section("分类 × 区县", [Chart("heatmap", "各分类、各区县留言量", [f"{d}区" for d in "ABCDEF"],
                                         {f"分类{c}": [float((c * 7 + d * 13) % 50) for d in range(6)] for c in range(10)})]),
            Section("趋势", [
                Chart("line", "每月留言量", months, {"收到": [1000.0 + 50 * i for i in range(12)],
                                                   "已答复": [950.0 + 45 * i for i in range(12)]}),
                Chart("line", "每月主要比率", months, {"回复率": [95.0 + i * 0.2 for i in range(12)]}, unit="%"),
                Chart("bar", "超期时长分布", ["<=5", "6-20", "21-60", ">60"], {"件数": [30.0, 12.0, 4.0, 1.0]}),
            ]),
        ])


def render(runs: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.test_settings")
    django.setup()
    from minsheng.reports import charts
    from minsheng.reports.render import render_docx, render_html, render_pdf, render_xlsx

    doc = sample_document()
    print(f"render: 6 charts, 30-row ranking; load average {load_average()}")
    t0 = time.perf_counter()
    render_html(doc)
    print(f"  html, cold (charts drawn): {time.perf_counter() - t0:.2f} s")
    for label, call in (("html, warm", lambda: render_html(doc)), ("pdf", lambda: render_pdf(doc)),
                        ("docx (charts as PNG, first call draws them)", lambda: render_docx(doc)),
                        ("xlsx", lambda: render_xlsx(doc))):
        median, worst = timed(call, runs)
        print(f"  {label}: median {median:.2f} s, max {worst:.2f} s over {runs} runs")
    one = doc.charts()[0]
    charts._svg_cached.cache_clear()
    median, worst = timed(lambda: (charts._svg_cached.cache_clear(), charts.chart_svg(one)), runs)
    print(f"  one chart drawn (hbar, 30 bars), uncached: median {median:.2f} s")
    print(f"load average after: {load_average()}")


def pages(runs: int, only_dashboard: bool = False, as_stored: bool = False, warm_first: bool = False) -> None:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/minsheng_bench_metrics")
    sys.path.insert(0, str(REPO / "bench"))
    import backoffice_bench as bo  # the same bench environment (keys, data folder, log level)

    bo.DATA_DIR = Path("/tmp/minsheng-bench-reports")
    bo.configure()
    import django

    django.setup()
    from django.conf import settings

    # The figures' cache stays in this process: the bench database belongs to metrics_bench.py and is
    # only read here.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.db.models import Max

    from minsheng.cases.models import Case
    from minsheng.metrics import dashboards, public_views, reporting
    from minsheng.metrics.models import MonthSnapshot
    from minsheng.sites.models import Site

    reporting.ranking_min_cases = lambda site: 10  # type: ignore[assignment]  # see the module docstring
    public_views.ranking_min_cases = lambda site: 10  # type: ignore[assignment]
    latest = Case.objects.aggregate(m=Max("submitted_at"))["m"]
    first_of_month = latest.date().replace(day=1)
    period = reporting.month((first_of_month - timedelta(days=1)).year, (first_of_month - timedelta(days=1)).month)
    city = Site.objects.get(code="bench-city")
    print(f"pages: {Case.objects.count():,} cases, city bench-city, {period.code}; load average {load_average()}")
    if as_stored:
        # The snapshots as a previous run (or the worker) left them, some since expired by the clock.
        from django.utils import timezone

        from minsheng.metrics import snapshots
        from minsheng.metrics.snapshots import CLOCK_GRACE

        if warm_first:
            t0 = time.perf_counter()
            computed = snapshots.warm()
            print(f"  worker warm step: {computed} site-months computed in {time.perf_counter() - t0:.1f} s; "
                  f"load {load_average()}", flush=True)
        for chosen in (reporting.period_containing(reporting.MONTHLY, date.today()), period):
            now = timezone.now()
            stored = MonthSnapshot.objects.filter(site=city, metrics__isnull=False)
            expired = stored.filter(valid_until__lt=now).count()
            past_grace = stored.filter(valid_until__lt=now - CLOCK_GRACE).count()
            t0 = time.perf_counter()
            dashboards.build_dashboard(dashboards.Selection(site=city, period=chosen))
            print(f"  dashboard {chosen.code} with the snapshots as stored ({expired} of the city's expired by the "
                  f"clock, {past_grace} of them past the {CLOCK_GRACE} grace pages allow): "
                  f"{time.perf_counter() - t0:.1f} s; load {load_average()}", flush=True)
        return
    if only_dashboard:
        dashboard_states(city, period, runs)
        print(f"load average after: {load_average()}")
        return
    MonthSnapshot.objects.all().delete()
    selection = dashboards.Selection(site=city, period=period)
    for label, call in (
        ("public page figures, no month snapshot stored", lambda: public_views.public_figures(city, period)),
        ("public page figures, finished months of the trend stored (snapshots)",
         lambda: public_views.public_figures(city, period)),
        ("staff dashboard document, after the public page (which stored 6 of its 11 finished trend months)",
         lambda: dashboards.build_dashboard(selection)),
        ("通报 document", lambda: reporting.build_report(city, period)),
    ):
        median, worst = timed(call, runs)
        print(f"  {label}: median {median:.1f} s, max {worst:.1f} s over {runs} runs; load {load_average()}",
              flush=True)
    dashboard_states(city, period, runs)
    print(f"load average after: {load_average()}")


def dashboard_states(city: Any, period: Any, runs: int) -> None:
    """The city's dashboard cold, after the worker's warm step, and after one late event."""
    from django.db import transaction

    from minsheng.cases import actions
    from minsheng.cases.models import Case, ReplyStatus, Satisfaction, Status
    from minsheng.metrics import dashboards, reporting, snapshots
    from minsheng.metrics.models import MonthSnapshot

    current = reporting.period_containing(reporting.MONTHLY, date.today())
    for label, chosen in (("current month (the default view)", current), (f"{period.code}", period)):
        selection = dashboards.Selection(site=city, period=chosen)
        MonthSnapshot.objects.all().delete()
        t0 = time.perf_counter()
        dashboards.build_dashboard(selection)
        print(f"  dashboard {label}, cold (no snapshot): {time.perf_counter() - t0:.1f} s; load {load_average()}",
              flush=True)
        MonthSnapshot.objects.all().delete()
        t0 = time.perf_counter()
        computed = snapshots.warm()
        print(f"  worker warm step (snapshots.warm): {computed} site-months in {time.perf_counter() - t0:.1f} s; "
              f"load {load_average()}", flush=True)
        median, worst = timed(lambda: dashboards.build_dashboard(selection), runs)  # noqa: B023 - called at once
        print(f"  dashboard {label}, after the warm step: median {median:.1f} s, max {worst:.1f} s over {runs} runs; "
              f"load {load_average()}", flush=True)

        # One late event: a rating today for a replied, unrated case of a finished month in the trend.
        month = (chosen.start - timedelta(days=60)).replace(day=1)
        start, end = snapshots.month_end(month) - timedelta(days=10), snapshots.month_end(month)
        case = (Case.objects.filter(site=city, status=Status.REPLIED, submitted_at__gte=start, submitted_at__lt=end,
                                    ratings__isnull=True, replies__status=ReplyStatus.APPROVED)
                .order_by("pk").first())
        if case is None:
            print("  (no replied, unrated case to rate late: late-event timing skipped)")
            continue
        with transaction.atomic():
            actions.case_rate(case, satisfaction=Satisfaction.SATISFIED, solved=True)
            invalid = MonthSnapshot.objects.filter(metrics__isnull=True).count()
            t0 = time.perf_counter()
            dashboards.build_dashboard(selection)
            print(f"  dashboard {label}, after one late rating ({case.tracking_code}, submitted "
                  f"{month:%Y-%m}; {invalid} snapshot(s) invalidated): {time.perf_counter() - t0:.1f} s; "
                  f"load {load_average()}", flush=True)
            transaction.set_rollback(True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--render", action="store_true")
    parser.add_argument("--pages", action="store_true")
    parser.add_argument("--dashboard-only", action="store_true",
                        help="with --pages: only the dashboard's three states (cold, warmed, late event)")
    parser.add_argument("--as-stored", action="store_true",
                        help="with --pages: the dashboard once with the snapshots as they are now (steady state)")
    parser.add_argument("--warm-first", action="store_true",
                        help="with --as-stored: run the worker's warm step first, then time the dashboard")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not (args.render or args.pages):
        parser.error("choose --render or --pages")
    if args.render:
        render(args.runs)
    if args.pages:
        pages(args.runs, only_dashboard=args.dashboard_only, as_stored=args.as_stored, warm_first=args.warm_first)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
