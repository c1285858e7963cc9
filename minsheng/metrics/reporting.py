"""The periodic report (通报) and the figures every page shows, built on the metrics engine.

Public page, staff dashboard and 通报 all call these functions, and these call only
`minsheng.metrics.engine` (compute, by_department, cases_behind): one definition of every number,
so the three can never disagree (tests/test_agreement.py checks it).
"""

from __future__ import annotations

import calendar as cal
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.cases.models import Case
from minsheng.metrics.engine import RATES, Metrics, Rate, Scope, by_department, cases_behind, compute
from minsheng.reports.document import Block, Chart, Document, Paragraph, Section, Table
from minsheng.reports.models import ranking_min_cases
from minsheng.sites.models import Category, Channel, ChannelKind, Department, Site

# --------------------------------------------------------------------------------------- periods ---

MONTHLY, QUARTERLY, YEARLY = "monthly", "quarterly", "yearly"
REPORT_KINDS = {MONTHLY: "metrics.monthly", QUARTERLY: "metrics.quarterly"}
_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{1,2})|[Qq](?P<quarter>[1-4])))?$")
EARLIEST_YEAR = 2000


class PeriodError(ValueError):
    """A period the user typed that does not exist; the message is for the user."""


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date
    code: str  # 2026-10, 2026-Q3, 2026

    @property
    def label(self) -> str:
        if self.kind == MONTHLY:
            return _("%(year)d-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        if self.kind == QUARTERLY:
            return _("Q%(quarter)d %(year)d") % {"year": self.start.year, "quarter": (self.start.month - 1) // 3 + 1}
        return str(self.start.year)

    def scope(self, site: Site, **kwargs: object) -> Scope:
        return Scope(site=site, start=self.start, end=self.end, **kwargs)  # type: ignore[arg-type]

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - dt.timedelta(days=1))


def month(year: int, number: int) -> Period:
    last = cal.monthrange(year, number)[1]
    return Period(MONTHLY, dt.date(year, number, 1), dt.date(year, number, last), f"{year}-{number:02d}")


def quarter(year: int, number: int) -> Period:
    first = 3 * (number - 1) + 1
    last = cal.monthrange(year, first + 2)[1]
    return Period(QUARTERLY, dt.date(year, first, 1), dt.date(year, first + 2, last), f"{year}-Q{number}")


def year(number: int) -> Period:
    return Period(YEARLY, dt.date(number, 1, 1), dt.date(number, 12, 31), str(number))


def period_containing(kind: str, day: dt.date) -> Period:
    if kind == MONTHLY:
        return month(day.year, day.month)
    if kind == QUARTERLY:
        return quarter(day.year, (day.month - 1) // 3 + 1)
    return year(day.year)


def parse_period(text: str | None, *, today: dt.date | None = None) -> Period:
    """"2026-10" (month), "2026-Q3" (quarter) or "2026" (year). Future periods are refused: they
    have no figures and a crawler must not fill the cache with them."""
    today = today or timezone.localdate()
    match = _PERIOD.match((text or "").strip())
    if not match:
        raise PeriodError(_("“%(value)s” is not a period: use a month like 2026-03, a quarter like 2026-Q1 or a "
                            "year like 2026.") % {"value": (text or "")[:20]})
    number = int(match["year"])
    if number < EARLIEST_YEAR:
        raise PeriodError(_("There are no figures before %(year)d.") % {"year": EARLIEST_YEAR})
    if match["month"]:
        if not 1 <= int(match["month"]) <= 12:
            raise PeriodError(_("A month is a number from 1 to 12."))
        period = month(number, int(match["month"]))
    elif match["quarter"]:
        period = quarter(number, int(match["quarter"]))
    else:
        period = year(number)
    if period.start > today:
        raise PeriodError(_("%(period)s has not started yet.") % {"period": period.code})
    return period


def last_complete(kind: str, today: dt.date | None = None) -> Period:
    """The latest period that has ended (what the scheduled report covers)."""
    today = today or timezone.localdate()
    return period_containing(kind, today).previous()


def months_until(end: Period, count: int) -> list[Period]:
    """`count` months ending with the month that contains `end.end` (trend charts)."""
    out = [month(end.end.year, end.end.month)]
    while len(out) < count:
        out.append(out[-1].previous())
    return list(reversed(out))


# --------------------------------------------------------------------------------------- figures ---

def pct(rate: Rate) -> float | None:
    """A rate as a percentage with one decimal, as printed everywhere (None: nothing to rate)."""
    value = rate.value
    return None if value is None else round(100 * value, 1)


def pct_text(rate: Rate) -> str:
    value = pct(rate)
    return "—" if value is None else f"{value:.1f}%"


RATE_LABELS = {
    "reply_rate": "Reply rate",
    "response_rate": "Response rate",
    "on_time_rate": "On-time rate",
    "resolution_rate": "Resolution rate",
    "satisfaction_rate": "Satisfaction rate",
}


def rate_label(name: str) -> str:
    return _(RATE_LABELS[name])


@dataclass
class Breakdown:
    """Case counts of one dimension (channel kind, top category, site), each with the scope that
    produced it so pages can link to the cases behind the number."""

    label: str
    metrics: Metrics
    key: str  # the query value that selects this row (channel kind, category id, site code)


def by_channel(base: Scope) -> list[Breakdown]:
    kinds = list(
        Case.objects.filter(pk__in=_population_ids(base)).values_list("channel__kind", flat=True).distinct()
    )
    rows = []
    for kind in ChannelKind:
        if kind.value not in kinds:
            continue
        # The engine selects by the channel's kind; any channel of that kind stands for it.
        channel = Channel.objects.filter(kind=kind).order_by("id").first()
        if channel is None:
            continue
        scope = Scope(site=base.site, start=base.start, end=base.end, department=base.department,
                      channel=channel, category=base.category, as_of=base.as_of)
        rows.append(Breakdown(str(kind.label), compute(scope), kind.value))
    return rows


def _population_ids(scope: Scope):  # type: ignore[no-untyped-def]
    from minsheng.metrics.engine import cases_in_scope

    return cases_in_scope(scope).order_by().values("pk")


def top_categories(site: Site) -> list[Category]:
    """Level-1 categories shared by every site or belonging to this site or one above it."""
    from django.db.models import Q

    ancestors: list[int] = []
    node: Site | None = site
    while node is not None:
        ancestors.append(node.pk)
        node = node.parent if node.parent_id else None
    return list(Category.objects.filter(Q(site__isnull=True) | Q(site_id__in=ancestors), parent__isnull=True))


def by_category(base: Scope) -> list[Breakdown]:
    used = set(Case.objects.filter(pk__in=_population_ids(base)).values_list("category_id", flat=True).distinct())
    rows = []
    for category in top_categories(base.site):
        if not used & set(category.descendant_ids()):
            continue
        scope = Scope(site=base.site, start=base.start, end=base.end, department=base.department,
                      channel=base.channel, category=category, as_of=base.as_of)
        rows.append(Breakdown(category.name, compute(scope), str(category.pk)))
    return rows


def ranked(scope: Scope, min_cases: int) -> tuple[list[tuple[Department, Metrics]], list[tuple[Department, Metrics]]]:
    """(ranked departments, departments with cases but too few to be ranked), best first."""
    everyone = [(d, m) for d, m in by_department(scope) if m.counts["cases"] > 0]
    return ([x for x in everyone if x[1].counts["cases"] >= min_cases],
            [x for x in everyone if x[1].counts["cases"] < min_cases])


def trend(site: Site, end: Period, months: int = 6, *, stored: bool = False,
          known: Mapping[str, Metrics] | None = None, **filters: Any) -> list[tuple[Period, Metrics]]:
    """Month by month up to `end`. With `stored`, the unfiltered figures of finished months come
    from their snapshots when these still hold (`minsheng.metrics.snapshots`: invalidated by every
    late write, computed and stored when missing); a filtered trend and the current month are always
    computed. `known`: figures the caller has already computed, by period code (a page showing the
    month itself passes it so that the month is not read twice)."""
    periods = months_until(end, months)
    figures = {p.code: m for p, m in ((p, (known or {}).get(p.code)) for p in periods) if m is not None}
    missing = [p for p in periods if p.code not in figures]
    if stored and missing and not end.scope(site, **filters).filtered:
        from minsheng.metrics import snapshots

        stored_figures = snapshots.month_figures(site, [p.start for p in missing])
        figures.update({p.code: stored_figures[p.start] for p in missing})
    else:
        figures.update({p.code: compute(p.scope(site, **filters)) for p in missing})
    return [(p, figures[p.code]) for p in periods]


def trend_charts(points: list[tuple[Period, Metrics]]) -> list[Chart]:
    labels = [p.code for p, _m in points]
    counts = Chart("line", _("Cases per month"), labels, {
        _("Received"): [float(m.counts["cases"]) for _p, m in points],
        _("Replied"): [float(m.counts["replied"]) for _p, m in points],
        _("Closed"): [float(m.counts["closed"]) for _p, m in points],
    })
    rates = Chart("line", _("Rates per month"), labels, {
        rate_label(name): [pct(getattr(m, name)) for _p, m in points]
        for name in ("reply_rate", "on_time_rate", "satisfaction_rate")
    }, unit="%")
    return [counts, rates]


# --------------------------------------------------------------------------------------- 通报 ---

RED_LIST_SIZE = 3
TYPICAL_CASES = 5


def report_title(site: Site, period: Period) -> str:
    return _("%(site)s public interaction report, %(period)s") % {"site": site.name, "period": period.label}


def build_report(site: Site, period: Period, *, as_of: dt.datetime | None = None, note: str = "") -> Document:
    """The 通报 of one site and period as a Document (rendered to every format by minsheng.reports)."""
    scope = period.scope(site, as_of=as_of)
    total = compute(scope)
    min_cases = ranking_min_cases(site)
    ranking, unranked = ranked(scope, min_cases)
    sections = []

    overview: list = []
    if note.strip():
        overview.append(Paragraph(note.strip(), emphasis=True))
    overview.append(Paragraph(summary_sentence(total)))
    overview.append(key_figures_table(total))
    sections.append(Section(_("Overview"), overview))

    ranking_blocks: list = [Paragraph(
        _("Departments are ranked by their appraisal score; a department needs at least %(n)d cases in the "
          "period to be ranked.") % {"n": min_cases})]
    ranking_blocks.append(ranking_table(ranking))
    if unranked:
        ranking_blocks.append(Paragraph(_("Not ranked (fewer cases): %(names)s.") % {
            "names": "、".join(f"{d.name}（{m.counts['cases']}）" for d, m in unranked)}))
    if ranking:
        ranking_blocks.append(Chart("hbar", _("Appraisal score by department"), [d.name for d, _m in ranking],
                                    {_("Appraisal score"): [m.appraisal_score or 0.0 for _d, m in ranking]}))
    sections.append(Section(_("Department ranking"), ranking_blocks))

    red, black = red_and_black(ranking, unranked)
    sections.append(Section(_("Red list and black list"), [
        Table([_("Department"), _("Appraisal score"), _("Why")],
              [[d.name, m.appraisal_score, why] for d, m, why in red], caption=_("Red list (best)")),
        Table([_("Department"), _("Appraisal score"), _("Why")],
              [[d.name, m.appraisal_score, why] for d, m, why in black], caption=_("Black list")),
    ]))

    sections.append(Section(_("Typical cases"), [
        Table([_("Message"), _("Department"), _("Category"), _("Submitted")],
              [_case_row(c) for c in good_cases(scope)], caption=_("Well-rated answers")),
        Table([_("Message"), _("Department"), _("Category"), _("Due")],
              [_case_row(c, due=True) for c in overdue_cases(scope)], caption=_("Overdue cases")),
    ]))

    channel_rows = by_channel(scope)
    category_rows = by_category(scope)
    sections.append(Section(_("Where the messages came from"), [
        counts_table(_("By channel"), channel_rows, total),
        counts_table(_("By category"), category_rows, total),
    ]))

    sections.append(Section(_("Trends"), list[Block](trend_charts(trend(site, period, 6)))))
    return Document(title=report_title(site, period), subtitle=period.label, sections=sections,
                    issued_by=site.name, date=(as_of or timezone.now()).astimezone().date())


def with_note(document: Document, note: str) -> Document:
    """The same report with another editor's note: the note is the emphasised first paragraph of the
    overview, so changing it needs no new computation (a city's report takes tens of seconds)."""
    if not document.sections:
        return document
    blocks = list(document.sections[0].blocks)
    if blocks and isinstance(blocks[0], Paragraph) and blocks[0].emphasis:
        blocks.pop(0)
    if note.strip():
        blocks.insert(0, Paragraph(note.strip(), emphasis=True))
    sections = [Section(document.sections[0].heading, blocks), *document.sections[1:]]
    return Document(title=document.title, subtitle=document.subtitle, sections=sections,
                    issued_by=document.issued_by, date=document.date)


def summary_sentence(m: Metrics) -> str:
    return _("%(cases)d messages were received in the period, %(valid)d of them accepted; %(replied)d were "
             "answered and %(closed)d closed. Reply rate %(reply)s, on-time rate %(on_time)s, satisfaction "
             "rate %(satisfaction)s.") % {
        "cases": m.counts["cases"], "valid": m.counts["valid"], "replied": m.counts["replied"],
        "closed": m.counts["closed"], "reply": pct_text(m.reply_rate), "on_time": pct_text(m.on_time_rate),
        "satisfaction": pct_text(m.satisfaction_rate)}


def key_figures_table(m: Metrics, links: Mapping[str, str | None] | None = None) -> Table:
    rows: list[list[object]] = []
    hrefs: list[list[str | None]] = []
    for name in RATES:
        rate: Rate = getattr(m, name)
        rows.append([rate_label(name), pct(rate), rate.numerator, rate.denominator])
        hrefs.append([None, None, (links or {}).get(f"{name}.numerator"), (links or {}).get(f"{name}.denominator")])
    return Table([_("Figure"), _("Value (%)"), _("Numerator"), _("Denominator")], rows,
                 caption=_("Key figures"), links=hrefs if links else None)


def ranking_table(ranking: Iterable[tuple[Department, Metrics]],
                  link: object = None) -> Table:
    rows, hrefs = [], []
    for i, (department, m) in enumerate(ranking, start=1):
        rows.append([i, department.name, m.counts["cases"], pct(m.reply_rate), pct(m.on_time_rate),
                     pct(m.satisfaction_rate), m.appraisal_score])
        if callable(link):
            # Counts link to their cases; a percentage is not a count of cases, so the department's
            # name leads to its own dashboard, where each rate's numerator and denominator link on.
            hrefs.append([None, link(department, "dashboard", ""), link(department, "cases", "value"),
                          None, None, None, None])
    return Table([_("Rank"), _("Department"), _("Cases"), _("Reply rate (%)"), _("On-time rate (%)"),
                  _("Satisfaction rate (%)"), _("Appraisal score")], rows, caption=_("Department ranking"),
                 links=hrefs if callable(link) else None)


def counts_table(caption: str, rows: list[Breakdown], total: Metrics) -> Table:
    body = [[b.label, b.metrics.counts["cases"], pct(b.metrics.reply_rate), pct(b.metrics.satisfaction_rate)]
            for b in rows]
    rest = total.counts["cases"] - sum(b.metrics.counts["cases"] for b in rows)
    if rest > 0:
        body.append([_("Other / not classified"), rest, None, None])
    return Table([caption, _("Cases"), _("Reply rate (%)"), _("Satisfaction rate (%)")], body, caption=caption)


def red_and_black(ranking: list[tuple[Department, Metrics]], unranked: list[tuple[Department, Metrics]]
                  ) -> tuple[list[tuple[Department, Metrics, str]], list[tuple[Department, Metrics, str]]]:
    """Red list: the best ranked departments. Black list: the worst ranked ones, and every department
    with a case past the red line (unanswered far too long) whatever its rank. Each list takes at most
    half of the ranking, so with few departments nobody is on both and nobody is listed by default."""
    size = min(RED_LIST_SIZE, len(ranking) // 2)
    red = [(d, m, _("Rank %(rank)d") % {"rank": i}) for i, (d, m) in enumerate(ranking[:size], start=1)
           if m.appraisal_score is not None]
    red_ids = {d.pk for d, _m, _w in red}
    black: list[tuple[Department, Metrics, str]] = []
    for i, (d, m) in reversed(list(enumerate(ranking, start=1))):
        if len(black) >= size or d.pk in red_ids:
            break
        black.append((d, m, _("Rank %(rank)d of %(count)d") % {"rank": i, "count": len(ranking)}))
    listed = {d.pk for d, _m, _w in black}
    for d, m in [*ranking, *unranked]:
        if m.red_line and d.pk not in listed:
            black.append((d, m, _("%(n)d cases past the red line") % {"n": m.red_line}))
        elif m.red_line:
            black = [(bd, bm, f"{w}；" + _("%(n)d cases past the red line") % {"n": m.red_line}) if bd.pk == d.pk
                     else (bd, bm, w) for bd, bm, w in black]
    return red, black


def good_cases(scope: Scope) -> list[Case]:
    """Published answers the citizen was satisfied with (the satisfaction numerator), latest first."""
    behind = cases_behind(scope, "satisfaction_rate", "numerator")
    return list(behind.filter(published_at__isnull=False).select_related("lead_department", "category")
                .only("public_title", "submitted_at", "due_at", "published_at", "lead_department__name",
                      "category__name").order_by("-published_at")[:TYPICAL_CASES])


def overdue_cases(scope: Scope) -> list[Case]:
    behind = cases_behind(scope, "overdue")
    return list(behind.select_related("lead_department", "category")
                .only("public_title", "submitted_at", "due_at", "published_at", "lead_department__name",
                      "category__name").order_by("due_at")[:TYPICAL_CASES])


def _case_row(case: Case, *, due: bool = False) -> list[object]:
    # Only the masked public title, and only when the case was published: a report is public.
    title = case.public_title if case.published_at and case.public_title else _("(not published)")
    when = case.due_at if due else case.submitted_at
    return [title, case.lead_department.name if case.lead_department else "—",
            case.category.name if case.category else "—", timezone.localtime(when).date() if when else None]


def cases_population(scope: Scope) -> QuerySet[Case]:
    """The cases a scope is about (the engine's own population query)."""
    from minsheng.metrics.engine import cases_in_scope

    return cases_in_scope(scope)
