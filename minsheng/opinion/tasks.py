"""Periodic work of public-opinion monitoring, run by the Huey worker.

* every minute: new cases join topics (`engine.assign_all`), surges are checked;
* nightly 03:10: topics re-fitted over each site's window (`engine.refit_all`);
* 06:20 daily: weekly drafts on Mondays, monthly drafts on the 1st (`report.draft_due`).

All three are idempotent: the high-water mark and the unique memberships, the unique
(topic, day) alert and the unique (site, kind, period) report make a repeated run a no-op.
No Huey lock: with SQLite storage a lock held by a killed worker never expires (see
cases/tasks.py); two runs at once are serialised by the row lock on the site's model snapshot.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def assign_topics() -> None:
    from minsheng.opinion.engine import assign_all

    totals = assign_all()
    if totals.get("assigned"):
        logger.info("topics: %s", totals)


@db_periodic_task(crontab(hour="3", minute="10"))
def refit_topics() -> None:
    from minsheng.opinion.engine import refit_all

    logger.info("topics re-fitted for %d sites", refit_all())


@db_periodic_task(crontab(hour="6", minute="20"))
def draft_opinion_reports() -> None:
    from minsheng.opinion.report import draft_due

    made = draft_due()
    if made:
        logger.info("opinion reports drafted: %s", [r.pk for r in made])
