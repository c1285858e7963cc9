"""Scheduled drafting of the periodic reports (通报), run by the Huey worker.

On the 1st of each month at 06:00 (Asia/Shanghai) the previous month's report of every active site
with messages in that month is drafted; on the 1st of January, April, July and October the previous
quarter's too. Drafts wait for a supervisor to read and issue them: a report goes public only by a
person's decision. Running twice is harmless (the draft is rebuilt, an issued report is left alone).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from minsheng.cases.actions import ActionError

logger = logging.getLogger(__name__)


def draft_due_reports(today: dt.date | None = None) -> list[str]:
    """Drafts the reports due on `today`; returns "site:period" for each drafted one."""
    from minsheng.metrics import reporting
    from minsheng.metrics.engine import cases_in_scope
    from minsheng.reports.views import generate
    from minsheng.sites.models import Site

    today = today or timezone.localdate()
    periods = [reporting.last_complete(reporting.MONTHLY, today)]
    if today.month in (1, 4, 7, 10):
        periods.append(reporting.last_complete(reporting.QUARTERLY, today))
    done = []
    for site in Site.objects.filter(is_active=True):
        for period in periods:
            if not cases_in_scope(period.scope(site)).exists():
                continue
            try:
                generate(site, period, by=None)
            except ActionError as error:
                logger.info("report %s %s not drafted: %s", site.code, period.code, error.message)
                continue
            done.append(f"{site.code}:{period.code}")
    return done


@db_periodic_task(crontab(day="1", hour="6", minute="0"))
def draft_reports() -> None:
    drafted = draft_due_reports()
    logger.info("drafted %d periodic reports: %s", len(drafted), ", ".join(drafted))


@db_task()
def refresh_public_figures(site_id: int, period_code: str, language: str) -> None:
    """Recomputes one public statistics page (site, period, language) into the cache."""
    from django.utils import translation

    from minsheng.metrics import reporting
    from minsheng.metrics.public_views import refresh_figures
    from minsheng.sites.models import Site

    site = Site.objects.filter(pk=site_id, is_active=True).first()
    if site is None:
        return
    with translation.override(language):
        refresh_figures(site, reporting.parse_period(period_code))


def warm_public_statistics(today: dt.date | None = None) -> int:
    """The current and the last month of every active site, in the default language."""
    from django.conf import settings
    from django.utils import translation

    from minsheng.metrics import reporting
    from minsheng.metrics.public_views import refresh_figures
    from minsheng.sites.models import Site

    today = today or timezone.localdate()
    periods = [reporting.last_complete(reporting.MONTHLY, today),
               reporting.period_containing(reporting.MONTHLY, today)]
    done = 0
    with translation.override(settings.LANGUAGE_CODE):
        for site in Site.objects.filter(is_active=True):
            for period in periods:
                refresh_figures(site, period)
                done += 1
    return done


@db_periodic_task(crontab(minute="*/30"))
def warm_public_statistics_task() -> None:
    # The month snapshots first: the public pages' trends (and the staff dashboards') read them.
    logger.info("month snapshots: %d computed", warm_month_snapshots())
    logger.info("public statistics warmed: %d pages", warm_public_statistics())


def warm_month_snapshots(today: dt.date | None = None) -> int:
    """The stored figures of the last twelve finished months of every active site, where missing or
    no longer right (a late event, a deadline passed since): see minsheng.metrics.snapshots."""
    from minsheng.metrics import snapshots

    return snapshots.warm(12, today)


@db_task()
def generate_report(site_id: int, period_code: str, user_id: int | None) -> None:
    """A draft asked for by a supervisor: a city's report takes tens of seconds to compute on a
    large installation, longer than a request should wait, so the worker builds it."""
    from minsheng.accounts.models import User
    from minsheng.metrics import reporting
    from minsheng.reports.views import generate
    from minsheng.sites.models import Site

    site = Site.objects.filter(pk=site_id).first()
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if site is None:
        return
    try:
        generate(site, reporting.parse_period(period_code), by=user)
    except ActionError as error:
        logger.info("report %s %s not drafted: %s", site.code, period_code, error.message)
