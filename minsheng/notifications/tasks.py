"""Delivery of queued notifications by the worker. Tasks take ids, reload, and are idempotent."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from minsheng.notifications.models import DeliveryState, Medium, Notification
from minsheng.notifications.sms import SmsError, send_sms

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = timedelta(minutes=5)


@db_task(retries=3, retry_delay=30)
def deliver(notification_id: int) -> None:
    deliver_now(notification_id)


def _claim(notification_id: int) -> Notification | None:
    """Take a pending notification for sending, in one short committed UPDATE.

    The provider is called only after the claim is committed, never inside a transaction: a slow SMS
    gateway or mail server must not hold a row lock (on SQLite, the whole database's write lock) for
    the seconds it takes. A claim older than CLAIM_TIMEOUT belongs to a worker that died mid-send and
    is taken over, so delivery is at least once: a crash between sending and recording can repeat
    one message, never lose one.
    """
    now = timezone.now()
    taken = (
        Notification.objects.filter(pk=notification_id, state=DeliveryState.PENDING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    return Notification.objects.get(pk=notification_id) if taken else None


def deliver_now(notification_id: int) -> bool:
    """Send one notification unless it was sent already (or another worker is sending it).
    Returns True when this call sent it."""
    note = _claim(notification_id)
    if note is None:
        return False
    try:
        if note.medium == Medium.SMS:
            send_sms(note.recipient, note.body)
        else:
            send_mail(note.subject, note.body, None, [note.recipient])
    except (SmsError, OSError, ValueError) as exc:
        # OSError covers SMTP and socket errors; ValueError an address Django refuses to send to.
        error = str(exc)[:300]
        state = DeliveryState.FAILED if note.attempts >= MAX_ATTEMPTS else DeliveryState.PENDING
        Notification.objects.filter(pk=note.pk).update(last_error=error, state=state, claimed_at=None)
        logger.warning("notification %s not delivered: %s", note.pk, error)
        return False
    Notification.objects.filter(pk=note.pk).update(
        state=DeliveryState.SENT, sent_at=timezone.now(), last_error="", claimed_at=None
    )
    return True


@db_periodic_task(crontab(minute="*"))
def deliver_pending() -> None:
    """Sweep: a notification whose task was lost (worker killed, queue flushed) is sent here."""
    cutoff = timezone.now() - timedelta(minutes=1)
    for pk in Notification.objects.filter(state=DeliveryState.PENDING, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )[:500]:
        deliver_now(pk)
