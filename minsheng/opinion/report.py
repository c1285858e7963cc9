"""Drafting the opinion report (舆情通报) of a week or a month from the site's topics.

A draft holds two things: generated tables and charts (`OpinionReport.document`, a
`minsheng.reports.document.Document` as JSON, frozen when drafted) and one editable text per
section (`OpinionReport.texts`), pre-written from the data and corrected by staff before a
supervisor issues the report. `build_document` puts them together for HTML, PDF and DOCX.

Only public texts appear: topic titles come from masked titles, representative messages are the
masked public copies, departments' answers are the published (masked) replies.
"""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from minsheng.accounts.models import User
from minsheng.cases.actions import public_copy
from minsheng.cases.models import Case, Rating, ReplyStatus, Satisfaction
from minsheng.insights.topics import heat_score
from minsheng.opinion.engine import settings_for, weights_for
from minsheng.opinion.models import (
    OpinionEvent,
    OpinionReport,
    ReportKind,
    ReportStatus,
    SurgeAlert,
    Topic,
    TopicMember,
)
from minsheng.reports.document import Chart, Document, Paragraph, Section, Table
from minsheng.sites.models import Site

TOP_TOPICS = 10
DETAILED_TOPICS = 5  # topics with representative messages and a trend line
SECTION_KEYS = ("summary", "topics", "trends", "departments", "actions")


def period_for(kind: str, day: date) -> tuple[date, date]:
    """The last complete week (Monday..Sunday) or month before `day`."""
    if kind == ReportKind.WEEKLY:
        end = day - timedelta(days=day.weekday() + 1)
        return end - timedelta(days=6), end
    first_this = day.replace(day=1)
    end = first_this - timedelta(days=1)
    return end.replace(day=1), end


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.combine(start, datetime.min.time(), tzinfo=tz),
            datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz))


@dataclass
class TopicFigures:
    topic: Topic
    cases: list[Case] = field(default_factory=list)
    previous: int = 0
    heat: float = 0.0
    citizens: int = 0
    likes: int = 0
    replied: int = 0
    dissatisfied: int = 0
    rated: int = 0
    surges: list[SurgeAlert] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.cases)


def collect(site: Site, start: date, end: date) -> tuple[list[TopicFigures], int]:
    """The topics with cases in the period, hottest first (heat judged at the period's end), and
    the number of cases of the period."""
    lo, hi = _bounds(start, end)
    prev_lo = lo - (hi - lo)
    total = Case.objects.filter(site=site, submitted_at__gte=lo, submitted_at__lt=hi).count()
    members = (
        TopicMember.objects.filter(topic__site=site, case__submitted_at__gte=lo, case__submitted_at__lt=hi)
        .select_related("topic", "case__lead_department")
    )
    by_topic: dict[int, TopicFigures] = {}
    for m in members:
        fig = by_topic.setdefault(m.topic_id, TopicFigures(m.topic))
        fig.cases.append(m.case)
    # Subqueries rather than lists of ids: a month of a large site has thousands of cases, more
    # than SQLite accepts as parameters of one statement.
    previous = Counter(
        TopicMember.objects.filter(topic__site=site, case__submitted_at__gte=prev_lo, case__submitted_at__lt=lo)
        .values_list("topic_id", flat=True)
    )
    from django.db.models import Count

    period_cases = Case.objects.filter(site=site, submitted_at__gte=lo, submitted_at__lt=hi)
    likes = dict(period_cases.filter(likes__isnull=False).annotate(n=Count("likes")).values_list("pk", "n"))
    ratings = defaultdict(list)
    for case_id, satisfaction in (Rating.objects.filter(case__in=period_cases.values("pk"))
                                  .order_by("id").values_list("case_id", "satisfaction")):
        ratings[case_id].append(satisfaction)
    weights = weights_for(settings_for(site))
    surges = defaultdict(list)
    for alert in SurgeAlert.objects.filter(topic__site=site, day__gte=start, day__lte=end):
        surges[alert.topic_id].append(alert)
    for fig in by_topic.values():
        fig.previous = previous.get(fig.topic.pk, 0)
        fig.heat = heat_score([(c.submitted_at, likes.get(c.pk, 0), c.citizen_digest) for c in fig.cases],
                              weights, hi)
        fig.citizens = len({c.citizen_digest for c in fig.cases if c.citizen_digest}) + sum(
            1 for c in fig.cases if not c.citizen_digest)
        fig.likes = sum(likes.get(c.pk, 0) for c in fig.cases)
        fig.replied = sum(1 for c in fig.cases if c.replied_at is not None)
        latest = [ratings[c.pk][-1] for c in fig.cases if ratings.get(c.pk)]
        fig.rated = len(latest)
        fig.dissatisfied = sum(1 for s in latest if s == Satisfaction.DISSATISFIED)
        fig.surges = surges.get(fig.topic.pk, [])
    ranked = sorted(by_topic.values(), key=lambda f: (-f.heat, -f.count, f.topic.pk))
    return ranked, total


