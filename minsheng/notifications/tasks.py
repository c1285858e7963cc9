"""Delivery of queued notifications by the worker. Tasks take ids, reload, and are idempotent."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from minsheng.notifications.models import DeliveryState, Medium, Notification
from minsheng.notifications.sms import SmsError, send_sms

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


@db_task(retries=3, retry_delay=30)
def deliver(notification_id: int) -> None:
    deliver_now(notification_id)


def deliver_now(notification_id: int) -> bool:
    """Send one notification unless it was sent already. Returns True when it is sent."""
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update().filter(pk=notification_id, state=DeliveryState.PENDING).first()
        )
        if note is None:
            return False
        note.attempts += 1
        try:
            if note.medium == Medium.SMS:
                send_sms(note.recipient, note.body)
            else:
                send_mail(note.subject, note.body, None, [note.recipient])
        except (SmsError, OSError, ValueError) as exc:
            # OSError covers SMTP and socket errors; ValueError an address Django refuses to send to
            # (it would otherwise roll back the attempt count and be retried every minute forever).
            note.last_error = str(exc)[:300]
            if note.attempts >= MAX_ATTEMPTS:
                note.state = DeliveryState.FAILED
            note.save(update_fields=["attempts", "last_error", "state"])
            logger.warning("notification %s not delivered: %s", note.pk, note.last_error)
            return False
        note.state = DeliveryState.SENT
        note.sent_at = timezone.now()
        note.save(update_fields=["attempts", "state", "sent_at", "last_error"])
        return True


@db_periodic_task(crontab(minute="*"))
def deliver_pending() -> None:
    """Sweep: a notification whose task was lost (worker killed, queue flushed) is sent here."""
    cutoff = timezone.now() - timedelta(minutes=1)
    for pk in Notification.objects.filter(state=DeliveryState.PENDING, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )[:500]:
        deliver_now(pk)
