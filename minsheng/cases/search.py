"""Chinese full-text search over published cases, one interface over two engines.

Text is segmented with jieba into space-separated words. SQLite indexes them with FTS5 (a virtual
table kept in step by triggers, see migration 0002); PostgreSQL with a GIN index over
to_tsvector('simple', tokens). Both match every word of the query.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from minsheng.cases.models import Case, ReplyStatus, SearchDocument
from minsheng.lib.chinese import segment_for_index, segment_query

_SAFE_TOKEN = re.compile(r"^[\w\u3400-\u9fff]+$")


def reindex(case: Case) -> None:
    """Index a published case, drop an unpublished one. Only the masked public text is indexed."""
    if case.published_at is None:
        SearchDocument.objects.filter(case=case).delete()
        return
    reply = case.replies.filter(status=ReplyStatus.APPROVED).order_by("-id").first()
    text = " ".join([case.public_title, case.public_body, reply.public_body if reply else ""])
    SearchDocument.objects.update_or_create(
        case=case, defaults={"site_id": case.site_id, "tokens": segment_for_index(text)}
    )


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
