"""Staff dashboards: trends, ranking, category × district heat map, overdue ageing, and the list of
cases behind any number (drill-down).

Who sees what: supervisors, administrators and intake officers (the information centre that
dispatches) see their sites (and may narrow to a department);
handlers and reviewers see their own department only. Everything else is 404, like every staff URL.
The dashboard is a `Document`, so the same page downloads as Excel or PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import RoleKind, User
from minsheng.accounts.scopes import scope_for
from minsheng.cases.models import Case
from minsheng.cases.selectors import cases_for_staff
from minsheng.metrics import reporting
from minsheng.metrics.engine import (
    OVERDUE_BUCKETS,
    RATES,
    CaseFacts,
    Scope,
    cases_behind,
    figure_names,
    load_facts,
    summarize,
)
from minsheng.reports.document import Chart, Document, Paragraph, Section, Table
from minsheng.reports.render import render_html, render_pdf, render_xlsx
from minsheng.reports.selectors import managed_site_ids
from minsheng.sites.models import Category, Channel, ChannelKind, Department, Site
from minsheng.workbench.views import staff_required

SITE_ROLES = (RoleKind.ADMIN, RoleKind.SUPERVISOR, RoleKind.INTAKE)
DEPARTMENT_ROLES = (RoleKind.HANDLER, RoleKind.REVIEWER)
PAGE_SIZE = 50
OWN_LEVEL = "own"  # ?level=own: the site's own cases only (the heat map's 本级 column)


class BadQuery(ValueError):
    """A query parameter that cannot be understood; the message is for the user."""


@dataclass
class Selection:
    """The user's choice, already checked against what they may see."""

    site: Site
    period: reporting.Period
    department: Department | None = None
    channel: Channel | None = None
    category: Category | None = None
    department_locked: bool = False  # a department user cannot widen the view
    own_level: bool = False  # the site's own level (本级) only, not the sites below it

    def scope(self, **overrides: Any) -> Scope:
        values: dict[str, Any] = {"site": self.site, "start": self.period.start, "end": self.period.end,
                                  "department": self.department, "channel": self.channel,
                                  "category": self.category, "own_level": self.own_level}
        values.update(overrides)
        return Scope(**values)

    def query(self, **extra: Any) -> dict[str, str]:
        params = {"site": self.site.code, "period": self.period.code}
        if self.department:
            params["department"] = str(self.department.pk)
        if self.channel:
            params["channel"] = self.channel.kind
        if self.category:
            params["category"] = str(self.category.pk)
        if self.own_level:
            params["level"] = OWN_LEVEL
        params.update({k: str(v) for k, v in extra.items() if v is not None})
        return {k: v for k, v in params.items() if v != ""}


