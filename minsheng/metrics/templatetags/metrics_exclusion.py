"""The exclusion panel on the staff case page (included by metrics/_exclusion.html)."""

from __future__ import annotations

from typing import Any

from django import template

from minsheng.metrics.actions import can_decide, can_request_exclusion
from minsheng.metrics.forms import DecisionForm, ExclusionRequestForm
from minsheng.metrics.models import Exclusion, RequestState

register = template.Library()


@register.inclusion_tag("metrics/_exclusion_panel.html", takes_context=True)
def exclusion_panel(context: dict[str, Any], case: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    exclusions = list(Exclusion.objects.filter(case=case).select_related("department").order_by("-id")[:5])
    pending = next((e for e in exclusions if e.state == RequestState.PENDING), None)
    approved = [e for e in exclusions if e.state == RequestState.APPROVED]
    may_request = can_request_exclusion(user, case) and pending is None and not any(
        e.department_id == case.lead_department_id for e in approved)
    may_decide = pending is not None and can_decide(user, case.site_id)
    show = (bool(exclusions) and (may_decide or can_request_exclusion(user, case))) or may_request
    return {
        "show": show, "case": case, "exclusions": exclusions, "pending": pending,
        "request_form": ExclusionRequestForm() if may_request else None,
        "decide_form": DecisionForm() if may_decide else None,
        "csrf_token": context.get("csrf_token"),
    }
