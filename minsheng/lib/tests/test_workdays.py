"""Working-day deadlines: the statutory calendar, 次日起算, pauses, extensions, time zones."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minsheng.lib.workdays import (
    CalendarDataMissing,
    Remaining,
    WorkCalendar,
    calendar_from_rows,
    default_calendar,
)

SH = ZoneInfo("Asia/Shanghai")
CAL = default_calendar()


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def eod(y: int, m: int, d: int) -> datetime:
    return sh(y, m, d, 17, 30)


def brute_force_between(cal: WorkCalendar, start: date, end: date) -> int:
    count, d = 0, start
    while d < end:
        d += timedelta(days=1)
        count += cal.is_workday(d)
    return count


# -- the calendar itself ---------------------------------------------------------------------------


def test_national_day_2026_holidays_are_off_and_october_10_is_a_makeup_saturday() -> None:
    assert all(not CAL.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert date(2026, 10, 10).weekday() == 5
    assert CAL.is_workday(date(2026, 10, 10))
    assert not CAL.is_workday(date(2026, 10, 11))


def test_a_makeup_sunday_is_a_working_day() -> None:
    # 2026-09-20 is the Sunday worked in exchange for the Mid-Autumn break.
    assert date(2026, 9, 20).weekday() == 6
    assert CAL.is_workday(date(2026, 9, 20))
    assert CAL.next_workday(date(2026, 9, 19)) == date(2026, 9, 20)


def test_next_workday_is_strictly_after_the_given_day() -> None:
    assert CAL.next_workday(date(2026, 3, 10)) == date(2026, 3, 11)
    assert CAL.next_workday(date(2026, 3, 13)) == date(2026, 3, 16)  # Friday -> Monday


def test_default_calendar_covers_the_years_the_package_knows_and_only_those() -> None:
    assert CAL.known_years is not None
    assert {2004, 2020, 2026} <= CAL.known_years
    assert 2003 not in CAL.known_years
    only_2026 = default_calendar([2026, 2099])
    assert only_2026.known_years == frozenset({2026})
    assert only_2026.is_workday(date(2026, 10, 10))
    with pytest.warns(CalendarDataMissing):
        # 2025-10-01 is a holiday in the package, but 2025 was not requested: weekends-only.
        assert only_2026.is_workday(date(2025, 10, 1))


def test_default_calendar_keeps_only_weekday_holidays_and_weekend_makeup_days() -> None:
    assert all(d.weekday() < 5 for d in CAL.holidays)
    assert all(d.weekday() >= 5 for d in CAL.makeup_workdays)


def test_years_without_data_are_weekends_only_and_warn() -> None:
    with pytest.warns(CalendarDataMissing, match="2031"):
        assert CAL.is_workday(date(2031, 10, 1))  # a Wednesday; National Day unknown that year
    with pytest.warns(CalendarDataMissing):
        assert not CAL.is_workday(date(2031, 10, 4))  # Saturday


def test_a_hand_built_calendar_does_not_check_years() -> None:
    cal = WorkCalendar(holidays=frozenset(), makeup_workdays=frozenset())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cal.add_working_days(date(2099, 1, 2), 1) == date(2099, 1, 5)


def test_a_day_both_holiday_and_makeup_is_a_holiday() -> None:
    saturday = date(2026, 3, 14)
    cal = WorkCalendar(holidays=frozenset({saturday}), makeup_workdays=frozenset({saturday}))
    assert not cal.is_workday(saturday)
    assert cal.working_days_between(date(2026, 3, 13), date(2026, 3, 16)) == 1


def test_workday_start_must_be_before_workday_end() -> None:
    with pytest.raises(ValueError):
        WorkCalendar(frozenset(), frozenset(), workday_start=time(18), workday_end=time(9))


# -- counting days -----------------------------------------------------------------------------------


def test_national_day_example_september_30_plus_5_is_october_13() -> None:
    # 10-08 Thu, 10-09 Fri, 10-10 Sat (调休), 10-12 Mon, 10-13 Tue.
    assert CAL.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)


def test_spring_festival_2026_skips_february_15_to_23_and_counts_makeup_saturdays() -> None:
    # Holidays 2026-02-15..23; Saturdays 02-14 and 02-28 are worked.
    assert CAL.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert CAL.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert CAL.add_working_days(date(2026, 2, 13), 6) == date(2026, 2, 28)
    assert CAL.working_days_between(date(2026, 2, 14), date(2026, 2, 23)) == 0


def test_adding_zero_working_days_returns_the_start_even_on_a_holiday() -> None:
    assert CAL.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)


def test_counting_from_a_holiday_starts_on_the_next_working_day() -> None:
    assert CAL.add_working_days(date(2026, 10, 3), 1) == date(2026, 10, 8)


def test_negative_working_days_raise() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 3, 10), -1)
    with pytest.raises(ValueError):
        CAL.due_at(sh(2026, 3, 10, 10), working_days=-1)
    with pytest.raises(ValueError):
        CAL.extend(eod(2026, 3, 10), -2)


def test_working_days_between_is_zero_when_end_is_not_after_start() -> None:
    assert CAL.working_days_between(date(2026, 3, 10), date(2026, 3, 10)) == 0
    assert CAL.working_days_between(date(2026, 3, 10), date(2026, 3, 1)) == 0


def test_working_days_between_counts_the_end_but_not_the_start() -> None:
    # (Fri 9-18, Tue 9-22]: Sun 9-20 (调休), Mon 9-21, Tue 9-22.
    assert CAL.working_days_between(date(2026, 9, 18), date(2026, 9, 22)) == 3


dates_2020_2026 = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31))


@settings(max_examples=300, deadline=None)
@given(start=dates_2020_2026, n=st.integers(min_value=0, max_value=40))
def test_working_days_between_inverts_add_working_days(start: date, n: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalendarDataMissing)  # late 2026 + 40 days reaches 2027
        end = CAL.add_working_days(start, n)
        assert CAL.working_days_between(start, end) == n
        assert end == start or CAL.is_workday(end)


@settings(max_examples=300, deadline=None)
@given(start=dates_2020_2026, end=dates_2020_2026)
def test_working_days_between_agrees_with_walking_day_by_day(start: date, end: date) -> None:
    assert CAL.working_days_between(start, end) == brute_force_between(CAL, start, end)


@settings(max_examples=200, deadline=None)
@given(start=dates_2020_2026, end=dates_2020_2026)
def test_adding_the_count_between_two_dates_lands_on_the_last_workday_up_to_the_end(
    start: date, end: date
) -> None:
    n = CAL.working_days_between(start, end)
    landed = CAL.add_working_days(start, n)
    if end > start:
        assert landed <= end
        assert CAL.working_days_between(landed, end) == 0


# -- due times ---------------------------------------------------------------------------------------


def test_due_at_working_days_is_end_of_the_working_day_in_shanghai() -> None:
    due = CAL.due_at(sh(2026, 9, 30, 10), working_days=5)
    assert due == eod(2026, 10, 13)
    assert due.tzinfo == SH


def test_an_event_at_23_00_on_friday_counts_from_monday() -> None:
    friday_late = sh(2026, 3, 13, 23)
    assert CAL.due_at(friday_late, working_days=1) == eod(2026, 3, 16)
    # Same as an event that morning: the event's day never counts, whatever the hour.
    assert CAL.due_at(sh(2026, 3, 13, 8), working_days=1) == eod(2026, 3, 16)


def test_an_event_at_23_30_local_and_the_same_instant_in_utc_have_the_same_due() -> None:
    local = sh(2026, 9, 29, 23, 30)
    in_utc = local.astimezone(UTC)
    assert in_utc.date() == date(2026, 9, 29)
    assert CAL.due_at(local, working_days=1) == CAL.due_at(in_utc, working_days=1) == eod(2026, 9, 30)


def test_a_utc_evening_that_is_already_tomorrow_in_shanghai_counts_from_the_shanghai_date() -> None:
    # 2026-09-29 16:30 UTC is 2026-09-30 00:30 in Shanghai: the event's date is 30 Sept, so the
    # first working day counted is 8 Oct (not 30 Sept, as a naive reading of the UTC date would say).
    in_utc = datetime(2026, 9, 29, 16, 30, tzinfo=UTC)
    assert CAL.due_at(in_utc, working_days=1) == eod(2026, 10, 8)


def test_zero_working_days_is_the_end_of_the_events_own_day() -> None:
    assert CAL.due_at(sh(2026, 3, 10, 10), working_days=0) == eod(2026, 3, 10)


def test_clock_hours_run_across_midnight() -> None:
    assert CAL.due_at(sh(2026, 3, 10, 22), clock_hours=4) == sh(2026, 3, 11, 2)
    assert CAL.due_at(sh(2026, 3, 10, 22), clock_hours=0.5) == sh(2026, 3, 10, 22, 30)


def test_clock_hours_ignore_holidays_and_weekends() -> None:
    start = sh(2026, 9, 30, 20)
    assert CAL.due_at(start, clock_hours=24) == sh(2026, 10, 1, 20)
    assert CAL.due_at(start.astimezone(UTC), clock_hours=72) == sh(2026, 10, 3, 20)
    assert CAL.due_at(start.astimezone(UTC), clock_hours=72).tzinfo == SH


def test_due_at_needs_exactly_one_rule() -> None:
    with pytest.raises(ValueError):
        CAL.due_at(sh(2026, 3, 10, 10))
    with pytest.raises(ValueError):
        CAL.due_at(sh(2026, 3, 10, 10), working_days=1, clock_hours=2)
    with pytest.raises(ValueError):
        CAL.due_at(sh(2026, 3, 10, 10), clock_hours=-1)


def test_naive_datetimes_raise() -> None:
    naive = datetime(2026, 3, 10, 10)
    aware = sh(2026, 3, 10, 10)
    with pytest.raises(ValueError, match="aware"):
        CAL.due_at(naive, working_days=1)
    with pytest.raises(ValueError):
        CAL.due_at(naive, clock_hours=1)
    with pytest.raises(ValueError):
        CAL.elapsed_working_days(aware, naive)
    with pytest.raises(ValueError):
        CAL.extend(naive, 1)
    with pytest.raises(ValueError):
        CAL.shift_for_pause(aware, naive, aware)
    with pytest.raises(ValueError):
        CAL.remaining(naive, aware)


def test_elapsed_working_days_matches_due_at() -> None:
    start = sh(2026, 9, 30, 15)
    for n in range(0, 12):
        assert CAL.elapsed_working_days(start, CAL.due_at(start, working_days=n)) == n
    assert CAL.elapsed_working_days(start, start - timedelta(days=3)) == 0
    assert CAL.elapsed_working_days(start, sh(2026, 10, 7, 23)) == 0  # all holidays


# -- pauses and extensions ---------------------------------------------------------------------------


def test_a_pause_across_a_weekend_gives_back_the_working_days_it_touched() -> None:
    due = eod(2026, 3, 20)
    # Fri 15:00 -> Mon 10:00 overlaps the working hours of Friday and Monday only.
    shifted = CAL.shift_for_pause(due, sh(2026, 3, 13, 15), sh(2026, 3, 16, 10))
    assert shifted == eod(2026, 3, 24)


def test_a_pause_outside_working_hours_gives_nothing_back() -> None:
    due = eod(2026, 3, 20)
    assert CAL.shift_for_pause(due, sh(2026, 3, 13, 18), sh(2026, 3, 16, 8, 30)) == due
    # Ending exactly when the day opens, or starting exactly when it closes, touches nothing.
    assert CAL.shift_for_pause(due, sh(2026, 3, 13, 17, 30), sh(2026, 3, 16, 9)) == due


def test_a_short_pause_within_one_working_day_gives_back_the_whole_day() -> None:
    assert CAL.shift_for_pause(eod(2026, 3, 20), sh(2026, 3, 17, 10), sh(2026, 3, 17, 11)) == eod(2026, 3, 23)


def test_a_pause_across_national_day_counts_only_the_working_days() -> None:
    # 9-30, 10-08, 10-09 are working days inside the pause; 10-01..07 are holidays.
    due = eod(2026, 10, 13)
    shifted = CAL.shift_for_pause(due, sh(2026, 9, 30, 10), sh(2026, 10, 9, 10))
    assert shifted == eod(2026, 10, 16)


def test_a_pause_given_in_utc_is_read_in_shanghai_time() -> None:
    # 01:00-02:00 UTC is 09:00-10:00 in Shanghai: inside working hours.
    paused_from = datetime(2026, 3, 17, 1, tzinfo=UTC)
    paused_to = datetime(2026, 3, 17, 2, tzinfo=UTC)
    assert CAL.shift_for_pause(eod(2026, 3, 20), paused_from, paused_to) == eod(2026, 3, 23)


def test_a_clock_hour_deadline_moves_by_the_exact_pause_duration() -> None:
    due = sh(2026, 9, 30, 22)
    shifted = CAL.shift_for_pause(due, sh(2026, 9, 30, 20), sh(2026, 10, 1, 1, 30), clock_hours=True)
    assert shifted == sh(2026, 10, 1, 3, 30)


def test_a_pause_that_ends_before_it_starts_raises() -> None:
    with pytest.raises(ValueError):
        CAL.shift_for_pause(eod(2026, 3, 20), sh(2026, 3, 17, 11), sh(2026, 3, 17, 10))


def test_an_extension_moves_the_due_by_working_days_and_stays_at_end_of_day() -> None:
    assert CAL.extend(eod(2026, 9, 30), 5) == eod(2026, 10, 13)
    assert CAL.extend(eod(2026, 2, 13), 2) == eod(2026, 2, 24)


def test_an_extension_of_a_clock_hour_due_lands_at_end_of_day() -> None:
    assert CAL.extend(sh(2026, 3, 17, 14), 1) == eod(2026, 3, 18)


def test_an_extension_of_zero_days_leaves_the_due_alone() -> None:
    due = sh(2026, 3, 17, 14).astimezone(UTC)
    assert CAL.extend(due, 0) == due
    assert CAL.extend(due, 0).tzinfo == SH


# -- admin overrides ---------------------------------------------------------------------------------


def test_an_admin_declaring_an_extra_holiday_moves_the_due() -> None:
    start = sh(2026, 3, 9, 10)
    before = CAL.due_at(start, working_days=3)
    assert before == eod(2026, 3, 12)
    cal = calendar_from_rows([(date(2026, 3, 11), False)], base=CAL)
    assert not cal.is_workday(date(2026, 3, 11))
    assert cal.due_at(start, working_days=3) == eod(2026, 3, 13)


def test_rows_alone_build_a_calendar_with_makeup_days_and_holidays() -> None:
    cal = calendar_from_rows(
        [
            (date(2027, 10, 1), False),  # Friday: holiday
            (date(2027, 10, 9), True),  # Saturday: 调休
            (date(2027, 10, 6), True),  # ordinary Wednesday: no-op
            (date(2027, 10, 3), False),  # ordinary Sunday: no-op
        ]
    )
    assert cal.holidays == frozenset({date(2027, 10, 1)})
    assert cal.makeup_workdays == frozenset({date(2027, 10, 9)})
    assert cal.known_years == frozenset({2027})
    assert cal.add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 4)
    assert cal.next_workday(date(2027, 10, 8)) == date(2027, 10, 9)


def test_an_admin_can_cancel_a_holiday_or_a_makeup_day_from_the_package() -> None:
    cal = calendar_from_rows([(date(2026, 10, 7), True), (date(2026, 10, 10), False)], base=CAL)
    assert cal.is_workday(date(2026, 10, 7))
    assert not cal.is_workday(date(2026, 10, 10))
    assert cal.add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 8)


def test_when_a_day_appears_twice_the_last_row_wins() -> None:
    cal = calendar_from_rows([(date(2027, 5, 3), False), (date(2027, 5, 3), True)])
    assert cal.is_workday(date(2027, 5, 3))


def test_rows_keep_the_base_calendars_hours_and_zone() -> None:
    base = WorkCalendar(frozenset(), frozenset(), workday_end=time(18), tz=ZoneInfo("Asia/Urumqi"))
    cal = calendar_from_rows([], base=base)
    assert (cal.workday_end, cal.tz, cal.known_years) == (time(18), ZoneInfo("Asia/Urumqi"), None)


# -- remaining time ----------------------------------------------------------------------------------


def test_remaining_counts_whole_working_days_after_today() -> None:
    r = CAL.remaining(sh(2026, 3, 16, 10), eod(2026, 3, 18))
    assert r == Remaining(overdue=False, working_days=2, hours=55.5)


def test_remaining_on_the_due_day_is_zero_days_and_some_hours() -> None:
    r = CAL.remaining(sh(2026, 3, 18, 14), eod(2026, 3, 18))
    assert (r.overdue, r.working_days, r.hours) == (False, 0, 3.5)


def test_remaining_overdue_the_same_evening_is_zero_days_and_negative_hours() -> None:
    r = CAL.remaining(sh(2026, 3, 18, 20, 30), eod(2026, 3, 18))
    assert (r.overdue, r.working_days, r.hours) == (True, 0, -3.0)


def test_remaining_overdue_by_working_days_is_negative_and_skips_holidays() -> None:
    # Due Wed 9-30; on Fri 10-09 the working days since then are 10-08 and 10-09.
    r = CAL.remaining(sh(2026, 10, 9, 10), eod(2026, 9, 30))
    assert r.overdue
    assert r.working_days == -2
    assert r.hours < 0


def test_remaining_is_not_overdue_exactly_at_the_due_time() -> None:
    due = eod(2026, 3, 18)
    assert CAL.remaining(due.astimezone(UTC), due) == Remaining(overdue=False, working_days=0, hours=0.0)


# -- adding working days by arithmetic, checked against the day-by-day walk -------------------------


def walk_working_days(cal: WorkCalendar, start: date, n: int) -> date:
    """The definition, one day at a time: n times the next working day."""
    d = start
    for _ in range(n):
        d = cal.next_workday(d)
    return d


def missing_years(action) -> tuple[object, set[str]]:  # type: ignore[no-untyped-def]
    """What `action` returns and the CalendarDataMissing messages it emits (each one, not once per place)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = action()
    return result, {str(w.message) for w in caught if issubclass(w.category, CalendarDataMissing)}