def _int(value: str, what: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise BadQuery(_("“%(value)s” is not a valid %(what)s.") % {"value": value[:20], "what": what}) from None
    if number <= 0:
        raise BadQuery(_("“%(value)s” is not a valid %(what)s.") % {"value": value[:20], "what": what})
    return number


def select(user: User, params: Any) -> Selection:
    """Reads site, department, period, channel and category from the query string. Raises Http404
    for anything outside the user's scope and BadQuery for values that mean nothing."""
    scope = scope_for(user)
    site_ids = scope.sites(*SITE_ROLES)
    own_departments = scope.departments(*DEPARTMENT_ROLES)
    if not site_ids and not own_departments:
        raise Http404
    period_text = (params.get("period") or "").strip()
    try:
        period = (reporting.parse_period(period_text) if period_text
                  else reporting.period_containing(reporting.MONTHLY, timezone.localdate()))
    except reporting.PeriodError as error:
        raise BadQuery(str(error)) from None

    department: Department | None = None
    department_text = (params.get("department") or "").strip()
    if department_text:
        department = Department.objects.select_related("site").filter(
            pk=_int(department_text, _("department"))).first()
        if department is None:
            raise BadQuery(_("There is no department number %(value)s.") % {"value": department_text[:20]})
        if department.site_id not in site_ids and department.pk not in own_departments:
            raise Http404

    code = (params.get("site") or "").strip()
    if site_ids:
        if code:
            found = Site.objects.filter(code=code).first()
            if found is None:
                raise BadQuery(_("There is no site “%(value)s”.") % {"value": code[:40]})
            site = found
            if site.pk not in site_ids:
                raise Http404
        elif department is not None:
            site = department.site
        else:
            # The top of the user's tree (a city before its districts); NULLS FIRST because PostgreSQL
            # sorts NULL last and SQLite first.
            first = Site.objects.filter(pk__in=site_ids).order_by(
                F("parent_id").asc(nulls_first=True), "sort_order", "id").first()
            if first is None:
                raise Http404
            site = first
        if department is not None and department.site_id not in site.descendant_ids():
            raise BadQuery(_("That department does not belong to the chosen site."))
        locked = False
    else:
        # A department user: their department, always (the first one if they have several).
        if department is None:
            department = Department.objects.select_related("site").filter(pk__in=own_departments).order_by("pk").first()
        assert department is not None
        site = department.site
        if code and code != site.code:
            raise Http404
        locked = True

    channel = None
    kind = (params.get("channel") or "").strip()
    if kind:
        if kind not in ChannelKind.values:
            raise BadQuery(_("There is no channel “%(value)s”.") % {"value": kind[:20]})
        channel = Channel.objects.filter(kind=kind).order_by("id").first()
        if channel is None:
            raise BadQuery(_("There is no channel “%(value)s”.") % {"value": kind[:20]})
    category = None
    category_text = (params.get("category") or "").strip()
    if category_text:
        category = Category.objects.filter(pk=_int(category_text, _("category"))).first()
        if category is None:
            raise BadQuery(_("There is no category number %(value)s.") % {"value": category_text[:20]})
    level = (params.get("level") or "").strip()
    if level not in ("", OWN_LEVEL):
        raise BadQuery(_("“%(value)s” is not a level: leave it out, or choose “own” for the site's own cases.")
                       % {"value": level[:20]})
    return Selection(site=site, period=period, department=department, channel=channel, category=category,
                     department_locked=locked, own_level=bool(level))


# --------------------------------------------------------------------------------- the page ---

def drill_url(selection: Selection, figure: str, part: str = "value", **overrides: Any) -> str:
    return reverse("metrics_staff:cases") + "?" + urlencode(selection.query(figure=figure, part=part, **overrides))


def build_dashboard(selection: Selection) -> Document:
    """The whole page from one load of the period's facts: the key figures, the ranking and the heat
    map come from `engine.summarize` over the same facts; the trend's finished months from their
    stored snapshots (computed here when missing or invalid, see `minsheng.metrics.snapshots`)."""
    scope = selection.scope()
    facts = load_facts(scope)
    summary = summarize(scope, facts)
    total = summary.total

    def link(figure: str, part: str = "value", **over: Any) -> str:
        return drill_url(selection, figure, part, **over)

    rate_links: dict[str, str | None] = {f"{n}.{p}": link(n, p) for n in RATES for p in ("numerator", "denominator")}
    counts = Table(
        [_("Figure"), _("Cases")],
        [[_("Messages received"), total.counts["cases"]], [_("Accepted"), total.counts["valid"]],
         [_("Answered"), total.counts["replied"]], [_("Closed"), total.counts["closed"]],
         [_("Returned by a department"), total.returns], [_("Past the red line"), total.red_line]],
        caption=_("Counts"),
        links=[[None, link("cases")], [None, link("valid")], [None, link("replied")], [None, link("closed")],
               [None, link("returns")], [None, link("red_line")]])
    sections = [Section(_("Key figures"), [Paragraph(reporting.summary_sentence(total)),
                                            reporting.key_figures_table(total, rate_links), counts])]

    # The unfiltered view's finished months are stored snapshots, invalidated by any late write to
    # their cases; a filtered view computes its months. The selected month is not read again.
    known = {selection.period.code: total} if selection.period.kind == reporting.MONTHLY else {}
    points = reporting.trend(selection.site, selection.period, 12, stored=True, known=known,
                             department=selection.department, channel=selection.channel,
                             category=selection.category, own_level=selection.own_level)
    trend_table = Table(
        [_("Month"), _("Cases"), _("Answered"), *[reporting.rate_label(n) + " (%)" for n in
                                                  ("reply_rate", "on_time_rate", "satisfaction_rate")]],
        [[p.code, m.counts["cases"], m.counts["replied"], reporting.pct(m.reply_rate), reporting.pct(m.on_time_rate),
          reporting.pct(m.satisfaction_rate)] for p, m in points],
        caption=_("Month by month"),
        links=[[reverse("metrics_staff:dashboard") + "?" + urlencode(selection.query(period=p.code)),
                drill_url(selection, "cases", period=p.code), drill_url(selection, "replied", period=p.code),
                None, None, None] for p, _m in points])
    sections.append(Section(_("Trends"), [*reporting.trend_charts(points), trend_table]))

    if not selection.department_locked and selection.department is None:
        ranking = [(d, m) for d, m in summary.ranking if m.counts["cases"] > 0]

        def dept_link(department: Department, figure: str, part: str) -> str:
            if figure == "dashboard":
                return reverse("metrics_staff:dashboard") + "?" + urlencode(selection.query(department=department.pk))
            return drill_url(selection, figure, part, department=department.pk)

        blocks: list[Any] = [reporting.ranking_table(ranking, link=dept_link)]
        if ranking:
            blocks.append(Chart("hbar", _("Appraisal score by department"), [d.name for d, _m in ranking],
                                {_("Appraisal score"): [m.appraisal_score for _d, m in ranking]}))
        sections.append(Section(_("Department ranking"), blocks))

    sections.append(Section(_("Category × district"), heat_map(selection, facts)))

    buckets = [(b, total.overdue_by_age.get(b, 0)) for b in OVERDUE_BUCKETS]
    labels = [_("%(bucket)s working days") % {"bucket": b} for b, _n in buckets]
    sections.append(Section(_("Overdue ageing"), [
        Chart("bar", _("Open cases past their deadline, by working days overdue"), labels,
              {_("Cases"): [float(n) for _b, n in buckets]}),
        Table([_("Working days overdue"), _("Cases")], [[label, n] for label, (_b, n) in zip(labels, buckets, strict=True)],
              caption=_("Overdue ageing"),
              links=[[None, link(f"overdue_by_age.{b}")] for b, _n in buckets]),
    ]))
    what = selection.department.name if selection.department else selection.site.name
    if selection.own_level:
        what = _("%(site)s, own level") % {"site": what}
    title = _("Dashboard: %(what)s, %(period)s") % {"what": what, "period": selection.period.label}
    return Document(title=title, subtitle=_("As of %(now)s") % {"now": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
                    sections=sections, issued_by=selection.site.name, date=timezone.localdate())


@dataclass(frozen=True)
class Column:
    """A column of the heat map: a site below the selected one (with everything below it), or the
    selected site's own level (本级: the cases submitted to the site itself)."""

    site: Site
    own_level: bool = False

    @property
    def label(self) -> str:
        return _("Own level") if self.own_level else self.site.name


def heat_columns(selection: Selection) -> list[Column]:
    """The selected site's own level, then each active site below it; a site with nothing below it
    (or a view of the own level only) has one column, itself."""
    if selection.own_level:
        return [Column(selection.site, own_level=True)]
    children = list(Site.objects.filter(parent=selection.site, is_active=True))
    if not children:
        return [Column(selection.site)]
    return [Column(selection.site, own_level=True), *[Column(site) for site in children]]


def heat_cells(selection: Selection, columns: list[Column], categories: list[Category],
               facts: list[CaseFacts] | None = None) -> dict[tuple[int, int], int]:
    """(column site, top category) -> the engine's case count for that column and category, from
    ONE load of the selection's facts (`facts`, loaded when not given) instead of one `compute()`
    per cell. Same membership rules as `engine.cases_in_scope` and the accumulator: the column's
    sites (its own site only for the own level) and, below the root, the cases their departments
    lead; the category with everything below it; a department's own current cases; approved
    exclusions left out. A test checks every cell against `compute()`."""
    if facts is None:
        facts = load_facts(selection.scope())
    department = selection.department.pk if selection.department else None
    column_sites = {c.site.pk: {c.site.pk} if c.own_level else set(c.site.descendant_ids()) for c in columns}
    column_departments = {
        c.site.pk: set(Department.objects.filter(site_id__in=column_sites[c.site.pk]).values_list("pk", flat=True))
        if c.site.parent_id is not None else set() for c in columns}
    category_ids = {category.pk: set(category.descendant_ids()) for category in categories}
    cells = dict.fromkeys(((c.site.pk, k.pk) for c in columns for k in categories), 0)
    for f in facts:
        if f.excluded or f.category_id is None or (department is not None and f.department_id != department):
            continue
        for category_pk, ids in category_ids.items():
            if f.category_id not in ids:
                continue
            for column_pk, sites in column_sites.items():
                if f.site_id in sites or f.department_id in column_departments[column_pk]:
                    cells[(column_pk, category_pk)] += 1
    return cells


def heat_map(selection: Selection, facts: list[CaseFacts] | None = None) -> list[Any]:
    """Cases per top category (rows) and column: the site's own level (本级) and each district.
    Each cell is the engine's count for that column and category (see `heat_cells`), so the
    drill-down behind it lists exactly those cases."""
    if facts is None:
        facts = load_facts(selection.scope())
    columns = heat_columns(selection)
    used = {f.category_id for f in facts}
    categories = [category for category in reporting.top_categories(selection.site)
                  if (selection.category is None or category.pk == selection.category.pk)
                  and used & set(category.descendant_ids())]
    cells = heat_cells(selection, columns, categories, facts) if categories else {}
    rows: dict[str, list[float | None]] = {}
    table_rows: list[list[Any]] = []
    links: list[list[str | None]] = []
    for category in categories:
        values: list[float | None] = [float(cells[(column.site.pk, category.pk)]) for column in columns]
        rows[category.name] = values
        table_rows.append([category.name, *[int(v or 0) for v in values]])
        links.append([None, *[drill_url(selection, "cases", site=column.site.code, category=category.pk,
                                        level=OWN_LEVEL if column.own_level else "")
                              for column in columns]])
    labels = [column.label for column in columns]
    if not rows:
        return [Paragraph(_("No classified messages in this period."))]
    return [Chart("heatmap", _("Cases by category and district"), labels, rows),
            Table([_("Category"), *labels], table_rows, caption=_("Cases by category and district"), links=links)]


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        selection = select(user, request.GET)
    except BadQuery as error:
        return render(request, "metrics/dashboard.html", {"error": str(error), "departments": []}, status=400)
    document = build_dashboard(selection)
    fmt = request.GET.get("format", "")
    if fmt == "xlsx":
        return _download(render_xlsx(document), "xlsx", selection)
    if fmt == "pdf":
        return _download(render_pdf(document), "pdf", selection)
    if fmt:
        return render(request, "metrics/dashboard.html", {
            "error": _("Unknown format “%(value)s”: choose xlsx or pdf.") % {"value": fmt[:10]}}, status=400)
    site_ids = scope_for(user).sites(*SITE_ROLES)
    departments = ([] if selection.department_locked else Department.objects.filter(
        site_id__in=set(selection.site.descendant_ids()) & site_ids, is_active=True))
    return render(request, "metrics/dashboard.html", {
        "selection": selection, "html": render_html(document, standalone=False), "departments": departments,
        "sites": Site.objects.filter(pk__in=scope_for(user).sites(*SITE_ROLES)),
        "channels": ChannelKind.choices, "query": urlencode(selection.query()),
        "can_see_reports": bool(managed_site_ids(user)),
    })


def _download(data: bytes, fmt: str, selection: Selection) -> HttpResponse:
    types = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}
    response = HttpResponse(data, content_type=types[fmt])
    response["Content-Disposition"] = f'attachment; filename="dashboard-{selection.site.code}-{selection.period.code}.{fmt}"'
    return response


# ------------------------------------------------------------------------------- drill-down ---

FIGURE_LABELS = {"cases": "Messages received", "valid": "Accepted", "replied": "Answered", "closed": "Closed",
                 "returns": "Returned by a department", "red_line": "Past the red line", "overdue": "Overdue"}


def figure_label(figure: str, part: str) -> str:
    if figure in RATES:
        which = _("numerator") if part == "numerator" else _("denominator")
        return f"{reporting.rate_label(figure)} · {which}"
    if figure.startswith("overdue_by_age."):
        return _("Overdue %(bucket)s working days") % {"bucket": figure.split(".", 1)[1]}
    return _(FIGURE_LABELS.get(figure, figure))


def behind(user: User, selection: Selection, figure: str, part: str) -> tuple[QuerySet[Case], int]:
    """The cases behind a number, limited to what the user may open, and how many there are in all
    (a supervisor whose role does not cover the sub-sites sees the city's figures, which include
    the districts, but can open only the city's own cases: the page says how many are hidden)."""
    if figure not in figure_names():
        raise BadQuery(_("There is no figure “%(value)s”.") % {"value": figure[:40]})
    if figure in RATES and part not in ("numerator", "denominator"):
        raise BadQuery(_("Choose the numerator or the denominator of a rate."))
    if figure not in RATES:
        part = "value"
    ids = list(cases_behind(selection.scope(), figure, part).values_list("pk", flat=True))
    visible = (cases_for_staff(user).filter(pk__in=ids)
               .select_related("lead_department", "category", "channel").order_by("-submitted_at", "-id"))
    return visible, len(ids)


@staff_required
def drill_down(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        selection = select(user, request.GET)
        figure = (request.GET.get("figure") or "").strip()
        part = (request.GET.get("part") or "value").strip()
        queryset, total = behind(user, selection, figure, part)
    except BadQuery as error:
        return render(request, "metrics/dashboard_cases.html", {"error": str(error)}, status=400)
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "metrics/dashboard_cases.html", {
        "selection": selection, "figure": figure_label(figure, part), "page": page,
        "behind": total, "hidden": total - paginator.count,
        "back": reverse("metrics_staff:dashboard") + "?" + urlencode(selection.query()),
        "query": urlencode(selection.query(figure=figure, part=part)),
    })
