"""The public statistics page of a site: figures by month and year, ranking with a minimum, no
personal data, bad input answered with a message."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from minsheng.reports.models import RankingSettings
from minsheng.reports.tests.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(world) -> Scenario:
    return build_scenario(world)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _url(world, **params):
    from urllib.parse import urlencode

    return reverse("metrics_public:stats", args=[world.city.code]) + ("?" + urlencode(params) if params else "")


def _this_month():
    today = timezone.localdate()
    return {"year": today.year, "month": today.month}


def test_the_page_shows_counts_and_rates_of_the_chosen_month(client, scenario):
    response = client.get(_url(scenario.world, **_this_month()))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures["total"]["counts"]["cases"] == 6
    assert figures["total"]["reply_rate"]["numerator"] == 3
    assert figures["total"]["reply_rate"]["denominator"] == 4
    by_department = {r["label"]: r["cases"] for r in figures["departments"]}
    assert by_department == {"A市住房和城乡建设局": 3, "A市生态环境局": 1}
    html = response.content.decode()
    assert "75.0%" in html  # reply rate 3/4
    assert "A市住房和城乡建设局" in html


def test_counts_by_channel_and_category_add_up_to_the_total(client, scenario):
    response = client.get(_url(scenario.world, **_this_month()))
    figures = response.context["figures"]
    assert sum(r["cases"] for r in figures["channels"]) == figures["total"]["counts"]["cases"]
    assert sum(r["cases"] for r in figures["categories"]) == figures["total"]["counts"]["cases"]


def test_a_department_with_too_few_cases_is_not_ranked_and_the_minimum_is_stated(client, scenario):
    response = client.get(_url(scenario.world, **_this_month()))
    assert response.context["figures"]["ranking"] == []
    assert response.context["figures"]["min_cases"] == 10
    assert "不少于 10 件的部门才参加排名" in response.content.decode()


def test_the_page_reads_in_english_for_a_reader_who_chose_english(client, scenario):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(_url(scenario.world, **_this_month())).content.decode()
    assert "Only departments with at least 10 cases in the period are ranked" in html


def test_a_site_setting_lowers_the_minimum_and_ranks_departments(client, scenario):
    RankingSettings.objects.create(site=scenario.world.city, min_cases=2)
    response = client.get(_url(scenario.world, **_this_month()))
    ranking = response.context["figures"]["ranking"]
    assert [r["label"] for r in ranking] == ["A市住房和城乡建设局"]
    assert ranking[0]["cases"] == 3


def test_the_year_view_covers_the_whole_year(client, scenario):
    response = client.get(_url(scenario.world, year=timezone.localdate().year))
    assert response.status_code == 200
    assert response.context["period"].kind == "yearly"
    assert response.context["figures"]["total"]["counts"]["cases"] == 6


def test_no_personal_data_appears_on_the_page(client, scenario):
    html = client.get(_url(scenario.world, **_this_month())).content.decode()
    for secret in ("王建国", "13812345678", "wang@example.com", scenario.satisfied.tracking_code):
        assert secret not in html


@pytest.mark.parametrize("params", [
    {"year": "abc"}, {"year": "2026", "month": "13"}, {"year": "1999"}, {"month": "3"},
    {"year": "2999", "month": "1"}, {"year": "2026", "month": "x" * 500}
])
def test_a_bad_period_gives_a_clear_message_and_still_shows_a_page(client, world, params):
    with override("en"):
        response = client.get(_url(world, **params), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.context["error"]
    assert 'role="alert"' in response.content.decode()


def test_the_message_for_a_bad_period_is_in_chinese_by_default(client, world):
    response = client.get(_url(world, year="abc"))
    assert response.status_code == 400
    assert "不是有效的时段" in response.context["error"]


def test_an_unknown_site_is_404(client, world):
    assert client.get(reverse("metrics_public:stats", args=["nowhere"])).status_code == 404


def test_figures_are_cached_between_visits(client, scenario, django_assert_max_num_queries):
    client.get(_url(scenario.world, **_this_month()))
    with django_assert_max_num_queries(12):
        response = client.get(_url(scenario.world, **_this_month()))
    assert response.context["figures"]["total"]["counts"]["cases"] == 6


def test_the_page_links_to_the_reports_and_open_data(client, world):
    html = client.get(_url(world)).content.decode()
    assert reverse("metrics_public:report_list", args=[world.city.code]) in html
    assert reverse("metrics_public:open_data", args=[world.city.code, "csv"]) in html


def test_full_width_digits_are_understood(client, world):
    response = client.get(_url(world, year="２０２６", month="１"))
    assert response.status_code == 200
    assert response.context["period"].code == "2026-01"


def test_stale_figures_are_served_while_the_worker_recomputes(client, scenario, monkeypatch):
    from minsheng.metrics import public_views
    from minsheng.reports import tasks

    client.get(_url(scenario.world, **_this_month()))
    refreshed = []
    monkeypatch.setattr(public_views, "CACHE_SECONDS", 0)
    monkeypatch.setattr(tasks, "refresh_public_figures", lambda *args: refreshed.append(args))
    response = client.get(_url(scenario.world, **_this_month()))
    client.get(_url(scenario.world, **_this_month()))
    assert response.context["figures"]["total"]["counts"]["cases"] == 6
    assert len(refreshed) == 1  # one refresh queued for two stale visits


def test_a_large_period_with_nothing_cached_is_left_to_the_worker(client, scenario, monkeypatch):
    from minsheng.metrics import public_views
    from minsheng.reports import tasks

    queued = []
    monkeypatch.setattr(public_views, "SYNC_LIMIT", 3)
    monkeypatch.setattr(tasks, "refresh_public_figures", lambda *args: queued.append(args))
    response = client.get(_url(scenario.world, **_this_month()))
    assert response.status_code == 200 and response.context["figures"] is None
    assert "正在计算" in response.content.decode()
    assert queued and queued[0][1] == timezone.localdate().strftime("%Y-%m")


def test_the_worker_task_fills_the_cache_that_the_page_reads(client, scenario):
    from minsheng.reports.tasks import refresh_public_figures

    code = timezone.localdate().strftime("%Y-%m")
    refresh_public_figures(scenario.world.city.pk, code, "zh-hans")  # immediate mode in tests
    from minsheng.metrics import public_views

    entry = cache.get(public_views._key(scenario.world.city.pk, code, "zh-hans"))
    assert entry["figures"]["total"]["counts"]["cases"] == 6


def test_warming_computes_this_and_last_month_of_every_site(scenario):
    from minsheng.reports.tasks import warm_public_statistics

    assert warm_public_statistics() == 4  # two sites, two months


def test_only_the_periodic_reports_are_listed_not_other_kinds_stored_beside_them(client, world):
    """IssuedReport can hold other apps' reports (its kind is a dotted name): the statistics page,
    the report list and the report URLs show only the 通报 kinds."""
    from datetime import date

    from minsheng.reports.models import IssuedReport, ReportStatus

    common = {"site": world.city, "start": date(2026, 9, 1), "end": date(2026, 9, 30), "generated_at": timezone.now(),
              "status": ReportStatus.ISSUED, "document": {"title": "x", "sections": []}}
    IssuedReport.objects.create(kind="metrics.monthly", period="2026-09", title="政民互动工作通报", **common)
    IssuedReport.objects.create(kind="insights.opinion", period="2026-09", title="舆情通报（内部）", **common)
    IssuedReport.objects.create(kind="insights.opinion", period="2026-10", title="十月舆情通报（内部）",
                                **{**common, "start": date(2026, 10, 1), "end": date(2026, 10, 31)})

    stats = client.get(reverse("metrics_public:stats", args=[world.city.code]))
    assert [r.title for r in stats.context["reports"]] == ["政民互动工作通报"]
    listed = client.get(reverse("metrics_public:report_list", args=[world.city.code])).content.decode()
    assert "政民互动工作通报" in listed and "舆情通报" not in listed
    assert client.get(reverse("metrics_public:report_detail", args=[world.city.code, "2026-10"])).status_code == 404
    detail = client.get(reverse("metrics_public:report_detail", args=[world.city.code, "2026-09"]))
    assert detail.status_code == 200 and detail.context["report"].kind == "metrics.monthly"
