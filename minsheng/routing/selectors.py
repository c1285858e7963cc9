"""Reads of the routing domain: the model a site uses, suggestions for a case, versions for admins."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q, QuerySet

from minsheng.accounts.models import RoleKind, User
from minsheng.accounts.scopes import scope_for
from minsheng.cases.actions import dispatch_targets
from minsheng.cases.models import Case
from minsheng.insights.routing import RouterFormatError
from minsheng.routing.models import RouterModel, RoutingSettings
from minsheng.routing.training import Bundle
from minsheng.sites.models import Category, Department, Site

logger = logging.getLogger(__name__)

SUGGESTION_TTL = 7 * 24 * 3600
_LOADED_MAX = 4

_loaded: OrderedDict[int, Bundle] = OrderedDict()
_loaded_lock = threading.Lock()


def active_model(site: Site) -> RouterModel | None:
    """The site's own active model, else the installation-wide one, else None.

    The blob is not read here: it is loaded once per process by :func:`bundle`.
    """
    candidates = RouterModel.objects.filter(Q(scope=site.pk) | Q(scope=0), is_active=True).defer("blob")
    models = sorted(candidates, key=lambda m: m.scope == 0)
    return models[0] if models else None


def bundle(model: RouterModel) -> Bundle:
    """The fitted routers of a version, loaded once per process (rows never change after training)."""
    with _loaded_lock:
        if model.pk in _loaded:
            _loaded.move_to_end(model.pk)
            return _loaded[model.pk]
    blob = RouterModel.objects.filter(pk=model.pk).values_list("blob", flat=True).get()
    loaded = Bundle.from_bytes(bytes(blob))
    with _loaded_lock:
        _loaded[model.pk] = loaded
        while len(_loaded) > _LOADED_MAX:
            _loaded.popitem(last=False)
    return loaded


@dataclass
class Suggestions:
    model: RouterModel | None
    categories: list[tuple[Category, float]] = field(default_factory=list)
    departments: list[tuple[Department, float]] = field(default_factory=list)


def _ranked(router, title: str, body: str, allowed: dict[int, object]) -> list[tuple[int, float]]:  # type: ignore[no-untyped-def]
    """The three most likely labels that the case may still take (a department closed since the
    model was trained, or one outside the case's sites, is skipped)."""
    if router is None:
        return []
    [row] = router.predict_proba([title], [body])
    ranked = sorted(zip(router.labels, row, strict=True), key=lambda lp: -lp[1])
    out: list[tuple[int, float]] = []
    for label, p in ranked:
        if int(label) in allowed:
            out.append((int(label), float(p)))
        if len(out) == 3:
            break
    return out


def raw_suggestions(case: Case) -> tuple[RouterModel | None, list[tuple[int, float]], list[tuple[int, float]]]:
    """(model, [(category id, confidence)], [(department id, confidence)]), cached per case version."""
    model = active_model(case.site)
    if model is None:
        return None, [], []
    key = f"minsheng:routing:suggest:{case.pk}:{case.version}:{model.pk}"
    cached = cache.get(key)
    if cached is None:
        try:
            loaded = bundle(model)
        except RouterFormatError as exc:
            # A version stored by an older release (or an incompatible scikit-learn) cannot be read:
            # the case page and automatic dispatch go on without suggestions until an administrator
            # retrains (the weekly retraining does it too).
            logger.warning("routing model %s of site %s cannot be loaded, retrain it: %s",
                           model.version, model.scope, exc)
            return None, [], []
        categories = dict.fromkeys(
            Category.objects.filter(Q(site__isnull=True) | Q(site_id=case.site_id), is_active=True)
            .values_list("pk", flat=True))
        departments = dict.fromkeys(dispatch_targets(case).values_list("pk", flat=True))
        cached = (_ranked(loaded.category, case.title, case.body, categories),
                  _ranked(loaded.department, case.title, case.body, departments))
        cache.set(key, cached, SUGGESTION_TTL)
    return model, cached[0], cached[1]


def suggestions_for(case: Case) -> Suggestions:
    model, categories, departments = raw_suggestions(case)
    cats = Category.objects.in_bulk([pk for pk, _ in categories])
    deps = Department.objects.in_bulk([pk for pk, _ in departments])
    return Suggestions(
        model=model,
        categories=[(cats[pk], p) for pk, p in categories if pk in cats],
        departments=[(deps[pk], p) for pk, p in departments if pk in deps],
    )


def settings_for(site: Site) -> RoutingSettings:
    """The site's settings; an unsaved default row when an administrator never set them."""
    found = RoutingSettings.objects.filter(site=site).first()
    return found if found is not None else RoutingSettings(site=site)


def admin_sites(user: User) -> QuerySet[Site]:
    """Sites whose routing this user administers."""
    return Site.objects.filter(pk__in=scope_for(user).sites(RoleKind.ADMIN)).order_by("pk")


def manages_global_models(user: User) -> bool:
    """The installation-wide model mixes every site's cases: only superusers manage it."""
    return bool(user.is_superuser)


def models_for_admin(user: User) -> QuerySet[RouterModel]:
    scope = Q(site__in=admin_sites(user))
    if manages_global_models(user):
        scope |= Q(site__isnull=True)
    return RouterModel.objects.filter(scope).select_related("site", "trained_by").defer("blob").order_by(
        "scope", "-version")


def model_for_admin_or_404(user: User, pk: int) -> RouterModel:
    from django.http import Http404

    model = models_for_admin(user).filter(pk=pk).first()
    if model is None:
        raise Http404
    return model
