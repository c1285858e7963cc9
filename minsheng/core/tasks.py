import socket

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from minsheng.core.models import WorkerHeartbeat


@on_startup()
def beat_at_startup() -> None:
    # /healthz should see a fresh worker at once, not only after the first whole minute.
    from django.db import close_old_connections

    close_old_connections()
    heartbeat.call_local()


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    WorkerHeartbeat.objects.update_or_create(name=socket.gethostname(), defaults={"beat_at": timezone.now()})
