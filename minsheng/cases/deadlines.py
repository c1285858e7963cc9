"""Deadline rules → due times, on the statutory calendar corrected by the administrators' rows."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from minsheng.cases.models import Case, Priority
from minsheng.lib.workdays import WorkCalendar, calendar_from_rows, default_calendar
from minsheng.sites.models import CalendarDay

# Clock-hour limits for cases that cannot wait for working days (emergencies run around the clock).
EMERGENCY_REPLY_HOURS = 2
URGENT_REPLY_WORKING_DAYS = 3


@cache
def _statutory() -> WorkCalendar:
    return default_calendar()


def work_calendar() -> WorkCalendar:
    """The calendar in force. Rows are read on every call, not cached in the process, so that an
    administrator's correction takes effect in every web and worker process at once."""
    rows = tuple(CalendarDay.objects.order_by("day").values_list("day", "is_workday"))
    return _with_rows(rows)


@cache
def _with_rows(rows: tuple[tuple[object, bool], ...]) -> WorkCalendar:
    return calendar_from_rows(rows, base=_statutory())  # type: ignore[arg-type]


def reply_due(case: Case, start: datetime) -> datetime:
    """When the reply is due for a case dispatched (or reopened) at `start`."""
    calendar = work_calendar()
    if case.priority == Priority.EMERGENCY:
        return calendar.due_at(start, clock_hours=EMERGENCY_REPLY_HOURS)
    if case.priority == Priority.URGENT:
        return calendar.due_at(start, working_days=min(URGENT_REPLY_WORKING_DAYS, case.channel.reply_working_days))
    return calendar.due_at(start, working_days=case.channel.reply_working_days)
