"""Template tags other apps' pages use with one line: the like button and the surge alerts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.core import signing
from django.utils import timezone

from minsheng.opinion import actions, selectors
from minsheng.opinion.models import Like

register = template.Library()


@register.inclusion_tag("opinion/like_button.html", takes_context=True)
def like_button(context: dict[str, Any], case: Any) -> dict[str, Any]:
    from minsheng.opinion.views import LIKE_COOKIE, LIKE_COOKIE_SALT

    request = context.get("request")
    token = None
    if request is not None:
        try:
            token = request.get_signed_cookie(LIKE_COOKIE, default=None, salt=LIKE_COOKIE_SALT)
        except signing.BadSignature:
            token = None
    return {
        "case": case, "site_code": case.site.code if case.site_id else "",
        "count": Like.objects.filter(case=case).count(), "liked": actions.has_liked(case.pk, token),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("opinion/board_surges.html", takes_context=True)
def surge_alerts(context: dict[str, Any], days: int = 7) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"surges": []}
    since = timezone.localdate() - timedelta(days=days)
    return {"surges": list(selectors.surges_for_staff(user).filter(day__gte=since)[:10]), "days": days}
