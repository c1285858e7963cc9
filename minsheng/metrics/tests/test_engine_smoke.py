"""The engine's contract, on one case walked through the real actions."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from minsheng.metrics.engine import RATES, Scope, by_department, cases_behind, compute


def test_a_replied_case_counts_as_replied_and_answered_in_time(world, make_case):
    case = make_case("replied")
    today = timezone.localdate()
    metrics = compute(Scope(site=world.city, start=today, end=today))
    assert metrics.reply_rate.as_dict() == {"numerator": 1, "denominator": 1, "value": 1.0}
    assert metrics.on_time_rate.numerator == 1
    assert set(RATES) <= set(metrics.as_dict())
    assert list(cases_behind(Scope(site=world.city, start=today, end=today), "reply_rate", "numerator")) == [case]
    ranking = by_department(Scope(site=world.city, start=today, end=today), min_cases=1)
    assert [d for d, _m in ranking] == [world.dept_a]


def test_an_administrator_edits_the_weights_of_a_site_in_the_admin(client, world):
    from django.contrib.auth import get_user_model

    from minsheng.metrics.models import MetricSettings

    root = get_user_model().objects.create_superuser(username="root", password="x-root-12345", email="r@example.com")
    client.force_login(root)
    response = client.post("/admin/metrics/metricsettings/add/", {
        "site": world.city.pk, "satisfied_weight": "1", "basic_weight": "0.8", "reply_weight": "10",
        "response_weight": "10", "on_time_weight": "30", "resolution_weight": "25", "satisfaction_weight": "25"})
    assert response.status_code == 302
    assert MetricSettings.objects.get(site=world.city).basic_weight == Decimal("0.8")
    bad = client.post("/admin/metrics/metricsettings/add/", {
        "site": world.district.pk, "satisfied_weight": "1", "basic_weight": "1.5", "reply_weight": "10",
        "response_weight": "10", "on_time_weight": "30", "resolution_weight": "25", "satisfaction_weight": "25"})
    assert bad.status_code == 200 and "basic_weight" in bad.context["adminform"].form.errors
    assert client.get("/admin/metrics/exclusion/add/").status_code == 403
