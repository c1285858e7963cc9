"""The write path of routing administration: activate (roll back to) a version, change settings.

Training writes through `training.train_model`. Each change is one audited `RoutingEvent`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from minsheng.accounts.models import User
from minsheng.routing.models import RouterModel, RoutingEvent, RoutingSettings
from minsheng.sites.models import Site


@transaction.atomic
def activate_model(model: RouterModel, *, by: User) -> RouterModel:
    """Make `model` the version its site uses (a roll-back when it is older than the active one)."""
    locked = RouterModel.objects.select_for_update().defer("blob").get(pk=model.pk)
    previous = RouterModel.objects.filter(scope=locked.scope, is_active=True).exclude(pk=locked.pk).defer(
        "blob").first()
    if locked.is_active:
        return locked
    RouterModel.objects.filter(scope=locked.scope, is_active=True).update(is_active=False)
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    RoutingEvent.objects.create(
        site=locked.site, model=locked, action=RoutingEvent.Action.ACTIVATE, actor=by, created_at=timezone.now(),
        data={"version": locked.version, "previous": previous.version if previous else None},
    )
    return locked


def _lines(words: str) -> set[str]:
    return {line.strip() for line in words.splitlines() if line.strip()}


@transaction.atomic
def save_settings(site: Site, *, by: User, auto_dispatch: bool, threshold: float, words: str) -> RoutingSettings:
    settings, _created = RoutingSettings.objects.select_for_update().get_or_create(site=site)
    before = {"auto_dispatch": settings.auto_dispatch, "threshold": settings.threshold, "words": settings.words}
    settings.auto_dispatch, settings.threshold, settings.words = auto_dispatch, threshold, words.strip()
    settings.full_clean()
    settings.save()
    after = {"auto_dispatch": settings.auto_dispatch, "threshold": settings.threshold, "words": settings.words}
    if before != after:
        RoutingEvent.objects.create(site=site, action=RoutingEvent.Action.SETTINGS, actor=by,
                                    created_at=timezone.now(), data={"from": before, "to": after})
    if before["words"] != after["words"]:
        from minsheng.lib import chinese
        from minsheng.routing.tasks import reindex_cases_with_words

        # This process learns the new words now; the others within the word source's TTL.
        transaction.on_commit(chinese.refresh_user_words)
        # Published cases were indexed with the old cut: the worker cuts again those that contain
        # an added word, so search finds them by it at once. (A removed word stays known to running
        # processes until they restart, the segmenter only learns; docs/operations.md says to run
        # `reindex_search` after that restart.)
        added = sorted(_lines(settings.words) - _lines(str(before["words"])))
        if added:
            transaction.on_commit(lambda: reindex_cases_with_words(added))
    return settings
