"""Topics of a site's cases: incremental assignment, nightly re-fit, aggregates and surges.

The clustering itself is `minsheng.insights.topics.TopicModel` (Django-free). This module feeds
it cases, keeps its state in `TopicModelSnapshot`, and mirrors its topics into `Topic` /
`TopicMember` rows that the pages read.

* `assign_new(site)` (the minute task): cases the model has not seen yet are added with
  `TopicModel.add` -- no re-clustering; the memberships, the new high-water mark and the model
  state are written in one transaction, so a crash loses nothing and a second run does nothing.
  Then the touched topics' figures are recomputed and surges checked (`detect_surges`).
* `refit(site)` (nightly): a fresh `fit` over the window; new clusters inherit the identity of
  the old topic they share most members with, so links, alerts and reports keep pointing at
  the same topic.

Only masked text enters the model (`cases.actions.public_copy`: the public copy when intake has
prepared one, otherwise the same masking applied on the fly): the model state is stored, and topic
titles are shown to staff of other departments and in reports.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from minsheng.cases.actions import public_copy
from minsheng.cases.models import Case, Status
from minsheng.insights.topics import HeatWeights, Message, TopicModel, heat_score
from minsheng.insights.topics import Topic as ModelTopic
from minsheng.opinion.models import (
    OpinionEvent,
    OpinionSettings,
    SurgeAlert,
    Topic,
    TopicMember,
    TopicModelSnapshot,
    TopicState,
)
from minsheng.sites.models import Site

logger = logging.getLogger(__name__)

# How far below the high-water mark the minute task looks again: on PostgreSQL a case with a
# smaller id can commit after one with a larger id; it is picked up on the next run.
LOOKBACK_IDS = 500
# At most this many new cases per run; a backlog is worked off over the next minutes.
BATCH = 5000
EXCLUDED_STATUSES = (Status.REJECTED,)
CASE_FIELDS = ("id", "title", "body", "public_title", "public_body", "submitted_at", "citizen_digest",
               "citizen_name")


def settings_for(site: Site) -> OpinionSettings:
    found = OpinionSettings.objects.filter(site=site).first()
    return found if found is not None else OpinionSettings(site=site)


def weights_for(cfg: OpinionSettings) -> HeatWeights:
    return HeatWeights(
        per_case=cfg.per_case, per_author=cfg.per_author, per_like=cfg.per_like,
        recency_half_life_days=cfg.half_life_days, repeat_case_factor=cfg.repeat_case_factor,
    )


def topic_cases(site: Site) -> QuerySet[Case]:
    """The cases that form a site's topics: every channel, everything but rejected messages."""
    return Case.objects.filter(site=site).exclude(status__in=EXCLUDED_STATUSES)


def _messages(cases: Iterable[Case], likes: dict[int, int]) -> list[Message]:
    out = []
    for case in cases:
        # A new case is seen a minute after it arrives, usually before intake prepared its public
        # copy: the same masking, on the first 400 characters of the message.
        title, text = public_copy(case, limit=400)
        out.append(Message(id=str(case.pk), title=title, text=text, posted_at=case.submitted_at,
                           likes=likes.get(case.pk, 0), author=case.citizen_digest))
    return out


def _likes(case_ids: Sequence[int]) -> dict[int, int]:
    from minsheng.opinion.models import Like

    out: dict[int, int] = {}
    for start in range(0, len(case_ids), 2000):
        chunk = case_ids[start:start + 2000]
        rows = Like.objects.filter(case_id__in=chunk).values("case_id").annotate(n=Count("id")).order_by()
        out.update({r["case_id"]: r["n"] for r in rows})
    return out


@dataclass
class AssignResult:
    assigned: int = 0
    topics: list[int] = field(default_factory=list)  # Topic pks touched
    surges: list[int] = field(default_factory=list)  # SurgeAlert pks raised
    refitted: bool = False


def _model_from(snapshot: TopicModelSnapshot, cfg: OpinionSettings) -> TopicModel | None:
    if not snapshot.state:
        return None
    try:
        model = TopicModel.from_state(snapshot.state)
    except (ValueError, KeyError, TypeError):
        logger.warning("topic model state of site %s unreadable; re-fitting", snapshot.site_id)
        return None
    model.weights = weights_for(cfg)
    return model


