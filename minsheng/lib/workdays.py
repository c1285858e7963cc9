"""Deadlines counted in Chinese working days (工作日), pure and Django-free.

Every case deadline in Minsheng is expressed either in working days of the statutory calendar
(weekends off, statutory holidays off, make-up working days 调休 on) or, for emergencies, in clock
hours that run 24 hours a day. Administrators edit the calendar in the database, so the calendar is
plain data (:class:`WorkCalendar`) and the database layer builds one with :func:`calendar_from_rows`.

Rules chosen here (each one is tested in ``minsheng/lib/tests/test_workdays.py``):

* 次日起算 — counting starts on the first working day *after* the event's local date, whatever the
  time of the event: an event at 08:00 or at 23:00 on a Friday both start counting on Monday.
  An event on a weekend or holiday starts counting on the next working day too, so
  ``add_working_days(start, n)`` is the n-th working day strictly after ``start``.
* ``n == 0`` returns ``start`` unchanged (even if ``start`` is not a working day); ``n < 0`` raises
  ``ValueError``: deadlines never run backwards.
* A working-day deadline falls due at ``workday_end`` (17:30 by default) local time of that day.
* Every datetime must be aware (naive raises ``ValueError``); it is converted to ``tz`` before its
  date is taken, so 2026-09-29 16:30 UTC is 2026-09-30 00:30 in Shanghai and counts as 30 Sept.
* Clock-hour deadlines ignore weekends and holidays and are computed on absolute time (UTC).
* A pause (补充材料) gives back one working day for each working day whose working hours
  [workday_start, workday_end) overlap the pause [paused_from, paused_to) for a positive length;
  clock-hour deadlines move by the pause's exact duration.
* Years the calendar has no data for are treated as weekends-only; a
  :class:`CalendarDataMissing` warning is emitted when such a year is used (only when the calendar
  knows which years it covers, i.e. ``known_years`` is not ``None``).
"""

from __future__ import annotations

import heapq
import warnings
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "CalendarDataMissing",
    "Remaining",
    "WorkCalendar",
    "calendar_from_rows",
    "default_calendar",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
_ONE_DAY = timedelta(days=1)


class CalendarDataMissing(UserWarning):
    """A date fell in a year the calendar has no holiday data for; weekends-only was assumed."""


def _is_weekend(d: date) -> bool:
    return d.weekday() >= 5


