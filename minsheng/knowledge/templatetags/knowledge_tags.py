"""The issue-5 box on the staff case page: possible duplicates (intake), similar past cases with
their replies, reply checks (reviewer, before approval) and "make a knowledge entry"."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext

from minsheng.cases import selectors
from minsheng.cases.actions import can_act
from minsheng.cases.models import Case, ReplyStatus
from minsheng.insights.replycheck import Reason
from minsheng.knowledge import actions, checks, similar_index

register = template.Library()

CHECK_LABELS = {
    "relevance": "Relevance to the question",
    "completeness": "Completeness",
    "citation": "Policy citation",
    "personal_data": "Personal data in the reply",
    "sensitive": "Sensitive words",
    "timeliness": "Timeliness",
}


KIND_LABELS = {
    "mobile": "mobile number",
    "landline": "landline number",
    "id_card": "ID card number",
    "email": "e-mail address",
    "bank_card": "bank card number",
    "name": "personal name",
    "address": "house or room number",
    "account": "QQ or WeChat account",
    "plate": "licence plate number",
}


@register.filter
def render_reason(reason: Reason) -> str:
    kind = reason.params.get("kind")
    if isinstance(kind, str) and kind in KIND_LABELS:
        reason = Reason(reason.msgid, {**reason.params, "kind": gettext(KIND_LABELS[kind])})
    return reason.render(gettext)


@register.inclusion_tag("knowledge/_case_panel.html", takes_context=True)
def knowledge_case_panel(context: dict[str, Any], case: Case) -> dict[str, Any]:
    user = context["request"].user
    out: dict[str, Any] = {"case": case, "request": context["request"]}
    if can_act(user, "merge", case):
        out["duplicates"] = similar_index.possible_duplicates(case, user)
        out["window_days"] = similar_index.window_days(case.site_id)
        out["can_merge"] = True
    out["similar"] = similar_index.similar_past_cases(case, user)
    if can_act(user, "approve_reply", case):
        reply = case.replies.filter(status=ReplyStatus.SUBMITTED).order_by("-id").first()
        if reply is not None:
            out["checks"] = [(gettext(CHECK_LABELS[c.code]), c) for c in checks.checks_for(case, reply)]
    if selectors.approved_reply(case) is not None and actions.can_write(user, case.site_id):
        out["can_make_entry"] = True
    return out