# Before the package's first year (2004) and after its last (2026): weekends-only, with warnings.
dates_1995_2040 = st.dates(min_value=date(1995, 1, 1), max_value=date(2040, 12, 31))


@settings(max_examples=300, deadline=None)
@given(start=dates_1995_2040, n=st.integers(min_value=0, max_value=2500))
def test_adding_working_days_on_the_statutory_calendar_agrees_with_the_walk_and_warns_the_same(
    start: date, n: int
) -> None:
    jumped, jumped_warnings = missing_years(lambda: CAL.add_working_days(start, n))
    walked, walked_warnings = missing_years(lambda: walk_working_days(CAL, start, n))
    assert jumped == walked
    assert jumped_warnings == walked_warnings


def _calendars() -> st.SearchStrategy[WorkCalendar]:
    days = st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 2, 28))
    return st.builds(
        lambda holidays, makeup, years: WorkCalendar(
            holidays=frozenset(holidays), makeup_workdays=frozenset(makeup), known_years=years),
        st.sets(days, max_size=60),
        st.sets(days, max_size=60),  # weekdays among them are no-ops; some overlap the holidays
        st.one_of(st.none(), st.sets(st.integers(2024, 2028)).map(frozenset)),
    )


@settings(max_examples=300, deadline=None)
@given(cal=_calendars(), start=st.dates(min_value=date(2025, 10, 1), max_value=date(2027, 3, 31)),
       n=st.integers(min_value=0, max_value=400))