def _trend(fig: TopicFigures) -> str:
    if fig.previous == 0:
        return _("new")
    change = (fig.count - fig.previous) / fig.previous * 100
    return f"{change:+.0f}%"


def suggestions(figs: list[TopicFigures]) -> list[str]:
    """Rule-based suggested actions, strongest first (documented in docs/opinion.md)."""
    out: list[str] = []
    for fig in figs:
        name = f"“{fig.topic.title[:40]}”"
        if fig.surges:
            peak = max(fig.surges, key=lambda a: a.count)
            out.append(_("%(topic)s surged on %(day)s (%(count)d cases in a day): publish a public response and "
                         "a timetable.") % {"topic": name, "day": peak.day.isoformat(), "count": peak.count})
        if fig.topic.place and fig.count >= 3 and fig.citizens >= 3:
            out.append(_("%(topic)s: %(count)d cases from %(citizens)d citizens about one place (%(place)s); a single "
                         "on-site fix could settle them all.") % {
                "topic": name, "count": fig.count, "citizens": fig.citizens, "place": fig.topic.place})
        if fig.rated >= 2 and fig.dissatisfied * 10 >= fig.rated * 3:
            out.append(_("%(topic)s: %(bad)d of %(rated)d ratings dissatisfied; review the answers and consider a "
                         "joint visit by the departments.") % {"topic": name, "bad": fig.dissatisfied,
                                                                "rated": fig.rated})
        if fig.count >= 3 and fig.replied * 2 < fig.count:
            out.append(_("%(topic)s: %(open)d of %(count)d cases not yet answered; ask the lead departments for a "
                         "common answer.") % {"topic": name, "open": fig.count - fig.replied, "count": fig.count})
        if fig.count >= 5 and fig.previous and fig.count >= 2 * fig.previous:
            out.append(_("%(topic)s is growing (%(prev)d → %(count)d cases): watch it in the next period.") % {
                "topic": name, "prev": fig.previous, "count": fig.count})
    return out


def _period_label(kind: str, start: date, end: date) -> str:
    if kind == ReportKind.MONTHLY:
        return _("%(year)d-%(month)02d") % {"year": start.year, "month": start.month}
    return f"{start.isoformat()} – {end.isoformat()}"


def draft(site: Site, kind: str, start: date, end: date, *, by: User | None = None) -> tuple[OpinionReport, bool]:
    """The report of a period: the existing one, or a new draft written from the data."""
    existing = OpinionReport.objects.filter(site=site, kind=kind, period_start=start).first()
    if existing is not None:
        return existing, False
    with override("zh-hans"):
        document, texts, title = _compose(site, kind, start, end)
    now = timezone.now()
    try:
        with transaction.atomic():
            report = OpinionReport.objects.create(
                site=site, kind=kind, period_start=start, period_end=end, title=title, document=document.to_dict(),
                texts=texts, created_at=now, created_by=by,
            )
            OpinionEvent.objects.create(site=site, action="report_draft", actor=by, report=report, created_at=now,
                                        data={"kind": kind, "from": start.isoformat(), "to": end.isoformat()})
    except IntegrityError:
        # Drafted by the periodic task and a person at the same moment: keep the first.
        return OpinionReport.objects.get(site=site, kind=kind, period_start=start), False
    return report, True


