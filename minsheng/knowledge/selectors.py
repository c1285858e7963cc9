"""Reads of the knowledge base: public entries (published and in force) and staff lists (scoped)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from minsheng.accounts.models import User
from minsheng.insights import similar
from minsheng.knowledge.actions import staff_site_ids
from minsheng.knowledge.models import EntryStatus, KnowledgeEntry
from minsheng.lib.chinese import segment_query
from minsheng.sites.models import Site

MAX_QUERY_WORDS = 8


def public_entries(site: Site) -> QuerySet[KnowledgeEntry]:
    """Published entries of the site that are in force today: an expired entry disappears at once,
    without anyone having to withdraw it."""
    today = timezone.localdate()
    return (
        KnowledgeEntry.objects.filter(site=site, status=EntryStatus.PUBLISHED)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("category")
        .order_by("-published_at", "-id")
    )


def public_entry_or_404(site: Site, pk: int) -> KnowledgeEntry:
    entry = public_entries(site).filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def query_words(query: str) -> list[str]:
    return [w for w in segment_query(query[:200]) if any(ch.isalnum() for ch in w)][:MAX_QUERY_WORDS]


def search_entries(entries: QuerySet[KnowledgeEntry], query: str) -> QuerySet[KnowledgeEntry]:
    """Every word of the query must appear among the entry's jieba tokens (like cases/search.py).

    A site has hundreds of entries, not millions: a LIKE over the space-separated tokens, anchored on
    spaces so 公积 does not match inside 公积金贷款's other words, is fast enough and works the same on
    SQLite and PostgreSQL."""
    words = query_words(query)
    if not words:
        return entries.none()
    for word in words:
        entries = entries.filter(Q(tokens__startswith=f"{word} ") | Q(tokens__contains=f" {word} ")
                                 | Q(tokens__endswith=f" {word}") | Q(tokens=word))
    return entries


def similar_entries(site: Site, title: str, text: str, *, limit: int = 3) -> list[KnowledgeEntry]:
    """Entries in force that share the most keywords with what the citizen is typing."""
    fp = similar.fingerprint(title, text)
    words = list(fp.keywords)[:MAX_QUERY_WORDS]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition |= Q(tokens__contains=word)
    pool = list(public_entries(site).filter(condition)[:200])
    scored = []
    for entry in pool:
        efp = similar.Fingerprint((), entry.keywords)
        match = similar.compare(fp, efp)
        if match.cosine >= 0.15:
            scored.append((match.cosine, entry.pk, entry))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    return [entry for _, _, entry in scored[:limit]]


def staff_entries(user: User) -> QuerySet[KnowledgeEntry]:
    return KnowledgeEntry.objects.filter(site_id__in=staff_site_ids(user)).select_related(
        "site", "category", "author", "reviewer"
    )


def staff_entry_or_404(user: User, pk: int) -> KnowledgeEntry:
    entry = staff_entries(user).filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry
