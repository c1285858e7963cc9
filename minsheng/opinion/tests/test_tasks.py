"""The worker's periodic tasks call the engine and the report drafting."""

from __future__ import annotations

import pytest

from minsheng.opinion import tasks
from minsheng.opinion.models import OpinionEvent, TopicMember
from minsheng.opinion.tests.conftest import NOISE, submit_many

pytestmark = pytest.mark.django_db


def test_the_minute_task_assigns_new_cases_and_the_nightly_task_refits(world):
    cases = submit_many(world, NOISE)
    tasks.assign_topics()
    assert TopicMember.objects.filter(case__in=cases).count() == 4
    tasks.refit_topics()
    assert OpinionEvent.objects.filter(action="refit").count() == 2
    assert TopicMember.objects.filter(case__in=cases).count() == 4


def test_the_report_task_runs_without_topics_and_drafts_nothing(world):
    tasks.draft_opinion_reports()
    assert not OpinionEvent.objects.filter(action="report_draft").exists()
