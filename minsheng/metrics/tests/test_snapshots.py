"""Stored figures of finished months (minsheng.metrics.snapshots): right after late events, after a
deadline passes, after the cache is lost; filled by the worker; nothing written for today's cases."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from minsheng.cases import actions
from minsheng.cases.models import Case, Satisfaction
from minsheng.metrics import actions as metric_actions
from minsheng.metrics import dashboards, reporting, snapshots
from minsheng.metrics.engine import (
    SHANGHAI,
    Scope,
    WorkingDays,
    compute,
    load_facts,
    membership,
    unchanged_until,
    weights_for,
)
from minsheng.metrics.models import MonthSnapshot
from minsheng.reports.tests.scenario import Scenario, build_scenario
from minsheng.sites.models import Site

pytestmark = pytest.mark.django_db


def last_month() -> date:
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


@pytest.fixture
def scenario(world) -> Scenario:
    """The reports' scenario, submitted in the middle of last month (a finished month)."""
    cache.clear()
    built = build_scenario(world)
    Case.objects.update(submitted_at=datetime.combine(last_month().replace(day=15), time(10), tzinfo=SHANGHAI))
    return built


def last_month_row(user) -> list:
    """Last month's row of the trend table on the dashboard of the current month: month, cases,
    answered, reply %, on-time %, satisfaction %."""
    document = dashboards.build_dashboard(dashboards.select(user, {}))
    trends = next(s for s in document.sections if s.heading in ("Trends", "趋势"))
    table = trends.blocks[-1]
    return next(row for row in table.rows if row[0] == last_month().strftime("%Y-%m"))


def last_month_figures(world):
    period = reporting.month(last_month().year, last_month().month)
    return compute(period.scope(world.city))


def stored(site: Site) -> MonthSnapshot:
    return MonthSnapshot.objects.get(site=site, month=last_month())


def test_a_rating_that_arrives_next_month_changes_last_months_satisfaction_rate_on_the_next_dashboard_load(scenario):
    world = scenario.world
    assert last_month_row(world.supervisor)[5] == 100.0  # satisfied + basically satisfied of 2 rated
    assert stored(world.city).metrics is not None

    actions.case_rate(scenario.unrated, satisfaction=Satisfaction.DISSATISFIED, solved=False)

    assert stored(world.city).metrics is None  # invalidated in the rating's own transaction
    cache.clear()  # a lost cache changes nothing: the snapshot and its generation are in the database
    row = last_month_row(world.supervisor)
    assert row[5] == 66.7 == reporting.pct(last_month_figures(world).satisfaction_rate)
    assert stored(world.city).metrics["satisfaction_rate"]["denominator"] == 3


def test_an_exclusion_approved_later_changes_last_months_figures(scenario):
    world = scenario.world
    assert last_month_row(world.supervisor)[1] == 6

    exclusion = metric_actions.exclusion_request(scenario.satisfied, by=world.handler_a, reason="要求无政策依据")
    assert last_month_row(world.supervisor)[1] == 6  # asked, not yet approved
    metric_actions.exclusion_decide(exclusion, by=world.supervisor, approve=True, note="同意")

    row = last_month_row(world.supervisor)
    assert row[1] == 5 == last_month_figures(world).counts["cases"]
    assert row[5] == reporting.pct(last_month_figures(world).satisfaction_rate)


def test_a_finished_month_is_read_from_its_snapshot_until_a_write_touches_it(scenario, monkeypatch):
    world = scenario.world
    calls = []
    real = snapshots.summarize
    monkeypatch.setattr(snapshots, "summarize", lambda scope, **kw: calls.append(scope.start) or real(scope, **kw))
    first = snapshots.month_figures(world.city, [last_month()])[last_month()]
    again = snapshots.month_figures(world.city, [last_month()])[last_month()]
    assert calls == [last_month()]
    assert again.as_dict() == first.as_dict()

    actions.case_rate(scenario.unrated, satisfaction=Satisfaction.SATISFIED, solved=True)
    snapshots.month_figures(world.city, [last_month()])
    assert calls == [last_month(), last_month()]


def test_figures_computed_before_a_late_write_are_never_stored_after_it(scenario):
    world = scenario.world
    snapshots.month_figures(world.city, [last_month()])
    row = stored(world.city)
    before = compute(Scope(site=world.city, start=last_month(), end=timezone.localdate()))
    snapshots.invalidate([world.city.pk], last_month())  # a write commits while the figures are computed
    assert snapshots._store(row, before, None, row.settings_key) is False
    assert stored(world.city).metrics is None
    assert stored(world.city).generation == row.generation + 1


def test_a_write_to_a_district_case_invalidates_the_district_and_the_city(scenario):
    world = scenario.world
    snapshots.month_figures(world.city, [last_month()])
    snapshots.month_figures(world.district, [last_month()])
    snapshots.case_changed(Case.objects.get(pk=scenario.district.pk))
    assert stored(world.city).metrics is None
    assert stored(world.district).metrics is None


