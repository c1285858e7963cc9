"""Chinese full-text search over published cases, one interface over two engines.

Text is segmented with jieba into space-separated words. SQLite indexes them with FTS5 (a virtual
table kept in step by triggers, see migration 0002); PostgreSQL with a GIN index over
to_tsvector('simple', tokens). Both match every word of the query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from minsheng.cases.models import Case, Reply, ReplyStatus, SearchDocument
from minsheng.lib.chinese import segment_for_index, segment_query

_SAFE_TOKEN = re.compile(r"^[\w\u3400-\u9fff]+$")


def _tokens(case: Case, reply_public_body: str) -> str:
    return segment_for_index(" ".join([case.public_title, case.public_body, reply_public_body]))


def reindex(case: Case) -> None:
    """Index a published case, drop an unpublished one. Only the masked public text is indexed."""
    if case.published_at is None:
        SearchDocument.objects.filter(case=case).delete()
        return
    reply = case.replies.filter(status=ReplyStatus.APPROVED).order_by("-id").first()
    SearchDocument.objects.update_or_create(
        case=case, defaults={"site_id": case.site_id, "tokens": _tokens(case, reply.public_body if reply else "")}
    )


def indexable_cases() -> QuerySet[Case]:
    """The cases the index should hold (published) or holds (a stale row), for `reindex_search`."""
    return Case.objects.filter(Q(published_at__isnull=False) | Q(search_document__isnull=False))


@dataclass
class Reindexed:
    written: int = 0  # new rows, and rows whose words changed
    unchanged: int = 0
    removed: int = 0  # rows of cases no longer published


@transaction.atomic
def reindex_batch(case_ids: Sequence[int]) -> Reindexed:
    """Segment the given cases again with the segmenter as it is now (user dictionary included) and
    write only the rows whose words changed, in one transaction.

    The cases are locked first, as every action locks a case before changing it, so an intake
    officer editing a publication meanwhile cannot have a newer text overwritten with older words.
    """
    cases = list(
        Case.objects.select_for_update().filter(pk__in=list(case_ids)).order_by("pk")
        .only("pk", "site_id", "published_at", "public_title", "public_body")
    )
    replies: dict[int, str] = {}
    for case_id, body in (Reply.objects.filter(case_id__in=[c.pk for c in cases], status=ReplyStatus.APPROVED)
                          .order_by("case_id", "id").values_list("case_id", "public_body")):
        replies[case_id] = body  # the latest approved reply wins, as in `reindex`
    existing = {doc.case_id: doc for doc in SearchDocument.objects.filter(case_id__in=[c.pk for c in cases])}
    result = Reindexed()
    stale = [c.pk for c in cases if c.published_at is None and c.pk in existing]
    if stale:
        result.removed = SearchDocument.objects.filter(case_id__in=stale).delete()[0]
    new: list[SearchDocument] = []
    changed: list[SearchDocument] = []
    for case in cases:
        if case.published_at is None:
            continue
        tokens = _tokens(case, replies.get(case.pk, ""))
        doc = existing.get(case.pk)
        if doc is None:
            new.append(SearchDocument(case_id=case.pk, site_id=case.site_id, tokens=tokens))
        elif doc.tokens != tokens or doc.site_id != case.site_id:
            doc.tokens, doc.site_id = tokens, case.site_id
            changed.append(doc)
        else:
            result.unchanged += 1
    SearchDocument.objects.bulk_create(new)
    SearchDocument.objects.bulk_update(changed, ["tokens", "site_id"])
    result.written = len(new) + len(changed)
    return result


def query_tokens(query: str) -> list[str]:
    return [t for t in segment_query(query) if _SAFE_TOKEN.match(t)][:12]


def search(queryset: QuerySet[Case], query: str) -> QuerySet[Case]:
    tokens = query_tokens(query)
    if not tokens:
        return queryset.none()
    if connection.vendor == "postgresql":
        sql = (
            "SELECT case_id FROM cases_searchdocument "
            "WHERE to_tsvector('simple', tokens) @@ to_tsquery('simple', %s)"
        )
        expression = " & ".join(tokens)
    else:
        # FTS5: each token quoted, so no token can be read as an operator.
        sql = (
            "SELECT case_id FROM cases_searchdocument WHERE id IN "
            "(SELECT rowid FROM cases_searchdocument_fts WHERE cases_searchdocument_fts MATCH %s)"
        )
        expression = " AND ".join('"' + t.replace('"', "") + '"' for t in tokens)
    return queryset.filter(pk__in=RawSQL(sql, [expression]))  # noqa: S611 - the query is bound, not formatted
