"""Background work of the similar-case index, run by the Huey worker."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from minsheng.cases.models import Case
from minsheng.knowledge import similar_index
from minsheng.knowledge.models import SimilarDoc


@db_task(retries=2, retry_delay=30)
def index_case_task(case_id: int) -> None:
    similar_index.index_case(case_id)


@db_periodic_task(crontab(minute="*/10"))
def index_sweep() -> None:
    """Index what a lost task missed (a worker killed, Redis flushed): recent cases without a
    fingerprint, and recently published ones whose public keys are missing."""
    since = timezone.now() - timedelta(days=2)
    docs = SimilarDoc.objects.filter(pk=OuterRef("pk"))
    missing = Case.objects.filter(submitted_at__gte=since).filter(~Exists(docs)).values_list("pk", flat=True)[:5000]
    unpublished_doc = SimilarDoc.objects.filter(pk=OuterRef("pk"), public_keywords__isnull=True)
    stale = Case.objects.filter(published_at__gte=since).filter(Exists(unpublished_doc)).values_list("pk", flat=True)[:5000]
    similar_index.backfill(list(missing) + list(stale))