def assign_new(site: Site, *, now: datetime | None = None, limit: int = BATCH) -> AssignResult:
    """Add the site's new cases to its topics (the minute task); idempotent."""
    now = now or timezone.now()
    # The state can weigh tens of megabytes: read it once, under the lock below.
    snapshot = TopicModelSnapshot.objects.filter(site=site).only("pk", "high_water", "fitted_at").first()
    if snapshot is None or snapshot.fitted_at is None:
        # First run for this site: cluster the window from scratch.
        result = refit(site, now=now)
        result.surges = detect_surges(site, result.topics, now=now)
        return result
    pending = (
        topic_cases(site).filter(pk__gt=max(0, snapshot.high_water - LOOKBACK_IDS), topic_membership__isnull=True)
        .only(*CASE_FIELDS).order_by("pk")[:limit]
    )
    if not pending.exists():
        return AssignResult()
    cfg = settings_for(site)
    with transaction.atomic():
        snapshot = TopicModelSnapshot.objects.select_for_update().get(pk=snapshot.pk)
        model = _model_from(snapshot, cfg)
        cases = list(pending) if model is not None else []
        if model is not None and cases:
            messages = _messages(cases, _likes([c.pk for c in cases]))
            pairs = model.add(messages)
            by_model_id = _topics_by_model_id(site, {tid for _mid, tid in pairs})
            fresh = model.describe({tid for _mid, tid in pairs if tid not in by_model_id}, heat=False)
            created = [_new_topic(site, tid, d) for tid, d in fresh.items()]
            Topic.objects.bulk_create(created)
            by_model_id.update({t.model_id: t for t in created if t.model_id is not None})
            members = [TopicMember(topic=by_model_id[tid], case_id=int(mid), joined_at=now) for mid, tid in pairs]
            TopicMember.objects.bulk_create(members, ignore_conflicts=True)
            snapshot.state = model.state()
            snapshot.high_water = max(snapshot.high_water, max(c.pk for c in cases))
            snapshot.save(update_fields=["state", "high_water", "updated_at"])
            touched = sorted({t.pk for t in by_model_id.values()})
            refresh_topics(site, touched, model=model, now=now, cfg=cfg)
    if model is None:
        return refit(site, now=now)  # unreadable state (e.g. an older version): start again
    if not cases:
        return AssignResult()
    result = AssignResult(assigned=len(members), topics=touched)
    result.surges = detect_surges(site, touched, now=now, cfg=cfg)
    return result


def _new_topic(site: Site, model_id: int, described: ModelTopic) -> Topic:
    return Topic(site=site, model_id=model_id, title=described.title[:200], keywords=described.keywords,
                 place=described.place[:100], first_seen=described.first_at, last_seen=described.last_at)


def _topics_by_model_id(site: Site, model_ids: set[int]) -> dict[int, Topic]:
    found = Topic.objects.filter(site=site, model_id__in=model_ids, state=TopicState.ACTIVE)
    return {t.model_id: t for t in found if t.model_id is not None}


def refresh_topics(
    site: Site, topic_ids: Sequence[int], *, model: TopicModel | None = None, now: datetime | None = None,
    cfg: OpinionSettings | None = None,
) -> None:
    """Recompute the figures of some topics; title, keywords and place come from the model.

    With the model (the worker's runs), members, times and citizens come from its state -- it
    holds exactly the memberships written with it -- and only the like counts from the database
    (likes arrive after the model saw the cases). Without it (after a like), everything is read
    from the database.
    """
    if not topic_ids:
        return
    from minsheng.opinion.models import Like

    now = now or timezone.now()
    cfg = cfg or settings_for(site)
    weights = weights_for(cfg)
    topics = list(Topic.objects.in_bulk(list(topic_ids)).values())
    rows: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)
    described = {}
    if model is not None:
        by_model = {t.model_id: t for t in topics if t.model_id is not None}
        described = model.describe(by_model, heat=False)  # heat below, with current likes and now
        likes: dict[int, int] = {}
        for start in range(0, len(topics), 500):
            chunk = [t.pk for t in topics[start:start + 500]]
            likes.update(
                Like.objects.filter(case__topic_membership__topic_id__in=chunk).values("case_id")
                .annotate(n=Count("id")).order_by().values_list("case_id", "n")
            )
        for model_id, topic in by_model.items():
            rows[topic.pk] = [(at, likes.get(int(mid), 0), author) for mid, at, author in model.members(model_id)]
    else:
        for start in range(0, len(topic_ids), 500):
            chunk = list(topic_ids[start:start + 500])
            for row in (
                TopicMember.objects.filter(topic_id__in=chunk)
                .values("topic_id", "case_id", "case__submitted_at", "case__citizen_digest")
                .annotate(n=Count("case__likes"))
                .order_by()
            ):
                rows[row["topic_id"]].append((row["case__submitted_at"], row["n"], row["case__citizen_digest"]))
    for topic in topics:
        members = rows.get(topic.pk, [])
        if not members:
            continue
        topic.case_count = len(members)
        topic.citizen_count = len({d for _t, _l, d in members if d})
        topic.unknown_citizens = sum(1 for _t, _l, d in members if not d)
        topic.likes = sum(n for _t, n, _d in members)
        topic.heat = round(heat_score(members, weights, now), 4)
        topic.first_seen = min(t for t, _l, _d in members)
        topic.last_seen = max(t for t, _l, _d in members)
        desc = described.get(topic.model_id) if topic.model_id is not None else None
        if desc is not None:
            topic.title = desc.title[:200]
            topic.keywords = desc.keywords
            topic.place = desc.place[:100]
    Topic.objects.bulk_update(
        topics, ["case_count", "citizen_count", "unknown_citizens", "likes", "heat", "first_seen", "last_seen",
                 "title", "keywords", "place", "updated_at"], batch_size=500,
    )


