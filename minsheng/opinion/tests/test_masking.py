"""What the opinion pages and reports show of a case is masked as the case's own public copy is
(`cases.actions.public_copy`), also for a case intake has not accepted yet."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from minsheng.cases import actions as case_actions
from minsheng.cases.actions import public_copy
from minsheng.cases.models import Case
from minsheng.conftest import submit_case
from minsheng.opinion import engine
from minsheng.opinion import report as report_mod
from minsheng.opinion.models import ReportKind, TopicMember
from minsheng.opinion.tests.conftest import NOISE, submit_many

pytestmark = pytest.mark.django_db

PERSONAL_TITLE = "王建国反映幸福家园搅拌站噪音，电话13812345678"


def last_week_at_10() -> datetime:
    start, _end = report_mod.period_for(ReportKind.WEEKLY, timezone.localdate())
    return datetime.combine(start + timedelta(days=2), datetime.min.time(), tzinfo=timezone.get_current_timezone()
                            ).replace(hour=10)


def test_a_case_not_yet_accepted_is_quoted_in_the_report_as_its_public_copy_will_read(world):
    at = last_week_at_10()
    # The citizen's own name and number in the title, before intake prepared the public copy.
    personal = submit_case(world, title=PERSONAL_TITLE, body=NOISE[0][1], name="王建国", at=at - timedelta(minutes=1)).case
    submit_many(world, NOISE[1:] + NOISE[:2], at=at)
    engine.assign_all(now=at + timedelta(hours=2))
    assert not Case.objects.get(pk=personal.pk).public_title
    report, _created = report_mod.draft(world.city, ReportKind.WEEKLY,
                                        *report_mod.period_for(ReportKind.WEEKLY, timezone.localdate()))
    topic = TopicMember.objects.get(case=personal).topic
    case_actions.case_accept(Case.objects.get(pk=personal.pk), by=world.intake)
    public_title = Case.objects.get(pk=personal.pk).public_title
    assert "13812345678" not in public_title and "王建国" not in public_title
    assert f"「{public_title}」" in report.texts["topics"]
    for shown in (report.texts["topics"], topic.title, topic.keywords):
        assert "13812345678" not in shown and "王建国" not in shown


def test_a_snippet_is_the_beginning_of_the_public_copy_even_where_its_limit_cuts_a_number(world):
    # The limit (400 characters) falls inside the mobile number: cut first and masked after, its
    # first digits were left in the snippet as a number too short to recognise.
    body = "幸福家园小区旁搅拌站夜间施工。" * 26 + "联系电话13812345678，请尽快处理。"
    assert body.index("13812345678") < 400 < body.index("13812345678") + 11
    case = submit_case(world, body=body).case
    _title, snippet = public_copy(case, limit=400)
    case_actions.case_accept(case, by=world.intake)
    stored = Case.objects.get(pk=case.pk)
    assert snippet == stored.public_body[:400]
    assert "138" in snippet[-12:] and "13812" not in snippet
    # Once prepared, the stored copy (which intake may correct) is what every snippet starts from.
    assert public_copy(stored, limit=400) == (stored.public_title, stored.public_body)
