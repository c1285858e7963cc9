"""`{% routing_panel %}` on the staff case page: suggestions for intake, and the undo of an
automatic dispatch. The page includes one line; everything else lives in this app."""

from __future__ import annotations

import logging
from typing import Any

from django import template

from minsheng.cases.actions import can_act, last_dispatch_event
from minsheng.cases.models import Status
from minsheng.routing.forms import UndoForm

register = template.Library()
logger = logging.getLogger(__name__)

# Suggestions help while intake decides; after dispatch they would only distract.
_SUGGEST_STATUSES = {Status.SUBMITTED, Status.NEED_INFO, Status.ACCEPTED, Status.RETURNED}


@register.inclusion_tag("routing/_panel.html", takes_context=True)
def routing_panel(context: template.Context) -> dict[str, Any]:
    from minsheng.routing import selectors

    case, user = context["case"], context["request"].user
    out: dict[str, Any] = {"case": case, "csrf_token": context.get("csrf_token"), "request": context["request"]}
    can_classify, can_dispatch = can_act(user, "classify", case), can_act(user, "dispatch", case)
    if case.status in _SUGGEST_STATUSES and (can_classify or can_dispatch):
        try:
            suggestions = selectors.suggestions_for(case)
        except Exception:  # a broken model must not take the case page down
            logger.exception("routing suggestions failed for case %s", case.pk)
            suggestions = None
        if suggestions is not None and (suggestions.categories or suggestions.departments):
            out.update(suggestions=suggestions, can_classify=can_classify, can_dispatch=can_dispatch)
    if can_act(user, "undo_auto_dispatch", case):
        last = last_dispatch_event(case)
        if last is not None and last.action == "auto_dispatch":
            out["undo"] = {"form": UndoForm(initial={"version": case.version}),
                           "confidence": last.data.get("confidence")}
    return out


@register.simple_tag(takes_context=True)
def routing_nav_link(context: template.Context) -> str:
    """The nav link to the routing models page, for those who administer a site's routing only."""
    from django.urls import reverse
    from django.utils.html import format_html
    from django.utils.translation import gettext

    from minsheng.accounts.models import RoleKind
    from minsheng.accounts.scopes import scope_for

    user = context["request"].user
    if not user.is_authenticated or not (user.is_superuser or scope_for(user).sites(RoleKind.ADMIN)):
        return ""
    return format_html('<a href="{}">{}</a>', reverse("routing_staff:index"), gettext("Routing models"))
