"""One scenario, four places the numbers appear: the staff dashboard, the export_cases file, the
通报 and the public statistics page. They must show the same figures."""

from __future__ import annotations

import csv
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.conftest import TEST_PASSWORD
from minsheng.metrics import reporting
from minsheng.reports.models import RankingSettings
from minsheng.reports.tests.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(world) -> Scenario:
    cache.clear()
    RankingSettings.objects.create(site=world.city, min_cases=1)
    return build_scenario(world)


def dashboard_numbers(client, world) -> dict[tuple[str, str, str], int]:
    """(figure, part, department) -> the number shown as a link on the dashboard."""
    user = User.objects.create_user(username="city_wide", password=TEST_PASSWORD)
    Role.objects.create(user=user, kind=RoleKind.SUPERVISOR, site=world.city, include_subsites=True)
    assert client.login(username="city_wide", password=TEST_PASSWORD)
    month = timezone.localdate().strftime("%Y-%m")
    html = client.get(reverse("metrics_staff:dashboard"), {"period": month}).content.decode()
    out = {}
    for href, text in re.findall(r'<a href="(/staff/metrics/cases/\?[^"]+)">([^<]+)</a>', html):
        query = parse_qs(urlsplit(unescape(href)).query)
        # The month's own numbers for the whole city (not a heat-map cell of one district or category,
        # not a month of the trend table).
        if query["period"] != [month] or "category" in query or query["site"] != [world.city.code]:
            continue
        key = (query["figure"][0], query["part"][0], query.get("department", [""])[0])
        out.setdefault(key, int(float(text)))
    client.logout()
    return out


def export_numbers(world, tmp_path) -> dict[str, int]:
    """The figures recomputed from the export_cases file alone (docs/metrics.md's definitions)."""
    today = timezone.localdate()
    path = tmp_path / "cases.csv"
    call_command("export_cases", site=world.city.code, start=today.replace(day=1).isoformat(),
                 end=today.isoformat(), output=str(path))
    with open(path, encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["excluded"] not in ("1", "true", "True", "yes")]
    valid = [r for r in rows if r["accepted_at"] and r["status"] not in ("rejected", "merged")]
    return {
        "cases": len(rows),
        "valid": len(valid),
        "reply_num": sum(1 for r in valid if r["first_replied_at"]),
        "satisfaction_num": sum(1 for r in valid if r["rating"] in ("satisfied", "basic")),
        "satisfaction_den": sum(1 for r in valid if r["rating"]),
        "dept_a": sum(1 for r in rows if r["department"] == world.dept_a.name),
    }


def test_dashboard_export_report_and_public_page_agree(client, scenario, tmp_path):
    world = scenario.world
    today = timezone.localdate()
    period = reporting.month(today.year, today.month)

    shown = dashboard_numbers(client, world)
    exported = export_numbers(world, tmp_path)
    document = reporting.build_report(world.city, period)
    key_figures = {row[0]: row for row in document.sections[0].blocks[1].rows}
    ranking = {row[1]: row for row in document.sections[1].blocks[1].rows}
    public = client.get(reverse("metrics_public:stats", args=[world.city.code]),
                        {"year": today.year, "month": today.month}).context["figures"]
    public_departments = {r["label"]: r["cases"] for r in public["departments"]}

    # Messages received
    assert shown[("cases", "value", "")] == exported["cases"] == public["total"]["counts"]["cases"] == 6
    assert f"收到群众留言 {exported['cases']} 件" in document.sections[0].blocks[0].text
    # Reply rate: numerator and denominator
    reply = key_figures["回复率"]
    assert shown[("reply_rate", "numerator", "")] == exported["reply_num"] == reply[2] \
        == public["total"]["reply_rate"]["numerator"] == 3
    assert shown[("reply_rate", "denominator", "")] == exported["valid"] == reply[3] \
        == public["total"]["reply_rate"]["denominator"] == 4
    # Satisfaction rate
    satisfaction = key_figures["满意率"]
    assert shown[("satisfaction_rate", "numerator", "")] == exported["satisfaction_num"] == satisfaction[2] \
        == public["total"]["satisfaction_rate"]["numerator"] == 2
    assert shown[("satisfaction_rate", "denominator", "")] == exported["satisfaction_den"] == satisfaction[3] \
        == public["total"]["satisfaction_rate"]["denominator"] == 2
    # One department's cases
    dept_a = str(world.dept_a.pk)
    assert shown[("cases", "value", dept_a)] == exported["dept_a"] == ranking[world.dept_a.name][2] \
        == public_departments[world.dept_a.name] == 3


