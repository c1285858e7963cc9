"""The engine's contract, on one case walked through the real actions."""

from __future__ import annotations

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
