"""The outbox: every message to a citizen is a row first, delivered by the worker after commit.

A row survives a crash of the web process or the worker: delivery is retried until it is sent.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.core.crypto import EncryptedTextField


class Medium(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    medium = models.CharField(max_length=10, choices=Medium.choices)
    recipient = EncryptedTextField()
    subject = models.CharField(max_length=200, blank=True)
    body = EncryptedTextField()
    # One notification per case, kind, medium and occasion: queuing the same one twice is a no-op.
    dedupe_key = models.CharField(max_length=120, unique=True)
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set while a worker is sending (see tasks._claim); a stale claim is taken over.
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"], name="notification_state")]


class StaffNotice(models.Model):
    """An in-app message to a member of staff: reminders, escalations, supervision, returns."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="notices")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread")]
