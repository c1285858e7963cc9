"""Keep the similar-case index in step with cases, after commit.

The case actions (cases/actions.py) belong to the case domain and know nothing of this index; every
action writes one CaseEvent, so an event that changes the indexed text (submit, supplement, approval
and publication, a publication edit, an import) queues the case for indexing once the transaction
commits. A rolled-back action queues nothing; a lost task is caught by tasks.index_sweep.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from minsheng.cases.models import CaseEvent

INDEXED_ACTIONS = frozenset({"submit", "supplement", "approve_reply", "edit_publication", "import"})


@receiver(post_save, sender=CaseEvent, dispatch_uid="knowledge-index-case")
def queue_indexing(sender: type[CaseEvent], instance: CaseEvent, created: bool, **kwargs: Any) -> None:
    if not created or instance.action not in INDEXED_ACTIONS or kwargs.get("raw"):
        return
    from minsheng.knowledge.tasks import index_case_task

    case_id = instance.case_id
    transaction.on_commit(lambda: index_case_task(case_id))