def refresh_case_topic(case_id: int) -> None:
    """After a like: the figures of the topic the case belongs to."""
    member = TopicMember.objects.select_related("topic__site").filter(case_id=case_id).first()
    if member is not None:
        refresh_topics(member.topic.site, [member.topic_id])


# ------------------------------------------------------------------------------------ re-fit


@dataclass
class _Cluster:
    model_id: int
    cases: list[int]


def refit(site: Site, *, now: datetime | None = None, workers: int = 1) -> AssignResult:
    """Cluster the site's window from scratch and keep topic identities (nightly, or first run).

    A new cluster takes over the old topic with which it shares the most cases, provided they
    share at least half of the smaller of the two; each old topic is taken over at most once,
    largest overlaps first. Old topics nobody takes over are retired (kept for reports and
    alerts, without members).
    """
    now = now or timezone.now()
    cfg = settings_for(site)
    start = now - timedelta(days=cfg.window_days)
    cases = list(topic_cases(site).filter(submitted_at__gte=start).only(*CASE_FIELDS).order_by("pk"))
    messages = _messages(cases, _likes([c.pk for c in cases]))
    model = TopicModel(threshold=cfg.threshold, weights=weights_for(cfg))
    model.fit(messages, workers=workers)
    clusters = [_Cluster(tid, []) for tid in model.topic_ids()]
    index = {c.model_id: c for c in clusters}
    for m in messages:
        tid = model.topic_of(m.id)
        if tid is not None:
            index[tid].cases.append(int(m.id))
    # Everything that needs no database is done before the lock: on SQLite a write transaction
    # holds up every other writer (web requests included) until it commits.
    described = model.describe((c.model_id for c in clusters), heat=False)
    state = model.state()
    with transaction.atomic():
        snapshot, _created = TopicModelSnapshot.objects.select_for_update().get_or_create(site=site)
        old_members: dict[int, set[int]] = defaultdict(set)
        for topic_id, case_id in TopicMember.objects.filter(topic__site=site).values_list("topic_id", "case_id"):
            old_members[topic_id].add(case_id)
        topic_of_case = {c: t for t, cs in old_members.items() for c in cs}
        pairs: list[tuple[int, int, int]] = []  # (overlap, cluster model id, old topic pk)
        for cluster in clusters:
            overlaps = Counter(topic_of_case[c] for c in cluster.cases if c in topic_of_case)
            for topic_id, shared in overlaps.items():
                if shared * 2 >= min(len(cluster.cases), len(old_members[topic_id])):
                    pairs.append((shared, cluster.model_id, topic_id))
        pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
        taken: dict[int, int] = {}  # cluster model id -> old topic pk
        used: set[int] = set()
        for _shared, model_id, topic_id in pairs:
            if model_id not in taken and topic_id not in used:
                taken[model_id] = topic_id
                used.add(topic_id)
        TopicMember.objects.filter(topic__site=site).delete()
        # Free every model id first (the new model numbers its topics from 1 again) and retire all;
        # the topics taken over become active again below. No `pk__in` over thousands of ids:
        # SQLite limits the parameters of one statement.
        Topic.objects.filter(site=site).update(state=TopicState.RETIRED, model_id=None)
        kept = Topic.objects.in_bulk(sorted(used))
        placed: list[tuple[Topic, _Cluster]] = []
        created: list[Topic] = []
        for cluster in clusters:
            if cluster.model_id in taken:
                topic = kept[taken[cluster.model_id]]
                topic.model_id = cluster.model_id
                topic.state = TopicState.ACTIVE
            else:
                topic = _new_topic(site, cluster.model_id, described[cluster.model_id])
                created.append(topic)
            placed.append((topic, cluster))
        Topic.objects.bulk_update(list(kept.values()), ["model_id", "state"], batch_size=500)
        Topic.objects.bulk_create(created, batch_size=500)
        members = [TopicMember(topic=t, case_id=c, joined_at=now) for t, cluster in placed for c in cluster.cases]
        touched = [t.pk for t, _cluster in placed]
        TopicMember.objects.bulk_create(members, batch_size=2000)
        snapshot.state = state
        # The cases of this fit, not the stored mark: cases added by a minute run while this fit
        # was computing lost their membership above and must be picked up again.
        snapshot.high_water = max((c.pk for c in cases), default=0)
        snapshot.window_start = start
        snapshot.fitted_at = now
        snapshot.save()
        refresh_topics(site, touched, model=model, now=now, cfg=cfg)
        OpinionEvent.objects.create(
            site=site, action="refit", created_at=now,
            data={"cases": len(cases), "topics": len(touched), "kept": len(taken),
                  "retired": len(old_members) - len(used), "window_days": cfg.window_days},
        )
    return AssignResult(assigned=len(members), topics=touched, refitted=True)


