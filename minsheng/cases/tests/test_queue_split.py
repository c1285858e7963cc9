"""Queue lists read one status at a time (for speed with a million cases) and must give exactly the
rows, in exactly the order, of the single query they replace."""

from __future__ import annotations

import importlib
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from minsheng.cases import queues as cq
from minsheng.cases.models import Case, Status
from minsheng.cases.workflow import OPEN_STATUSES
from minsheng.conftest import case_in_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_cases(world):
    """Cases in every status with deadlines spread around now, ties, no deadline, supervision,
    redo and missing departments: what the per-status split could get wrong."""
    rng = random.Random(7)
    now = timezone.now()
    made = [case_in_status(world, status) for status in
            ("submitted", "accepted", "dispatched", "processing", "reviewing", "replied") for _ in range(4)]
    tie = now + timedelta(hours=3)
    for i, case in enumerate(made):
        status = case.status
        if i % 6 == 0:
            status = rng.choice([Status.NEED_INFO, Status.RETURNED, Status.DISPUTED, Status.CLOSED])
        due = None if i % 7 == 0 else (tie if i % 5 == 0 else now + timedelta(hours=rng.randint(-200, 200)))
        Case.objects.filter(pk=case.pk).update(
            status=status, next_due_at=due, is_supervised=i % 3 == 0, redo_count=1 if i % 4 == 0 else 0,
            lead_department=None if i % 8 == 0 else case.lead_department)
    return made


def _walk(qs, parts, has_due, size=3):
    rows, after = [], None
    for _ in range(100):
        page = cq.page(qs, sort="due", after=after, size=size, has_due=has_due, parts=parts)
        rows += [c.pk for c in page.object_list]
        if not page.next_cursor:
            return rows
        after = page.next_cursor
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("username", ["intake", "handler_a", "supervisor"])
def test_every_queue_split_by_status_lists_the_same_rows_in_the_same_order(world, mixed_cases, username):
    user = getattr(world, username)
    at = cq.clock()
    for name, queue in cq.QUEUES.items():
        qs = cq.queue_cases(user, name, at)
        parts = cq.queue_parts(user, name, at, cq.Filters())
        if parts is None:
            assert queue.special is not None
            continue
        whole = _walk(qs, None, queue.has_due)
        split = _walk(qs, parts, queue.has_due)
        assert split == whole, name
        # The statuses a queue declares cover every row its condition admits.
        assert set(qs.values_list("status", flat=True)) <= set(queue.statuses), name


def test_a_status_filter_outside_the_queue_lists_nothing(world, mixed_cases):
    at = cq.clock()
    parts = cq.queue_parts(world.intake, "processing", at, cq.Filters(status=Status.SUBMITTED))
    assert parts == []
    page = cq.page(cq.apply_filters(cq.queue_cases(world.intake, "processing", at), cq.Filters(
        status=Status.SUBMITTED), at), sort="due", parts=parts)
    assert page.object_list == []


def test_the_queue_index_covers_exactly_the_open_statuses():
    migration = importlib.import_module("minsheng.cases.migrations.0007_open_case_queue_index")
    listed = migration.OPEN.strip("()")
    assert {s.strip(" '") for s in listed.split(",")} == set(OPEN_STATUSES)