def _compose(site: Site, kind: str, start: date, end: date) -> tuple[Document, dict[str, str], str]:
    figs, total = collect(site, start, end)
    top = figs[:TOP_TOPICS]
    in_topics = sum(f.count for f in figs if f.count >= 2)
    title = _("Public opinion report of %(site)s, %(period)s") % {
        "site": site.name, "period": _period_label(kind, start, end)}
    texts: dict[str, str] = {}

    # Summary
    if top:
        lead = top[0]
        texts["summary"] = _(
            "From %(start)s to %(end)s the platform received %(total)d messages; %(grouped)d of them belong to "
            "concerns raised by more than one message. The hottest concern was “%(title)s” (%(count)d messages, "
            "%(citizens)d citizens)."
        ) % {"start": start.isoformat(), "end": end.isoformat(), "total": total, "grouped": in_topics,
             "title": lead.topic.title, "count": lead.count, "citizens": lead.citizens}
    else:
        texts["summary"] = _("From %(start)s to %(end)s the platform received %(total)d messages; no topic stood "
                             "out.") % {"start": start.isoformat(), "end": end.isoformat(), "total": total}

    # Top topics, with representative messages
    lines = []
    for rank, fig in enumerate(top[:DETAILED_TOPICS], 1):
        samples = sorted(fig.cases, key=lambda c: (-len(c.public_body or ""), c.pk))[:2]
        quoted = "；".join(f"「{public_copy(c, limit=300)[0]}」" for c in samples)
        lines.append(_("%(rank)d. %(title)s (%(place)s): %(count)d messages, for example %(quoted)s.") % {
            "rank": rank, "title": fig.topic.title, "place": fig.topic.place or _("no single place"),
            "count": fig.count, "quoted": quoted})
    texts["topics"] = "\n".join(lines)
    topic_table = Table(
        columns=[_("Rank"), _("Topic"), _("Place"), _("Messages"), _("Citizens"), _("Likes"), _("Heat"),
                 _("Change on previous period")],
        rows=[[i, f.topic.title, f.topic.place or "—", f.count, f.citizens, f.likes, round(f.heat, 1), _trend(f)]
              for i, f in enumerate(top, 1)],
        caption=_("Hottest topics"),
    )

    # Trends
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    series: dict[str, list[float | None]] = {}
    for fig in top[:DETAILED_TOPICS]:
        per_day = Counter(timezone.localtime(c.submitted_at).date() for c in fig.cases)
        label = fig.topic.title[:16]
        while label in series:
            label += "·"
        series[label] = [float(per_day.get(d, 0)) for d in days]
    trend_blocks: list[Paragraph | Table | Chart] = []
    if series:
        trend_blocks.append(Chart(kind="line", title=_("Messages per day, hottest topics"),
                                  labels=[d.strftime("%m-%d") for d in days], series=series))
        trend_blocks.append(Chart(
            kind="hbar", title=_("Messages this period and the previous one"),
            labels=[f.topic.title[:16] for f in top[:DETAILED_TOPICS]],
            series={_("This period"): [float(f.count) for f in top[:DETAILED_TOPICS]],
                    _("Previous period"): [float(f.previous) for f in top[:DETAILED_TOPICS]]},
        ))
    growing = [f for f in top if f.previous and f.count > f.previous]
    new = [f for f in top if not f.previous]
    texts["trends"] = _("%(new)d of the hottest topics are new this period; %(growing)d grew compared with the "
                        "previous period; %(surges)d surge alerts were raised.") % {
        "new": len(new), "growing": len(growing), "surges": sum(len(f.surges) for f in top)}

    # What departments did
    dept_rows: dict[str, list[int]] = {}
    for fig in top:
        for case in fig.cases:
            name = case.lead_department.name if case.lead_department else _("Not dispatched yet")
            row = dept_rows.setdefault(name, [0, 0, 0])
            row[0] += 1
            row[1] += 1 if case.replied_at else 0
    dept_table = Table(
        columns=[_("Department"), _("Messages in these topics"), _("Answered")],
        rows=[[name, n, replied] for name, (n, replied, _x) in sorted(dept_rows.items(), key=lambda kv: -kv[1][0])],
        caption=_("Departments handling the hottest topics"),
    )
    answered = []
    for fig in top[:DETAILED_TOPICS]:
        from minsheng.cases.models import Reply

        reply = (Reply.objects.filter(case__in=fig.cases, status=ReplyStatus.APPROVED, case__published_at__isnull=False)
                 .select_related("department").order_by("-reviewed_at", "-pk").first())
        if reply is not None and reply.public_body:
            answered.append(_("On “%(title)s”, %(dept)s answered: %(text)s") % {
                "title": fig.topic.title[:40], "dept": reply.department.name, "text": reply.public_body[:160]})
    texts["departments"] = "\n".join(answered) or _("No published answer on the hottest topics yet.")

    # Suggested actions
    texts["actions"] = "\n".join(f"{i}. {s}" for i, s in enumerate(suggestions(top), 1)) or _(
        "No action suggested by the data.")

    document = Document(
        title=title, subtitle=_("Draft generated from the platform's messages; edited by staff before issue."),
        date=end,
        sections=[
            Section(heading=_("Summary of the period")),
            Section(heading=_("Hottest topics"), blocks=[topic_table]),
            Section(heading=_("Trends"), blocks=trend_blocks),
            Section(heading=_("What departments did"), blocks=[dept_table]),
            Section(heading=_("Suggested actions")),
        ],
    )
    return document, texts, title


def build_document(report: OpinionReport) -> Document:
    """The stored document with the (edited) section texts in front of each section's figures."""
    doc = Document.from_dict(report.document)
    doc.title = report.title
    if report.status == ReportStatus.ISSUED and report.issued_at is not None:
        doc.issued_by = report.site.name
        doc.date = timezone.localtime(report.issued_at).date()
        doc.subtitle = ""
    for key, section in zip(SECTION_KEYS, doc.sections, strict=False):
        text = report.texts.get(key, "")
        paragraphs = [Paragraph(p.strip(), emphasis=(key == "summary")) for p in text.split("\n") if p.strip()]
        section.blocks = [*paragraphs, *section.blocks]
    return doc


def draft_due(today: date | None = None) -> list[OpinionReport]:
    """The periodic task: this week's (on Mondays) and this month's (on the 1st) drafts per site."""
    today = today or timezone.localdate()
    kinds = [ReportKind.WEEKLY] if today.weekday() == 0 else []
    if today.day == 1:
        kinds.append(ReportKind.MONTHLY)
    made = []
    for site in Site.objects.filter(is_active=True).order_by("pk"):
        if not Topic.objects.filter(site=site).exists():
            continue
        for kind in kinds:
            start, end = period_for(kind, today)
            report, created = draft(site, kind, start, end)
            if created:
                made.append(report)
    return made


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