# ------------------------------------------------------------------------------------ surges


def daily_counts(topic_ids: Sequence[int], since: date, until: date) -> dict[int, dict[date, int]]:
    """Cases per local day (by submission) of each topic, days without cases omitted."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(since, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    out: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for start_i in range(0, len(topic_ids), 500):
        chunk = list(topic_ids[start_i:start_i + 500])
        for topic_id, submitted_at in TopicMember.objects.filter(
            topic_id__in=chunk, case__submitted_at__gte=start, case__submitted_at__lt=end
        ).values_list("topic_id", "case__submitted_at"):
            out[topic_id][timezone.localtime(submitted_at, tz).date()] += 1
    return out


def is_surge(today: int, baseline: float, cfg: OpinionSettings) -> bool:
    """Today's count against the mean of the previous days (floored at one case a day)."""
    return today >= cfg.surge_min_cases and today >= cfg.surge_ratio * max(baseline, 1.0)


def detect_surges(
    site: Site, topic_ids: Sequence[int], *, now: datetime | None = None, cfg: OpinionSettings | None = None
) -> list[int]:
    """Raise a SurgeAlert (once per topic and day) and tell the site's supervisors."""
    from minsheng.notifications.services import notify_staff, staff_for

    if not topic_ids:
        return []
    now = now or timezone.now()
    cfg = cfg or settings_for(site)
    today = timezone.localtime(now).date()
    since = today - timedelta(days=cfg.surge_baseline_days)
    counts = daily_counts(topic_ids, since, today)
    raised: list[int] = []
    for topic_id in topic_ids:
        days = counts.get(topic_id, {})
        count = days.get(today, 0)
        baseline = sum(n for d, n in days.items() if d < today) / cfg.surge_baseline_days
        if not is_surge(count, baseline, cfg):
            continue
        with transaction.atomic():
            alert, created = SurgeAlert.objects.get_or_create(
                topic_id=topic_id, day=today,
                defaults={"count": count, "baseline": round(baseline, 3), "created_at": now},
            )
            if not created:
                if count > alert.count:
                    alert.count = count
                    alert.save(update_fields=["count"])
                continue
            topic = Topic.objects.get(pk=topic_id)
            latest = (Case.objects.filter(topic_membership__topic_id=topic_id)
                      .select_related("site").order_by("-submitted_at", "-pk").first())
            if latest is None:
                continue
            with override("zh-hans"):
                text = _("Surge in topic “%(title)s”: %(count)d cases today, usually %(baseline).1f a day.") % {
                    "title": topic.title[:60], "count": count, "baseline": baseline}
            users = staff_for(latest, site_roles=("supervisor",))
            alert.notified = notify_staff(latest, "surge", text, users, at=now)
            alert.save(update_fields=["notified"])
            OpinionEvent.objects.create(site=site, action="surge", topic=topic, created_at=now,
                                        data={"day": today.isoformat(), "count": count, "baseline": baseline,
                                              "notified": alert.notified})
            raised.append(alert.pk)
    return raised


def assign_all(*, now: datetime | None = None) -> dict[str, int]:
    """The minute task: every active site with cases."""
    totals: Counter[str] = Counter()
    for site in Site.objects.filter(is_active=True).order_by("pk"):
        if not Case.objects.filter(site=site).exists():
            continue
        result = assign_new(site, now=now)
        totals["assigned"] += result.assigned
        totals["surges"] += len(result.surges)
    return dict(totals)


def refit_all(*, now: datetime | None = None) -> int:
    done = 0
    for site in Site.objects.filter(is_active=True).order_by("pk"):
        if Case.objects.filter(site=site).exists():
            refit(site, now=now)
            done += 1
    return done
