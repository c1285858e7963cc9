from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from minsheng.core.models import WorkerHeartbeat
from minsheng.sites.models import Site

WORKER_STALE_AFTER = timedelta(minutes=3)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer and the operator: database reachable, worker beating."""
    body: dict[str, object] = {}
    status = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        body["database"] = {"ok": False, "error": exc.__class__.__name__}
        return JsonResponse({"ok": False, **body}, status=503)
    last = WorkerHeartbeat.objects.order_by("-beat_at").first()
    fresh = last is not None and timezone.now() - last.beat_at < WORKER_STALE_AFTER
    body["worker"] = {"ok": fresh, "last_beat": last.beat_at.isoformat() if last else None}
    # A stale worker does not make this web process unhealthy (it can still serve pages), so the
    # status stays 200 and monitoring reads "worker.ok".
    return JsonResponse({"ok": fresh, **body}, status=status)


def ratelimited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/ratelimited.html", status=429)


def home(request: HttpRequest) -> HttpResponse:
    root = Site.objects.filter(parent__isnull=True, is_active=True).order_by("sort_order", "id").first()
    if root is None:
        return render(request, "core/empty.html")
    return redirect("portal:site_home", site=root.code)
