"""Training routing models from the platform's own history.

What the model learns from (docs/intelligence.md, "Routing in the platform"):

* **category**: cases of the site whose category intake set, from acceptance on (rejected and
  merged cases are left out: spam and duplicates teach nothing about subjects);
* **department**: cases whose lead department signed for them and went on handling them (status
  processing or later), so a dispatch that was returned or undone does not count; letters that
  went to a leader's office are left out (the office is a waypoint, not a subject).

Imported history is left out: its categories and departments come from another system's lists and
would teach labels intake cannot choose. The text is the masked public copy made at acceptance
(`public_title`/`public_body`), so the stored model never holds citizens' names or numbers.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from minsheng.accounts.models import User
from minsheng.cases.models import Case, Status
from minsheng.insights import routing
from minsheng.routing.models import RouterModel, RoutingEvent
from minsheng.sites.models import Leader, Site

# The most recent cases are what the model should reflect (departments are reorganised, remits
# move); older ones add training time and little else.
MAX_TRAINING_CASES = 20_000
MIN_TRAINING_CASES = 20
HOLDOUT_SHARE = 0.2
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)

_CATEGORY_STATUSES = [s for s in Status.values if s not in (Status.SUBMITTED, Status.NEED_INFO, Status.REJECTED,
                                                            Status.MERGED)]
_DEPARTMENT_STATUSES = [Status.PROCESSING, Status.REVIEWING, Status.REPLIED, Status.DISPUTED, Status.CLOSED]


class TrainingError(Exception):
    """Training was not possible; the message says why, for an administrator."""


@dataclass(frozen=True)
class Example:
    title: str
    text: str
    label: str


def _cases(site: Site | None) -> QuerySet[Case]:
    qs = Case.objects.filter(is_imported=False)
    if site is not None:
        qs = qs.filter(site=site)
    return qs.only("title", "body", "public_title", "public_body", "category_id", "lead_department_id")


def _text(case: Case) -> tuple[str, str]:
    if case.public_title or case.public_body:
        return case.public_title, case.public_body
    return case.title, case.body


def category_examples(site: Site | None) -> list[Example]:
    qs = _cases(site).filter(category__isnull=False, status__in=_CATEGORY_STATUSES).order_by("-submitted_at")
    return [Example(*_text(c), label=str(c.category_id)) for c in qs[:MAX_TRAINING_CASES]]


def department_examples(site: Site | None) -> list[Example]:
    offices = Leader.objects.filter(office__isnull=False).values("office_id")
    qs = (
        _cases(site).filter(lead_department__isnull=False, status__in=_DEPARTMENT_STATUSES)
        .exclude(lead_department_id__in=offices).order_by("-submitted_at")
    )
    return [Example(*_text(c), label=str(c.lead_department_id)) for c in qs[:MAX_TRAINING_CASES]]


def _usable(examples: list[Example]) -> bool:
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.label] = counts.get(e.label, 0) + 1
    return len(examples) >= MIN_TRAINING_CASES and sum(1 for n in counts.values() if n >= 2) >= 2


def _coverage(proba: np.ndarray, labels: tuple[str, ...], truth: list[str]) -> list[dict[str, float]]:
    """For each threshold: the share of cases at or above it and how often the model is right there."""
    best = proba.argmax(axis=1)
    confidence = proba.max(axis=1)
    right = np.array([labels[b] == t for b, t in zip(best, truth, strict=True)])
    out = []
    for threshold in THRESHOLDS:
        above = confidence >= threshold
        out.append({
            "threshold": threshold,
            "share": float(above.mean()) if len(above) else 0.0,
            "accuracy": float(right[above].mean()) if above.any() else 0.0,
        })
    return out


def fit(examples: list[Example], *, seed: int = 0) -> tuple[routing.Router, dict[str, Any]]:
    """Evaluate on a stratified hold-out, then refit on everything. Returns (router, evaluation)."""
    titles = [e.title for e in examples]
    texts = [e.text for e in examples]
    labels = [e.label for e in examples]
    train, test = routing.stratified_split(labels, HOLDOUT_SHARE, seed=seed)
    held = routing.Router.train([titles[i] for i in train], [texts[i] for i in train], [labels[i] for i in train],
                                seed=seed)
    proba = held.predict_proba([titles[i] for i in test], [texts[i] for i in test])
    truth = [labels[i] for i in test]
    predicted = [held.labels[j] for j in proba.argmax(axis=1)]
    evaluation = routing.evaluate(truth, predicted)
    evaluation["thresholds"] = _coverage(proba, held.labels, truth)
    evaluation["training_size"] = len(examples)
    return routing.Router.train(titles, texts, labels, seed=seed), evaluation


@dataclass
class Bundle:
    """What one RouterModel row holds: either router may be missing when its history is too thin."""

    category: routing.Router | None
    department: routing.Router | None

    def to_bytes(self) -> bytes:
        import joblib

        buffer = io.BytesIO()
        joblib.dump({
            "category": self.category.to_bytes() if self.category else None,
            "department": self.department.to_bytes() if self.department else None,
        }, buffer)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Bundle:
        import joblib

        try:
            payload = joblib.load(io.BytesIO(bytes(data)))
        except Exception as exc:  # unpickling errors come in many types
            raise routing.RouterFormatError(f"not a routing model bundle ({exc})") from exc
        if not isinstance(payload, dict):
            raise routing.RouterFormatError("not a routing model bundle")
        return cls(*(routing.Router.from_bytes(payload[k], name=k) if payload.get(k) else None
                     for k in ("category", "department")))


def train_model(site: Site | None, *, by: User | None = None, seed: int = 0) -> RouterModel:
    """Train on the site's history (all sites when None), store a new version and activate it.

    The new version becomes the active one: it has seen the most recent decisions. Its hold-out
    scores are stored with it, and an administrator can roll back to any earlier version.
    Raises TrainingError when the history is too thin for both routers.
    """
    started = time.monotonic()
    categories, departments = category_examples(site), department_examples(site)
    category_router = department_router = None
    evaluation: dict[str, Any] = {}
    if _usable(categories):
        category_router, evaluation["category"] = fit(categories, seed=seed)
    if _usable(departments):
        department_router, evaluation["department"] = fit(departments, seed=seed)
    if category_router is None and department_router is None:
        raise TrainingError(
            f"not enough history: {len(categories)} classified and {len(departments)} handled cases; "
            f"at least {MIN_TRAINING_CASES} with two labels of two cases each are needed"
        )
    evaluation["seconds"] = round(time.monotonic() - started, 1)
    blob = Bundle(category_router, department_router).to_bytes()
    with transaction.atomic():
        # Lock the site's versions so two trainings at once cannot take the same number
        # (The unique (scope, version) constraint catches a race the lock cannot: no rows yet.)
        scope = site.pk if site else 0
        existing = RouterModel.objects.select_for_update().filter(scope=scope)
        version = (existing.aggregate(v=Max("version"))["v"] or 0) + 1
        now = timezone.now()
        existing.filter(is_active=True).update(is_active=False)
        model = RouterModel.objects.create(
            site=site, scope=scope, version=version, trained_at=now, trained_by=by,
            training_size=max(len(categories), len(departments)), evaluation=evaluation, blob=blob, is_active=True,
        )
        RoutingEvent.objects.create(
            site=site, model=model, action=RoutingEvent.Action.TRAIN, actor=by, created_at=now,
            data={"version": version, "category_cases": len(categories), "department_cases": len(departments)},
        )
    return model
