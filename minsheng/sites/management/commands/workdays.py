"""`python manage.py workdays add 2026-09-30 5` prints the due date counted in working days."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.cases.deadlines import work_calendar


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
            self.stdout.write(calendar.add_working_days(_day(options["start"]), days).isoformat())
        elif verb == "between":
            self.stdout.write(str(calendar.working_days_between(_day(options["start"]), _day(options["end"]))))
        else:
            day = _day(options["day"])
            self.stdout.write("yes" if calendar.is_workday(day) else "no")
