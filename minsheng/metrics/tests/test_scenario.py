"""The scenario of issue 4: a month of cases with known outcomes, every figure asserted exactly.

March 2026 in A市 (no holiday in March). Every case goes through the real actions with the clock
frozen at the moment written next to each step. Limits: receipt 1 working day, reply 7 working
days, counted from the next working day, due at 17:30 (docs/deadlines.md).

 #  case          department     what happens                                                 outcome
 1  on time       住建局 (A)      received 3/3, replied 3/5 (due 3/11), rated basically        on time; solved
                                  satisfied by the citizen, then a return visit: basically
                                  satisfied, solved
 2  late          生态环境局 (B)  received 3/4 (due 3/3), replied 3/13 (due 3/11), never rated late receipt, late reply
 3  returned      B then A        B returns it the day of dispatch, A gets it 3/4, replies 3/6, on time; not solved
                                  rated basically satisfied, not solved
 4  extended      A               due 3/12, 5 working days approved → 3/19, replied 3/17       on time thanks to it
 5  redone        A               replied 3/5, rated dissatisfied → redo due 3/17, replied      on time (the redo's reply)
                                  again 3/16, rated satisfied
 6  excluded      A               received, never replied; exclusion approved by a supervisor  out of A's figures
 7  overdue       A               received 3/5, never replied (due 3/16)                       late, overdue
 8  paused        A               received 3/5, waiting for the citizen's material since 3/6   not due yet
 9  rejected      —               rejected at intake                                           not valid
10  merged        —               merged into case 1                                           not valid
11  at intake     —               never accepted                                               not valid
12  not received  A               dispatched 3/9, never signed for                             late receipt, late reply
13  February      A               submitted 27 Feb                                             outside the period
14  leader letter office → A      the mayor's office forwards it to A, never signed for        a transfer by the office
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from minsheng.cases import actions
from minsheng.cases.models import Satisfaction
from minsheng.cases.tests.clock import local
from minsheng.metrics.engine import COUNTS, RATES, Scope, by_department, cases_behind, compute
from minsheng.metrics.models import MetricSettings
from minsheng.metrics.tests.scenario import AS_OF, at, fresh, march_scope, rate, reply


def rates(metrics: Any) -> dict[str, tuple[float, int]]:
    return {name: (getattr(metrics, name).numerator, getattr(metrics, name).denominator) for name in RATES}


def test_the_deadlines_of_the_scenario_are_the_ones_the_table_assumes(world, march):
    assert march[1].due_at == local(2026, 3, 11, 17, 30)
    assert march[1].receive_due_at == local(2026, 3, 3, 17, 30)
    assert march[4].due_at == local(2026, 3, 19, 17, 30)  # 3/12 + 5 working days
    assert march[5].due_at == local(2026, 3, 17, 17, 30)  # the redo's deadline
    assert march[7].due_at == local(2026, 3, 16, 17, 30)
    assert march[14].due_at == local(2026, 3, 19, 17, 30)


def test_every_figure_of_the_site_is_exactly_the_expected_one(world, march):
    metrics = compute(march_scope(world))
    assert rates(metrics) == {
        "reply_rate": (5, 9),  # valid: 1-5, 7, 8, 12, 14; replied: 1-5
        "response_rate": (6, 9),  # late receipt: 2, 12 and 14 (never signed for, past the limit)
        "on_time_rate": (4, 8),  # due: answered 1-5, past deadline 7, 12, 14; in time: 1, 3, 4, 5
        "resolution_rate": (2, 3),  # verdicts: 1 solved (return visit), 3 not solved, 5 solved
        "satisfaction_rate": (3, 3),  # 1 basic, 3 basic, 5 satisfied
    }
    assert metrics.counts == {
        "cases": 12, "valid": 9, "rejected": 1, "merged": 1, "dispatched": 9, "replied": 5, "closed": 3,
        "rated": 3, "redone": 1, "imported": 0, "excluded": 1,
    }
    # Dispatch to first reply in working days: 1→3, 2→9, 3→2 (from the re-dispatch), 4→10, 5→1.
    assert metrics.handling_days == {"count": 5, "mean": 5.0, "median": 3.0, "p90": 10.0}
    assert metrics.returns == 1  # case 3 by B
    assert metrics.transfers == 1  # case 14 by the mayor's office
    # Working days past the deadline on 2 April: 7 → 13, 12 → 11, 14 → 10. Case 6 is excluded,
    # case 8's clock stopped before its deadline.
    assert metrics.overdue_by_age == {"<=5": 0, "6-20": 3, "21-60": 0, ">60": 0}
    assert (metrics.red_line, metrics.red_line_flagged) == (0, 0)
    # 100 × (10·5/9 + 10·6/9 + 30·4/8 + 25·2/3 + 25·3/3) / 100
    assert metrics.appraisal_score == 68.89


def test_departments_are_ranked_with_their_own_figures(world, march):
    ranking = by_department(march_scope(world), min_cases=1)
    assert [department for department, _m in ranking] == [world.dept_a, world.dept_b]
    a, b = ranking[0][1], ranking[1][1]
    assert rates(a) == {"reply_rate": (4, 8), "response_rate": (6, 8), "on_time_rate": (4, 7),
                        "resolution_rate": (2, 3), "satisfaction_rate": (3, 3)}
    assert (a.counts["cases"], a.counts["excluded"], a.returns, a.transfers) == (8, 1, 0, 0)
    assert a.appraisal_score == 71.31
    assert rates(b) == {"reply_rate": (1, 1), "response_rate": (0, 1), "on_time_rate": (0, 1),
                        "resolution_rate": (0, 0), "satisfaction_rate": (0, 0)}
    assert b.returns == 1
    assert b.appraisal_score == 20.0  # only the defined rates count: 10·1 / (10+10+30)

    everyone = {d.pk: m for d, m in by_department(march_scope(world))}
    office = world.leader.office
    assert office is not None
    assert everyone[office.pk].transfers == 1
    assert everyone[office.pk].appraisal_score is None
    # The department scope of compute() gives the same figures as the ranking.
    assert compute(march_scope(world, department=world.dept_a)).as_dict() | {"scope": None} == (
        a.as_dict() | {"scope": None})


def test_the_cases_behind_every_figure_are_exactly_the_ones_counted(world, march):
    scope = march_scope(world)
    metrics = compute(scope).as_dict()
    for name in RATES:
        for part in ("numerator", "denominator"):
            assert cases_behind(scope, name, part).count() == metrics[name][part], (name, part)
    for name in COUNTS:
        assert cases_behind(scope, name, "value").count() == metrics["counts"][name], name
    for name in ("returns", "transfers", "red_line", "overdue"):
        assert cases_behind(scope, name, "value").count() == metrics[name], name
    assert cases_behind(scope, "handling_days", "value").count() == metrics["handling_days"]["count"]
    assert set(cases_behind(scope, "on_time_rate", "numerator")) == {march[1], march[3], march[4], march[5]}
    assert set(cases_behind(scope, "overdue_by_age.6-20", "value")) == {march[7], march[12], march[14]}
    assert list(cases_behind(scope, "excluded", "value")) == [march[6]]


def test_a_rating_in_the_next_month_changes_the_month_of_the_case(world, march):
    before = compute(march_scope(world))
    rate(march[2], local(2026, 4, 10, 10), Satisfaction.SATISFIED, True)
    after = compute(march_scope(world, as_of=local(2026, 4, 10, 12)))
    assert (before.resolution_rate.numerator, before.resolution_rate.denominator) == (2, 3)
    assert (after.resolution_rate.numerator, after.resolution_rate.denominator) == (3, 4)
    assert (after.satisfaction_rate.numerator, after.satisfaction_rate.denominator) == (4, 4)
    april = compute(Scope(site=world.city, start=date(2026, 4, 1), end=date(2026, 4, 30), as_of=AS_OF))
    assert april.counts["cases"] == 0


def test_a_redo_reply_that_comes_late_makes_the_case_late(world, march):
    case = march[3]
    # Case 3 was rated "basically satisfied" and closed; a return visit that finds it unsolved
    # reopens it (redo, new deadline 3/19) and the department answers only on 3/25.
    followup = at(local(2026, 3, 11, 10), lambda: actions.case_create_followup(fresh(case), method="phone"))
    at(local(2026, 3, 11, 11), lambda: actions.case_record_followup(
        followup, by=world.supervisor, reached=True, satisfaction=Satisfaction.DISSATISFIED, solved=False))
    assert fresh(case).due_at == local(2026, 3, 20, 17, 30)
    reply(world, case, local(2026, 3, 25, 10))
    metrics = compute(march_scope(world))
    assert (metrics.on_time_rate.numerator, metrics.on_time_rate.denominator) == (3, 8)
    # The latest verdict is the return visit's: dissatisfied, not solved.
    assert (metrics.satisfaction_rate.numerator, metrics.satisfaction_rate.denominator) == (2, 3)


def test_a_fractional_weight_for_basically_satisfied_is_applied(world, march):
    MetricSettings.objects.create(site=world.city, basic_weight=Decimal("0.8"))
    metrics = compute(march_scope(world))
    assert metrics.satisfaction_rate.as_dict() == {"numerator": 2.6, "denominator": 3, "value": round(2.6 / 3, 6)}
    # A district without settings of its own inherits the city's.
    district = compute(Scope(site=world.district, start=date(2026, 3, 1), end=date(2026, 3, 31), as_of=AS_OF))
    assert district.counts["cases"] == 0


def test_three_months_later_the_unanswered_cases_cross_the_red_line(world, march):
    metrics = compute(march_scope(world, as_of=local(2026, 6, 30, 12)))
    # 7, 12, 14 and the case never accepted (11); 8 waits for the citizen, 6 is excluded.
    assert (metrics.red_line, metrics.red_line_flagged) == (4, 4)
    assert metrics.overdue_by_age == {"<=5": 0, "6-20": 0, "21-60": 0, ">60": 3}
