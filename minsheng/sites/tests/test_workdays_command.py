"""`manage.py workdays`: working-day arithmetic by hand, on the calendar in force."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from minsheng.sites.models import CalendarDay

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def run(*args: str) -> str:
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue().strip()


def test_adding_five_working_days_to_the_eve_of_national_day_2026_prints_13_october():
    assert run("add", "2026-09-30", "5") == "2026-10-13"


def test_adding_zero_working_days_prints_the_start_day():
    assert run("add", "2026-09-30", "0") == "2026-09-30"


def test_between_counts_the_working_days_after_start_up_to_and_including_end():
    assert run("between", "2026-09-30", "2026-10-13") == "5"
    assert run("between", "2026-10-13", "2026-09-30") == "0"


def test_the_make_up_saturday_of_national_day_2026_is_a_working_day():
    assert run("is-workday", "2026-10-10") == "yes"
    assert run("is-workday", "2026-10-01") == "no"
    assert run("is-workday", "2026-10-11") == "no"  # an ordinary Sunday


def test_an_administrators_holiday_is_used_by_the_command():
    CalendarDay.objects.create(day=date(2026, 10, 12), is_workday=False)
    assert run("add", "2026-09-30", "5") == "2026-10-14"


@pytest.mark.parametrize(
    ("args", "english"),
    [
        (("add", "2026-13-01", "5"), "date must be YYYY-MM-DD"),
        (("add", "30/09/2026", "5"), "date must be YYYY-MM-DD"),
        (("add", "2026-09-30", "-5"), "days cannot be negative"),
        (("add", "2026-09-30", "five"), "days must be a whole number"),
        (("add", "2026-09-30", "1.5"), "days must be a whole number"),
        (("between", "2026-09-30", "tomorrow"), "date must be YYYY-MM-DD"),
        (("is-workday", "2026-02-30"), "date must be YYYY-MM-DD"),
        (("add", "2026-09-30", "3000000"), "the result would be after 9999-12-31"),
        (("add", "9999-12-31", "1"), "the result would be after 9999-12-31"),
        (("add", "2026-09-30", "1" + "0" * 30), "the result would be after 9999-12-31"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_and_english_message(args, english):
    with pytest.raises(CommandError) as refused:
        run(*args)
    message = str(refused.value)
    assert english in message
    assert CHINESE.search(message)


def test_a_count_of_a_hundred_thousand_working_days_answers_at_once_with_one_note_on_missing_years():
    out, err = StringIO(), StringIO()
    call_command("workdays", "add", "2026-01-01", "100000", stdout=out, stderr=err)
    # Weekends-only after 2026, the last year chinesecalendar 1.11.0 knows.
    assert out.getvalue().strip() == "2409-05-11"
    note = err.getvalue().strip()
    assert note.count("\n") == 0
    assert "no holiday data for 2027–2409, weekends-only assumed" in note and CHINESE.search(note)


def test_the_note_names_only_the_years_without_data():
    CalendarDay.objects.create(day=date(2028, 1, 3), is_workday=True)  # an administrator entered 2028
    err = StringIO()
    call_command("workdays", "between", "2026-12-01", "2029-02-01", stdout=StringIO(), stderr=err)
    assert "no holiday data for 2027, 2029," in err.getvalue()


def test_a_count_within_the_known_years_prints_no_note():
    err = StringIO()
    call_command("workdays", "add", "2026-09-30", "5", stdout=StringIO(), stderr=err)
    assert err.getvalue() == ""
