"""Automatic dispatch: where a site enables it, a confident department suggestion dispatches the case.

`cases.actions.case_accept` calls :func:`queue_auto_dispatch`; after the acceptance commits, the
worker runs :func:`auto_dispatch` (the task `routing.tasks.auto_dispatch_case`), which reloads the
case and dispatches it through `cases.actions.case_auto_dispatch`, recorded as done by the system.
Every refusal is silent and safe: the case simply stays in intake's dispatch queue.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction

from minsheng.cases import actions
from minsheng.cases.models import Case, Status
from minsheng.routing.models import RoutingSettings

logger = logging.getLogger(__name__)


def queue_auto_dispatch(case: Case) -> None:
    """Schedule the automatic dispatch of an accepted case if its site enables it."""
    if not RoutingSettings.objects.filter(site_id=case.site_id, auto_dispatch=True).exists():
        return
    from minsheng.routing.tasks import auto_dispatch_case

    transaction.on_commit(partial(auto_dispatch_case, case.pk, case.version))


def auto_dispatch(case_id: int, version: int) -> str:
    """Dispatch the case if it is still as accepted and the model is confident enough.

    Returns what happened ("dispatched", or why not), for the worker's log and the tests.
    Idempotent: a second run finds the case dispatched (or changed) and does nothing.
    """
    from minsheng.routing import selectors

    case = Case.objects.select_related("site").filter(pk=case_id).first()
    if case is None or case.status != Status.ACCEPTED or case.version != version:
        return "changed"  # intake acted first, or another run did it
    settings = RoutingSettings.objects.filter(site_id=case.site_id).first()
    if settings is None or not settings.auto_dispatch:
        return "disabled"
    model, _categories, departments = selectors.raw_suggestions(case)
    if model is None or not departments:
        return "no model"
    department_id, confidence = departments[0]
    if confidence < settings.threshold:
        return "not confident"
    lead = actions.dispatch_targets(case).filter(pk=department_id).first()
    if lead is None:
        return "department unavailable"
    try:
        actions.case_auto_dispatch(case, lead=lead, confidence=confidence, model=str(model),
                                   expected_version=version)
    except actions.ActionError as exc:
        logger.info("automatic dispatch of case %s skipped: %s", case_id, exc.message)
        return "changed"
    return "dispatched"
