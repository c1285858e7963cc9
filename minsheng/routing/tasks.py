"""Worker tasks of the routing domain: automatic dispatch after acceptance, scheduled retraining."""

from __future__ import annotations

import logging

from django.core.exceptions import ImproperlyConfigured
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from minsheng.lib.env import env_str
from minsheng.sites.models import Site

logger = logging.getLogger(__name__)


def retrain_schedule(value: str) -> crontab:
    """A five-field cron expression (minute hour day month weekday) as a Huey schedule."""
    fields = value.split()
    if len(fields) != 5:
        raise ImproperlyConfigured(
            f"MINSHENG_ROUTING_RETRAIN must be a cron expression of five fields, got {value!r}")
    try:
        return crontab(*fields)
    except ValueError as exc:
        raise ImproperlyConfigured(f"MINSHENG_ROUTING_RETRAIN: {exc}") from None


# Weekly by default (Sunday 03:00, when nobody works): the model should follow intake's recent
# decisions, and a week of cases is enough to matter without retraining for nothing.
RETRAIN = retrain_schedule(env_str("MINSHENG_ROUTING_RETRAIN", "0 3 * * 0"))


@db_task()
def auto_dispatch_case(case_id: int, version: int) -> str:
    from minsheng.routing.dispatch import auto_dispatch

    return auto_dispatch(case_id, version)


#: Above this many new words a reindex reads every indexed case: one OR of that many
#: substring tests would cost more than segmenting everything again.
MAX_WORDS_FOR_TARGETED_REINDEX = 50
REINDEX_BATCH = 500


@db_task()
def reindex_cases_with_words(words: list[str]) -> int:
    """Segment again the published cases whose public text contains a word just added to the
    segmenter's dictionary, so that search finds them by it: the query keeps the new word whole,
    the text stored before was cut apart. Returns the number of search rows rewritten. Same
    batches as `reindex_search`."""
    from django.db.models import Q

    from minsheng.cases import search
    from minsheng.lib import chinese

    chinese.refresh_user_words()  # this worker's segmenter must know the words before cutting
    cases = search.indexable_cases()
    if len(words) <= MAX_WORDS_FOR_TARGETED_REINDEX:
        contains = Q()
        for word in words:
            contains |= (Q(public_title__contains=word) | Q(public_body__contains=word)
                         | Q(replies__public_body__contains=word))
        cases = cases.filter(contains)
    ids = sorted(set(cases.values_list("pk", flat=True)))
    written = 0
    for start in range(0, len(ids), REINDEX_BATCH):
        written += search.reindex_batch(ids[start:start + REINDEX_BATCH]).written
    logger.info("search: %d of %d cases with new dictionary words segmented again", written, len(ids))
    return written


@db_task()
def train_site_model(site_id: int | None, user_id: int | None = None) -> str:
    """Train one version (a site's, or the installation-wide one for None). Returns what happened."""
    from minsheng.accounts.models import User
    from minsheng.routing.training import TrainingError, train_model

    site = Site.objects.filter(pk=site_id).first() if site_id is not None else None
    if site_id is not None and site is None:
        return "no such site"
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    try:
        model = train_model(site, by=user)
    except TrainingError as exc:
        logger.info("routing model for %s not trained: %s", site or "all sites", exc)
        return str(exc)
    logger.info("routing model %s trained on %s cases", model, model.training_size)
    return f"trained {model}"


@db_periodic_task(RETRAIN)
def retrain_all() -> None:
    """Every active site gets a new version from its own history, and the installation one from all."""
    train_site_model.call_local(None)
    for site_id in Site.objects.filter(is_active=True).values_list("pk", flat=True):
        train_site_model.call_local(site_id)
