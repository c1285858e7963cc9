"""Keeping the similar-case index in step with cases, run by the Huey worker.

The case actions (cases/actions.py) belong to the case domain and know nothing of this index, and
every one of them writes a CaseEvent in the same transaction. So the index follows the audit trail:
every minute the worker reindexes the cases whose committed events since its last run change the
indexed text (submit, supplement, approval and publication, a publication edit, an import). Only
committed events are visible, so a rolled-back action indexes nothing; the window overlaps the
previous run by a few minutes, so an event committed late by a long transaction is not skipped
(reindexing is idempotent); a worker that was down catches up from where it stopped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from minsheng.cases.models import Case, CaseEvent
from minsheng.knowledge import similar_index
from minsheng.knowledge.models import SimilarDoc

INDEXED_ACTIONS = ("submit", "supplement", "approve_reply", "edit_publication", "import")
CURSOR_KEY = "minsheng.knowledge.index-cursor"
OVERLAP = timedelta(minutes=5)
MAX_CATCH_UP = timedelta(days=2)  # older gaps are the backfill command's job
BATCH = 5000


def _cursor() -> datetime | None:
    raw = HUEY.get(CURSOR_KEY, peek=True)
    try:
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def index_recent(now: datetime | None = None) -> int:
    """Reindex the cases with indexing events since the last run (minus the overlap)."""
    now = now or timezone.now()
    since = max((_cursor() or now) - OVERLAP, now - MAX_CATCH_UP)
    case_ids = list(
        CaseEvent.objects.filter(created_at__gte=since, action__in=INDEXED_ACTIONS)
        .order_by().values_list("case_id", flat=True).distinct()[:BATCH]
    )
    done = similar_index.backfill(case_ids)
    HUEY.put(CURSOR_KEY, now.isoformat())
    return done


@db_periodic_task(crontab(minute="*"))
def index_cases() -> None:
    index_recent()


@db_periodic_task(crontab(minute="*/30"))
def index_sweep() -> None:
    """Safety net: recent cases without a fingerprint, and recently published ones whose public keys
    are missing (e.g. after the cursor was lost with the queue storage)."""
    since = timezone.now() - MAX_CATCH_UP
    docs = SimilarDoc.objects.filter(pk=OuterRef("pk"))
    missing = Case.objects.filter(submitted_at__gte=since).filter(~Exists(docs)).values_list("pk", flat=True)[:BATCH]
    unpublished_doc = SimilarDoc.objects.filter(pk=OuterRef("pk"), public_keywords__isnull=True)
    stale = Case.objects.filter(published_at__gte=since).filter(Exists(unpublished_doc)).values_list("pk", flat=True)[:BATCH]
    similar_index.backfill(list(missing) + list(stale))