def test_the_number_on_the_dashboard_is_the_length_of_its_drill_down(client, scenario):
    shown = dashboard_numbers(client, scenario.world)
    user = User.objects.get(username="city_wide")
    client.login(username=user.username, password=TEST_PASSWORD)
    month = timezone.localdate().strftime("%Y-%m")
    checked = 0
    for (figure, part, department), number in shown.items():
        params = {"period": month, "figure": figure, "part": part}
        if department:
            params["department"] = department
        listed = client.get(reverse("metrics_staff:cases"), params)
        assert listed.status_code == 200, (figure, part, department)
        assert listed.context["page"].paginator.count == number, (figure, part, department)
        checked += 1
    assert checked >= 15


def test_after_a_late_rating_last_months_dashboard_trend_export_report_and_public_page_agree(client, scenario,
                                                                                            tmp_path):
    """Last month is stored as a snapshot; a rating given this month for one of its cases must show
    everywhere at once, and everywhere the same."""
    from datetime import datetime, time, timedelta

    from minsheng.cases import actions
    from minsheng.cases.models import Case, Satisfaction
    from minsheng.metrics import dashboards
    from minsheng.metrics.engine import SHANGHAI

    world = scenario.world
    first = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    period = reporting.month(first.year, first.month)
    Case.objects.update(submitted_at=datetime.combine(first.replace(day=15), time(10), tzinfo=SHANGHAI))
    supervisor = dashboards.select(world.supervisor, {})
    dashboards.build_dashboard(supervisor)  # stores last month's snapshot

    actions.case_rate(scenario.unrated, satisfaction=Satisfaction.DISSATISFIED, solved=False)
    cache.clear()  # the public page keeps its own figures ten minutes; the snapshot is not in the cache

    trends = next(s for s in dashboards.build_dashboard(supervisor).sections if s.heading == "趋势")
    row = next(r for r in trends.blocks[-1].rows if r[0] == period.code)
    path = tmp_path / "last.csv"
    call_command("export_cases", site=world.city.code, start=period.start.isoformat(), end=period.end.isoformat(),
                 output=str(path))
    with open(path, encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["excluded"] not in ("1", "true", "True", "yes")]
    valid = [r for r in rows if r["accepted_at"] and r["status"] not in ("rejected", "merged")]
    rated = [r for r in valid if r["rating"]]
    satisfied = [r for r in rated if r["rating"] in ("satisfied", "basic")]
    document = reporting.build_report(world.city, period)
    key_figures = {r[0]: r for r in document.sections[0].blocks[1].rows}
    public = client.get(reverse("metrics_public:stats", args=[world.city.code]),
                        {"year": first.year, "month": first.month}).context["figures"]["total"]

    assert row[1] == len(rows) == public["counts"]["cases"] == 6
    assert (key_figures["满意率"][2], key_figures["满意率"][3]) == (len(satisfied), len(rated)) == (
        public["satisfaction_rate"]["numerator"], public["satisfaction_rate"]["denominator"]) == (2, 3)
    assert row[5] == key_figures["满意率"][1] == round(100 * 2 / 3, 1)
    assert row[3] == key_figures["回复率"][1] == reporting.pct(reporting.Rate(
        public["reply_rate"]["numerator"], public["reply_rate"]["denominator"]))