def test_adding_working_days_on_any_admin_calendar_agrees_with_the_walk(
    cal: WorkCalendar, start: date, n: int
) -> None:
    # Dense tables of holidays, make-up days and days that are both, around the start.
    jumped, jumped_warnings = missing_years(lambda: cal.add_working_days(start, n))
    walked, walked_warnings = missing_years(lambda: walk_working_days(cal, start, n))
    assert jumped == walked
    assert jumped_warnings == walked_warnings


def test_adding_two_million_working_days_is_immediate_and_consistent() -> None:
    import time as clock

    began = clock.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalendarDataMissing)
        end = CAL.add_working_days(date(2026, 1, 1), 2_000_000)
        assert CAL.working_days_between(date(2026, 1, 1), end) == 2_000_000
        assert CAL.is_workday(end)
    assert clock.perf_counter() - began < 1


def test_adding_working_days_past_the_last_representable_date_overflows_like_the_walk() -> None:
    cal = WorkCalendar(holidays=frozenset(), makeup_workdays=frozenset())
    assert cal.add_working_days(date(9999, 12, 30), 1) == date(9999, 12, 31)  # a Friday
    with pytest.raises(OverflowError):
        walk_working_days(cal, date(9999, 12, 30), 2)
    with pytest.raises(OverflowError):
        cal.add_working_days(date(9999, 12, 30), 2)
