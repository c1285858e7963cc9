"""`python manage.py workdays add 2026-09-30 5` prints the due date counted in working days."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.cases.deadlines import work_calendar
from minsheng.lib.workdays import CalendarDataMissing


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD: {value!r}") from None


class Command(BaseCommand):
    help = "Working-day arithmetic on the calendar in force / 按工作日计算期限"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("add", help="START + N working days (counted from the next working day)")
        add.add_argument("start")
        add.add_argument("days")
        between = sub.add_parser("between", help="working days after START up to and including END")
        between.add_argument("start")
        between.add_argument("end")
        check = sub.add_parser("is-workday", help="is DAY a working day?")
        check.add_argument("day")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        calendar = work_calendar()
        if verb == "add":
            try:
                days = int(options["days"])
            except ValueError:
                raise CommandError(f"天数应为整数 / days must be a whole number: {options['days']!r}") from None
            if days < 0:
                raise CommandError("天数不能为负 / days cannot be negative")
            start = _day(options["start"])
            with self._missing_years():
                try:
                    result = calendar.add_working_days(start, days)
                except OverflowError:
                    raise CommandError(
                        "结果晚于 9999-12-31，无法表示 / the result would be after 9999-12-31"
                    ) from None
            self.stdout.write(result.isoformat())
        elif verb == "between":
            start, end = _day(options["start"]), _day(options["end"])
            with self._missing_years():
                count = calendar.working_days_between(start, end)
            self.stdout.write(str(count))
        else:
            day = _day(options["day"])
            with self._missing_years():
                working = calendar.is_workday(day)
            self.stdout.write("yes" if working else "no")

    @contextmanager
    def _missing_years(self) -> Iterator[None]:
        """One line on stderr for the years without holiday data that the answer crossed (weekends
        only were assumed), instead of a Python warning per year: a long count crosses hundreds."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CalendarDataMissing)
            yield
        years = sorted({int(m.group()) for w in caught if issubclass(w.category, CalendarDataMissing)
                        for m in [re.search(r"\d{4}", str(w.message))] if m})
        if years:
            spans: list[list[int]] = []
            for year in years:
                if spans and spans[-1][-1] == year - 1:
                    spans[-1].append(year)
                else:
                    spans.append([year])
            text = ", ".join(str(s[0]) if len(s) == 1 else f"{s[0]}–{s[-1]}" for s in spans)
            self.stderr.write(f"注意：{text} 年没有节假日数据，按仅周末休息计算 / "
                              f"note: no holiday data for {text}, weekends-only assumed")
