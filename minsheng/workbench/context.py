"""Template context for the workbench header."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest


def staff_notices(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """`unread_notices`: the user's unread StaffNotice count. A callable, so the query runs only on
    pages that show it (the workbench header), not on every portal page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        from minsheng.notifications.models import StaffNotice

        return StaffNotice.objects.filter(user=user, read_at__isnull=True).count()

    return {"unread_notices": unread}