def test_a_write_to_a_case_of_the_current_month_touches_no_snapshot(world):
    scenario = build_scenario(world)  # this month
    actions.case_rate(scenario.unrated, satisfaction=Satisfaction.SATISFIED, solved=True)
    assert not MonthSnapshot.objects.exists()
    dashboards.build_dashboard(dashboards.select(world.supervisor, {}))
    # The current month is never stored; finished months of the trend may be (empty ones).
    assert not MonthSnapshot.objects.filter(month=timezone.localdate().replace(day=1)).exists()


def test_a_deadline_passing_ends_a_snapshot_for_pages_after_the_clock_grace(scenario):
    world = scenario.world
    due = timezone.now() + timedelta(hours=2)
    Case.objects.filter(pk=scenario.overdue.pk).update(due_at=due)
    before = snapshots.month_figures(world.city, [last_month()])[last_month()]
    assert stored(world.city).valid_until <= due
    within_grace = due + snapshots.CLOCK_GRACE - timedelta(minutes=1)
    kept = snapshots.month_figures(world.city, [last_month()], now=within_grace)[last_month()]
    assert kept.as_dict() == before.as_dict()
    later = due + snapshots.CLOCK_GRACE + timedelta(minutes=1)
    after = snapshots.month_figures(world.city, [last_month()], now=later)[last_month()]
    assert after.on_time_rate.denominator == before.on_time_rate.denominator + 1
    assert after.as_dict() == snapshots.month_figures(world.city, [last_month()], now=later)[last_month()].as_dict()


def test_the_worker_refills_a_snapshot_as_soon_as_the_clock_changed_it(scenario, monkeypatch):
    world = scenario.world
    due = timezone.now() + timedelta(hours=2)
    Case.objects.filter(pk=scenario.overdue.pk).update(due_at=due)
    snapshots.month_figures(world.city, [last_month()])
    computed_at = stored(world.city).computed_at
    monkeypatch.setattr(timezone, "now", lambda: due + timedelta(minutes=1))
    snapshots.warm(count=1, today=timezone.localdate())
    assert stored(world.city).computed_at > computed_at


def test_other_weights_end_a_snapshot(scenario):
    from decimal import Decimal

    from minsheng.metrics.models import MetricSettings

    world = scenario.world
    before = snapshots.month_figures(world.city, [last_month()])[last_month()]
    MetricSettings.objects.create(site=world.city, basic_weight=Decimal("0.8"))
    after = snapshots.month_figures(world.city, [last_month()])[last_month()]
    assert before.satisfaction_rate.numerator == 2
    assert after.satisfaction_rate.numerator == 1.8


def test_the_worker_fills_the_last_twelve_finished_months_of_every_active_site(scenario):
    world = scenario.world
    sites = Site.objects.filter(is_active=True).count()
    assert snapshots.warm() == 12 * sites
    assert snapshots.warm() == 0
    assert MonthSnapshot.objects.filter(metrics__isnull=False).count() == 12 * sites
    actions.case_rate(scenario.unrated, satisfaction=Satisfaction.SATISFIED, solved=True)
    assert snapshots.warm() == 1  # the city's last month; the case is not the district's
    assert stored(world.city).metrics["satisfaction_rate"]["denominator"] == 3


def test_the_worker_task_warms_the_snapshots_before_the_public_pages(scenario):
    from minsheng.reports.tasks import warm_month_snapshots

    assert warm_month_snapshots() > 0
    assert stored(scenario.world.city).metrics is not None


def test_a_case_keeps_its_figures_until_the_moment_unchanged_until_gives(march):
    """`unchanged_until` names the first moment at which the clock alone can change what a case
    counts in: just before it, every case counts exactly as it did."""
    world = next(iter(march.values())).site
    facts = load_facts(Scope(site=world, start=date(2026, 3, 1), end=date(2026, 3, 31)))
    weights, calendar = weights_for(world), WorkingDays()
    checked = 0
    for as_of in (datetime(2026, 3, 3, 12, tzinfo=SHANGHAI), datetime(2026, 3, 20, 12, tzinfo=SHANGHAI),
                  datetime(2026, 5, 20, 12, tzinfo=SHANGHAI), datetime(2026, 7, 1, tzinfo=SHANGHAI)):
        for f in facts:
            until = unchanged_until(f, as_of=as_of, calendar=calendar)
            if until is None:
                until = as_of + timedelta(days=400)
            assert until > as_of or until == as_of
            for moment in (as_of, max(as_of, until - timedelta(microseconds=1))):
                assert membership(f, as_of=moment, weights=weights, calendar=calendar) == membership(
                    f, as_of=as_of, weights=weights, calendar=calendar), (f.tracking_code, as_of, moment)
            checked += 1
    assert checked > 20
