"""Delivery through the real queue (SQLite, or Redis when REDIS_URL is set), retries and the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from minsheng.conftest import submit_case
from minsheng.notifications import sms
from minsheng.notifications.models import DeliveryState, Notification
from minsheng.notifications.tasks import deliver_now, deliver_pending

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def real_queue():
    HUEY.immediate = False
    HUEY.flush()
    yield HUEY
    HUEY.flush()
    HUEY.immediate = True


@pytest.fixture(autouse=True)
def _clear():
    sms.outbox.clear()


def test_notifications_wait_in_the_real_queue_until_a_worker_runs_them(world, real_queue):
    submit_case(world)
    assert Notification.objects.filter(state=DeliveryState.PENDING).count() == 2  # SMS and email
    assert real_queue.pending_count() == 2
    assert sms.outbox == []
    while (task := real_queue.dequeue()) is not None:
        real_queue.execute(task)
    assert Notification.objects.filter(state=DeliveryState.SENT).count() == 2
    assert len(sms.outbox) == 1


def test_delivering_twice_sends_once(world, real_queue):
    submit_case(world)
    note = Notification.objects.get(medium="sms")
    assert deliver_now(note.pk) is True
    assert deliver_now(note.pk) is False
    assert len(sms.outbox) == 1


def test_a_lost_task_is_delivered_by_the_sweep(world, real_queue):
    submit_case(world)
    real_queue.flush()  # the worker died and the queue was lost
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    deliver_pending.call_local()
    assert Notification.objects.filter(state=DeliveryState.SENT).count() == 2


def test_a_failing_sms_provider_is_retried_then_marked_failed(world, settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/unreachable"
    submit_case(world)
    note = Notification.objects.get(medium="sms")
    for _ in range(8):
        deliver_now(note.pk)
    note.refresh_from_db()
    assert note.state == DeliveryState.FAILED and note.attempts == 8
    assert "unreachable" in note.last_error


def test_the_provider_is_called_outside_any_database_transaction(world, monkeypatch):
    from django.db import connection

    from minsheng.notifications import tasks

    seen: list[bool] = []
    monkeypatch.setattr(tasks, "send_sms", lambda phone, text: seen.append(connection.in_atomic_block))
    submit_case(world)
    note = Notification.objects.get(medium="sms")
    Notification.objects.filter(pk=note.pk).update(state=DeliveryState.PENDING)
    assert deliver_now(note.pk) is True
    assert seen and not any(seen)


def test_a_notification_another_worker_is_sending_is_left_alone(world, real_queue):
    submit_case(world)
    note = Notification.objects.get(medium="sms")
    Notification.objects.filter(pk=note.pk).update(claimed_at=timezone.now())
    assert deliver_now(note.pk) is False
    assert sms.outbox == []


def test_a_claim_left_by_a_worker_that_died_mid_send_is_taken_over(world, real_queue):
    submit_case(world)
    note = Notification.objects.get(medium="sms")
    Notification.objects.filter(pk=note.pk).update(claimed_at=timezone.now() - timedelta(minutes=30))
    assert deliver_now(note.pk) is True
    note.refresh_from_db()
    assert note.state == DeliveryState.SENT and note.claimed_at is None and len(sms.outbox) == 1
