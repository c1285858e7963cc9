"""The similar-case index: filled by the worker from committed case events (tasks.py), read by the
public, intake and handlers.

Each case has one `SimilarDoc` (its fingerprint, insights/similar.py) and a few `SimilarKey`
rows: 10 MinHash band keys and 8 keyword keys of its original text in the site's internal
namespace, plus 8 keyword keys of its masked public text in the site's public namespace once it is
published. A lookup reads at most `PER_KEY` newest cases per key through the (key, case_id)
primary key, counts hits, loads the fingerprints of the best `CANDIDATES` and reranks them in
Python. Work per lookup is bounded by keys x PER_KEY whatever the number of cases.

Who sees what:
* public: only the public namespace, i.e. published cases, masked text only;
* staff: the internal namespace, then filtered by `cases_for_staff` (or published) before anything
  is shown, so a handler never learns about another department's unpublished cases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from minsheng.accounts.models import User
from minsheng.cases import selectors
from minsheng.cases.models import Case, ReplyStatus, Status
from minsheng.insights import similar
from minsheng.knowledge.models import KnowledgeSettings, SimilarDoc, SimilarKey
from minsheng.sites.models import Site

PER_KEY = 200
CANDIDATES = 60
INTERNAL, PUBLIC = "i", "p"


def namespace(site_id: int, audience: str) -> str:
    return f"{site_id}|{audience}"


def _fp_from_json(signature: Sequence[int], data: dict | None) -> similar.Fingerprint:
    data = data or {}
    return similar.Fingerprint(tuple(signature), data.get("k", {}), tuple(data.get("p", ())), int(data.get("n", 0)))


# ---- writing -----------------------------------------------------------------------------------


@transaction.atomic
def index_case(case_id: int) -> SimilarDoc | None:
    """(Re)index one case; idempotent, safe to run twice or concurrently (row lock on the case)."""
    case = (
        Case.objects.select_for_update()
        .only("id", "site_id", "title", "body", "public_title", "public_body", "published_at", "submitted_at")
        .filter(pk=case_id).first()
    )
    if case is None:
        return None
    fp = similar.fingerprint(case.title, case.body)
    keys = similar.index_keys(fp, namespace(case.site_id, INTERNAL))
    public = None
    if case.published_at is not None:
        # The public namespace is built from the masked text only (the question, not the reply:
        # citizens search with their own words; the reply's words would match every answer).
        pfp = similar.fingerprint(case.public_title, case.public_body)
        public = pfp.to_json()
        keys += similar.index_keys(pfp, namespace(case.site_id, PUBLIC), bands=False)
    keys = list(dict.fromkeys(keys))
    old = SimilarDoc.objects.filter(pk=case.pk).values_list("keys", flat=True).first() or []
    stale = set(old) - set(keys)
    if stale:
        SimilarKey.objects.filter(case_id=case.pk, key__in=list(stale)).delete()
    fresh = [k for k in keys if k not in set(old)]
    SimilarKey.objects.bulk_create([SimilarKey(key=k, case_id=case.pk) for k in fresh], ignore_conflicts=True)
    doc, _ = SimilarDoc.objects.update_or_create(case_id=case.pk, defaults={
        "site_id": case.site_id, "submitted_at": case.submitted_at,
        "signature": similar.signature_bytes(fp.signature), "keywords": fp.to_json(),
        "public_keywords": public, "keys": keys, "indexed_at": timezone.now(),
    })
    return doc


def backfill(case_ids: Iterable[int]) -> int:
    n = 0
    for case_id in case_ids:
        if index_case(case_id) is not None:
            n += 1
    return n


# ---- reading -----------------------------------------------------------------------------------


def _postings(keys: Sequence[int], per_key: int = PER_KEY) -> Counter[int]:
    """How many of `keys` each case has, reading at most `per_key` newest cases per key."""
    if not keys:
        return Counter()
    # One statement: a UNION ALL of index range scans, each bounded (portable: no LATERAL in SQLite).
    part = f"SELECT * FROM (SELECT case_id FROM {SimilarKey._meta.db_table} WHERE key = %s ORDER BY case_id DESC LIMIT %s) AS t{{n}}"  # noqa: S608 - the table name is ours; values are bound
    sql = " UNION ALL ".join(part.format(n=n) for n in range(len(keys)))
    params: list[int] = []
    for key in keys:
        params += [key, per_key]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return Counter(row[0] for row in cursor.fetchall())


@dataclass(frozen=True)
class Hit:
    case_id: int
    match: similar.Match
    hits: int


def lookup(fp: similar.Fingerprint, site_id: int, audience: str, *, limit: int = 10,
           exclude: Iterable[int] = (), min_score: float = 0.15) -> list[Hit]:
    """The cases of a site most like `fp`, best first (index + rerank; no case row is read)."""
    ns = namespace(site_id, audience)
    keys = similar.index_keys(fp, ns, bands=audience == INTERNAL)
    counts = _postings(keys)
    for pk in exclude:
        counts.pop(pk, None)
    best = [pk for pk, _ in counts.most_common(CANDIDATES)]
    docs = SimilarDoc.objects.filter(pk__in=best)
    cands: list[tuple[int, similar.Fingerprint, float | None]] = []
    if audience == PUBLIC:
        for pk, data in docs.values_list("case_id", "public_keywords"):
            if data is not None:
                cands.append((pk, _fp_from_json((), data), 0.0))
    else:
        # Signatures are compared as stored bytes (numpy), not unpacked: this is most of the rerank.
        query_signature = similar.signature_array(fp.signature)
        for pk, raw, data in docs.values_list("case_id", "signature", "keywords"):
            cands.append((pk, _fp_from_json((), data), similar.stored_jaccard(query_signature, raw)))
    ranked = similar.rank(fp, cands, limit=limit, min_score=min_score)
    return [Hit(pk, m, counts[pk]) for pk, m in ranked]


def similar_published(site: Site, title: str, text: str, *, limit: int = 5) -> list[tuple[Case, similar.Match]]:
    """For the write page: published cases of the site like what the citizen is typing."""
    fp = similar.fingerprint(title, text)
    if not fp.keywords:
        return []
    hits = lookup(fp, site.pk, PUBLIC, limit=limit, min_score=0.2)
    rows = {c.pk: c for c in selectors.published_cases(site).filter(pk__in=[h.case_id for h in hits])}
    return [(rows[h.case_id], h.match) for h in hits if h.case_id in rows]


def _doc_fp(case: Case) -> similar.Fingerprint:
    doc = SimilarDoc.objects.filter(pk=case.pk).first()
    if doc is not None:
        return _fp_from_json(similar.signature_from_bytes(doc.signature), doc.keywords)
    return similar.fingerprint(case.title, case.body)


@dataclass(frozen=True)
class PastCase:
    case: Case
    match: similar.Match
    reply: str  # the approved reply; its public text when the case is outside the user's scope


def similar_past_cases(case: Case, user: User, *, limit: int = 5) -> list[PastCase]:
    """Answered cases like this one that the user may read: in their scope, or published."""
    hits = lookup(_doc_fp(case), case.site_id, INTERNAL, limit=limit * 4, exclude=[case.pk], min_score=0.2)
    ids = [h.case_id for h in hits]
    answered = [Status.REPLIED, Status.CLOSED, Status.DISPUTED]
    in_scope = set(selectors.cases_for_staff(user).filter(pk__in=ids).values_list("pk", flat=True))
    rows = {
        c.pk: c for c in Case.objects.filter(pk__in=ids, status__in=answered)
        .filter(Q(pk__in=in_scope) | Q(published_at__isnull=False))
        .select_related("lead_department").defer(*selectors.PRIVATE_CASE_FIELDS)
    }
    out: list[PastCase] = []
    for h in hits:
        row = rows.get(h.case_id)
        if row is None:
            continue
        reply = row.replies.filter(status=ReplyStatus.APPROVED).order_by("-id").first()
        if reply is None:
            continue
        # Outside the user's scope only the published, masked texts may be shown.
        text = reply.body if row.pk in in_scope else reply.public_body
        if row.pk not in in_scope:
            row.title = row.public_title
        out.append(PastCase(row, h.match, text))
        if len(out) >= limit:
            break
    return out


def window_days(site_id: int) -> int:
    value = KnowledgeSettings.objects.filter(site_id=site_id).values_list("duplicate_window_days", flat=True).first()
    return 30 if value is None else value


@dataclass(frozen=True)
class Duplicate:
    case: Case
    same_citizen: bool
    jaccard: float  # exact character-5-gram Jaccard of the messages
    shared_places: tuple[str, ...]
    shared_words: tuple[str, ...]

    @property
    def near_identical(self) -> bool:
        return self.jaccard >= NEAR_JACCARD


NEAR_JACCARD = 0.6  # verified on the texts; docs/intelligence.md, "Duplicates and similar cases"
SAME_SUBJECT_COSINE = 0.45


def possible_duplicates(case: Case, user: User, *, limit: int = 8) -> list[Duplicate]:
    """Earlier or later cases of the same site within the window that intake may want to merge:
    the same citizen, a near-identical text, or the same subject at the same place."""
    days = window_days(case.site_id)
    start, end = case.submitted_at - timedelta(days=days), case.submitted_at + timedelta(days=days)
    scoped = selectors.cases_for_staff(user).filter(
        site_id=case.site_id, submitted_at__range=(start, end)
    ).exclude(pk=case.pk).exclude(status__in=[Status.MERGED, Status.REJECTED])
    same_citizen: set[int] = set()
    if case.citizen_digest:
        same_citizen = set(scoped.filter(citizen_digest=case.citizen_digest).values_list("pk", flat=True)[:limit])
    fp = _doc_fp(case)
    hits = {h.case_id: h for h in lookup(fp, case.site_id, INTERNAL, limit=30, exclude=[case.pk], min_score=0.0)}
    rows = scoped.filter(pk__in=set(hits) | same_citizen).only(
        "id", "tracking_code", "title", "body", "status", "submitted_at", "site_id"
    )
    out: list[Duplicate] = []
    for row in rows:
        jac = similar.text_jaccard(case.body, row.body)
        hit = hits.get(row.pk)
        places = hit.match.shared_places if hit else ()
        words = hit.match.shared_words if hit else ()
        same_subject = bool(places) and hit is not None and hit.match.cosine >= SAME_SUBJECT_COSINE
        if row.pk in same_citizen or jac >= NEAR_JACCARD or same_subject:
            out.append(Duplicate(row, row.pk in same_citizen, round(jac, 3), places, words[:6]))
    out.sort(key=lambda d: (not d.same_citizen, -d.jaccard, -len(d.shared_places)))
    return out[:limit]
