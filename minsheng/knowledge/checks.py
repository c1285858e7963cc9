"""Reply checks for a case under review: the pure checks (insights/replycheck.py) fed with the
case's data and the site's sensitive-word settings."""

from __future__ import annotations

from django.utils import timezone

from minsheng.cases.models import Case, Reply
from minsheng.insights import replycheck
from minsheng.knowledge.models import KnowledgeSettings


def sensitive_words(site_id: int) -> frozenset[str]:
    row = KnowledgeSettings.objects.filter(site_id=site_id).first()
    if row is None:
        return replycheck.load_sensitive_words()
    return replycheck.load_sensitive_words(row.extra_sensitive_words.splitlines(),
                                           row.allowed_sensitive_words.splitlines())


def checks_for(case: Case, reply: Reply) -> list[replycheck.Check]:
    return replycheck.check_reply(
        f"{case.title}。{case.body}", reply.body,
        citizen_name=case.citizen_name or "",
        private_values=[case.citizen_phone or "", case.citizen_email or ""],
        sensitive_words=sensitive_words(case.site_id),
        due_at=case.due_at,
        replied_at=reply.submitted_at or timezone.now(),
    )
