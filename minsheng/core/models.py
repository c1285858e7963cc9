from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per worker process name, touched every minute by a periodic task (see /healthz)."""

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()