def _weekdays_up_to(d: date) -> int:
    """Number of Monday–Friday days in [0001-01-01, d]. Ordinal 1 (0001-01-01) is a Monday."""
    weeks, rest = divmod(d.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def _nth_weekday_after(d: date, k: int) -> date:
    """The k-th Monday–Friday day strictly after ``d`` (k >= 1), by arithmetic: the inverse of
    :func:`_weekdays_up_to`, whose count reaches t on ordinal ``(t - 1) // 5 * 7 + (t - 1) % 5 + 1``."""
    weeks, rest = divmod(_weekdays_up_to(d) + k - 1, 5)
    ordinal = weeks * 7 + rest + 1
    if ordinal > _MAX_ORDINAL:
        # What stepping past date.max one day at a time raises.
        raise OverflowError("date value out of range")
    return date.fromordinal(ordinal)


_MAX_ORDINAL = date.max.toordinal()


def _require_aware(name: str, value: datetime) -> None:
    # A naive datetime has no defined instant; guessing a zone is how deadlines end up 8 hours off.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")


def _require_non_negative(name: str, n: int) -> None:
    if n < 0:
        raise ValueError(f"{name} must be >= 0, got {n}")


@dataclass(frozen=True)
class Remaining:
    """Time left until a deadline, for workbench rows ("剩余2个工作日" / "超期3小时").

    ``working_days`` counts whole working days between the two local dates: when not overdue it is
    the number of working days after today up to and including the due date (0 = due today); when
    overdue it is minus the number of working days after the due date up to and including today,
    so it can be 0 while ``overdue`` is True (due earlier today) — show ``hours`` then.
    ``hours`` is signed clock time, negative when overdue.
    """

    overdue: bool
    working_days: int
    hours: float


@dataclass(frozen=True)
class WorkCalendar:
    """The statutory working calendar as data.

    ``holidays`` are days off that would otherwise be working days; ``makeup_workdays`` are weekend
    days that are working days (调休). A day in both sets is a holiday (a day off wins: an admin who
    marks a day off means it). Weekend days in ``holidays`` and weekdays in ``makeup_workdays`` are
    harmless no-ops. ``known_years`` lists the years the data is complete for; ``None`` means
    "don't check" (hand-built calendars, tests).
    """

    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    workday_start: time = time(9, 0)
    workday_end: time = time(17, 30)
    tz: ZoneInfo = SHANGHAI
    known_years: frozenset[int] | None = None
    # Sorted exceptions to the Monday–Friday rule, so working_days_between is O(log n) instead of a
    # day-by-day walk (workbench computes it for every row of every page).
    _off_weekdays: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _on_weekends: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.workday_start >= self.workday_end:
            raise ValueError("workday_start must be before workday_end")
        off = tuple(sorted(d for d in self.holidays if not _is_weekend(d)))
        on = tuple(sorted(d for d in self.makeup_workdays if _is_weekend(d) and d not in self.holidays))
        object.__setattr__(self, "_off_weekdays", off)
        object.__setattr__(self, "_on_weekends", on)

    # -- days ---------------------------------------------------------------------------------

    def _check_years(self, first: date, last: date) -> None:
        if self.known_years is None:
            return
        for year in range(first.year, last.year + 1):
            if year not in self.known_years:
                # Default warning filters show this once per call site and year, not once per day.
                warnings.warn(
                    f"no working-day calendar data for {year}; assuming weekends-only",
                    CalendarDataMissing,
                    stacklevel=3,
                )

    def is_workday(self, d: date) -> bool:
        self._check_years(d, d)
        if d in self.holidays:
            return False
        if d in self.makeup_workdays:
            return True
        return not _is_weekend(d)

    def next_workday(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d += _ONE_DAY
        while not self.is_workday(d):
            d += _ONE_DAY
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (次日起算: ``start`` itself never counts).

        Computed without walking the days (a walk made ``workdays add`` with a large n take minutes):
        whole stretches of Monday–Friday are counted by arithmetic, and only the exceptions after
        ``start`` (weekday holidays, weekend make-up days) are visited, in date order, until the
        count is reached. Same result as calling :meth:`next_workday` n times, the same
        :class:`CalendarDataMissing` warnings (one per year without data that the count crosses),
        and the same ``OverflowError`` past ``date.max``.
        """
        _require_non_negative("n", n)
        if n == 0:
            return start
        result = self._nth_workday_after(start, n)
        self._check_years(start + _ONE_DAY, result)
        return result

    def _nth_workday_after(self, start: date, n: int) -> date:
        offs = self._off_weekdays[bisect_right(self._off_weekdays, start):]
        ons = self._on_weekends[bisect_right(self._on_weekends, start):]
        exceptions = heapq.merge(((d, False) for d in offs), ((d, True) for d in ons))
        current, remaining = start, n
        for day, working in exceptions:
            # Monday–Friday days strictly between `current` and this exception (an off weekday is
            # itself a Monday–Friday day, a make-up weekend day is not).
            ordinary = _weekdays_up_to(day) - _weekdays_up_to(current) - (0 if working else 1)
            if ordinary >= remaining:
                return _nth_weekday_after(current, remaining)
            remaining -= ordinary
            if working:
                remaining -= 1
                if remaining == 0:
                    return day
            current = day
        return _nth_weekday_after(current, remaining)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; 0 if ``end <= start``.

        Inverse of :meth:`add_working_days`: ``working_days_between(s, add_working_days(s, n)) == n``.
        """
        if end <= start:
            return 0
        self._check_years(start + _ONE_DAY, end)
        count = _weekdays_up_to(end) - _weekdays_up_to(start)
        count -= bisect_right(self._off_weekdays, end) - bisect_right(self._off_weekdays, start)
        count += bisect_right(self._on_weekends, end) - bisect_right(self._on_weekends, start)
        return count

    # -- datetimes ----------------------------------------------------------------------------

    def local_date(self, moment: datetime) -> date:
        """The calendar date of an aware ``moment`` in this calendar's time zone."""
        _require_aware("moment", moment)
        return moment.astimezone(self.tz).date()

    def end_of_day(self, d: date) -> datetime:
        """``workday_end`` on ``d``, aware in ``tz``."""
        return datetime.combine(d, self.workday_end, tzinfo=self.tz)

    def due_at(
        self,
        start: datetime,
        *,
        working_days: int | None = None,
        clock_hours: float | None = None,
    ) -> datetime:
        """When a deadline that starts at ``start`` falls due. Give exactly one of the two rules.

        ``working_days=n``: end of day of the n-th working day after the local date of ``start``.
        With ``n == 0`` this is the end of ``start``'s own day, which is in the past if the event
        arrived after ``workday_end`` — callers wanting "same day" rules should know that.
        ``clock_hours=h``: ``start + h`` hours of absolute time, weekends and holidays included.
        """
        _require_aware("start", start)
        if (working_days is None) == (clock_hours is None):
            raise ValueError("give exactly one of working_days or clock_hours")
        if clock_hours is not None:
            if clock_hours < 0:
                raise ValueError(f"clock_hours must be >= 0, got {clock_hours}")
            # Add in UTC: aware + timedelta in Python is wall-clock arithmetic, which would be
            # wrong across a DST change in a zone that has one (Shanghai doesn't, others might).
            return (start.astimezone(UTC) + timedelta(hours=clock_hours)).astimezone(self.tz)
        assert working_days is not None
        _require_non_negative("working_days", working_days)
        return self.end_of_day(self.add_working_days(self.local_date(start), working_days))

    def elapsed_working_days(self, start: datetime, end: datetime) -> int:
        """Working days of the clock used up between two moments: working days in
        (local date of start, local date of end]; 0 if end is not after start.

        Consistent with :meth:`due_at`: ``elapsed_working_days(s, due_at(s, working_days=n)) == n``.
        """
        _require_aware("start", start)
        _require_aware("end", end)
        if end <= start:
            return 0
        return self.working_days_between(self.local_date(start), self.local_date(end))

    def _paused_working_days(self, paused_from: datetime, paused_to: datetime) -> int:
        """Working days whose working hours overlap [paused_from, paused_to) for a positive length.

        A pause from Friday 18:00 to Monday 08:30 took no working time away and gives nothing back;
        a pause from 10:00 to 11:00 on one working day gives that day back in full, because
        handlers plan in days, not hours, and the citizen caused the wait.
        """
        first, last = self.local_date(paused_from), self.local_date(paused_to)
        count = 0
        d = first
        while d <= last:
            if self.is_workday(d):
                opens = datetime.combine(d, self.workday_start, tzinfo=self.tz)
                closes = self.end_of_day(d)
                if max(opens, paused_from) < min(closes, paused_to):
                    count += 1
            d += _ONE_DAY
        return count

    def shift_for_pause(
        self,
        due: datetime,
        paused_from: datetime,
        paused_to: datetime,
        *,
        clock_hours: bool = False,
    ) -> datetime:
        """Move ``due`` later because the clock was stopped from ``paused_from`` to ``paused_to``.

        Working-day deadlines (default): ``due`` is extended by the number of working days whose
        working hours [workday_start, workday_end) overlap the pause (see
        :meth:`_paused_working_days`); a pause that touched no working hours leaves ``due`` as is.
        The count does not depend on where ``due`` is, so a pause after the due date still counts.
        Clock-hour deadlines (``clock_hours=True``): ``due`` moves by the exact pause duration.
        """
        _require_aware("due", due)
        _require_aware("paused_from", paused_from)
        _require_aware("paused_to", paused_to)
        if paused_to < paused_from:
            raise ValueError("paused_to is before paused_from")
        if clock_hours:
            return (due.astimezone(UTC) + (paused_to - paused_from)).astimezone(self.tz)
        return self.extend(due, self._paused_working_days(paused_from, paused_to))

    def extend(self, due: datetime, working_days: int) -> datetime:
        """An approved extension (延期): end of day of the n-th working day after ``due``'s date.

        ``working_days == 0`` returns ``due`` unchanged (converted to ``tz``); otherwise the result
        is always at ``workday_end``, even if ``due`` was a clock-hour time such as 14:00.
        """
        _require_aware("due", due)
        _require_non_negative("working_days", working_days)
        if working_days == 0:
            return due.astimezone(self.tz)
        return self.end_of_day(self.add_working_days(self.local_date(due), working_days))

    def remaining(self, now: datetime, due: datetime) -> Remaining:
        """What is left of a deadline at ``now``; see :class:`Remaining` for the exact meaning."""
        _require_aware("now", now)
        _require_aware("due", due)
        overdue = now > due
        today, due_day = self.local_date(now), self.local_date(due)
        if overdue:
            days = -self.working_days_between(due_day, today)
        else:
            days = self.working_days_between(today, due_day)
        return Remaining(
            overdue=overdue,
            working_days=days,
            hours=(due - now).total_seconds() / 3600,
        )


def _package_data() -> tuple[dict[date, str], dict[date, str]]:
    import chinese_calendar  # imported lazily: only default_calendar needs the package

    return chinese_calendar.holidays, chinese_calendar.workdays


def default_calendar(years: Iterable[int] | None = None) -> WorkCalendar:
    """A calendar seeded from the ``chinese_calendar`` package (State Council notices).

    ``years=None`` takes every year the installed package knows; with chinesecalendar 1.11.0 that
    is 2004–2026 (the package is updated each year once the next year's notice is published,
    usually in November). Requested years the package does not know are left out of
    ``known_years``, so using them warns and falls back to weekends-only.
    Only weekday holidays and weekend make-up days are kept: the package also lists weekend days
    inside a holiday block, which are off anyway.
    """
    holidays, workdays = _package_data()
    package_years = {d.year for d in holidays} | {d.year for d in workdays}
    wanted = package_years if years is None else set(years) & package_years
    return WorkCalendar(
        holidays=frozenset(d for d in holidays if d.year in wanted and not _is_weekend(d)),
        makeup_workdays=frozenset(d for d in workdays if d.year in wanted and _is_weekend(d)),
        known_years=frozenset(wanted),
    )


def calendar_from_rows(
    rows: Iterable[tuple[date, bool]], *, base: WorkCalendar | None = None
) -> WorkCalendar:
    """Build a calendar from admin-stored ``(day, is_workday)`` overrides.

    ``True`` on a weekend makes a make-up working day; ``False`` on a weekday makes a holiday.
    ``True`` on a weekday / ``False`` on a weekend restore the ordinary rule, which matters with
    ``base`` (e.g. ``default_calendar()``): the rows then override the base, so an admin can both
    add a holiday and cancel one the package had. If a day appears twice the last row wins.
    ``known_years``: the base's, plus every year that has at least one row (an admin entering a
    year's rows is taken to have entered that year's calendar); with no base and no rows it is
    empty, so any use warns.
    """
    holidays: set[date] = set(base.holidays) if base else set()
    makeup: set[date] = set(base.makeup_workdays) if base else set()
    known: set[int] = set(base.known_years or ()) if base else set()
    for day, is_workday in rows:
        known.add(day.year)
        holidays.discard(day)
        makeup.discard(day)
        if is_workday and _is_weekend(day):
            makeup.add(day)
        elif not is_workday and not _is_weekend(day):
            holidays.add(day)
    template = base or WorkCalendar(holidays=frozenset(), makeup_workdays=frozenset())
    return WorkCalendar(
        holidays=frozenset(holidays),
        makeup_workdays=frozenset(makeup),
        workday_start=template.workday_start,
        workday_end=template.workday_end,
        tz=template.tz,
        # A base built by hand (known_years=None) opted out of year checks; keep it that way.
        known_years=None if base is not None and base.known_years is None else frozenset(known),
    )
