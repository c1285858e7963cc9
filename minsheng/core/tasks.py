import socket

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from minsheng.core.models import WorkerHeartbeat


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    WorkerHeartbeat.objects.update_or_create(name=socket.gethostname(), defaults={"beat_at": timezone.now()})
