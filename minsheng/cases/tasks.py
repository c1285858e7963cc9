"""Periodic work of the case domain, run by the Huey worker."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from minsheng.cases.scan import scan

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@lock_task("deadline-scan")
def scan_deadlines() -> None:
    # The lock keeps two workers from scanning at once; a scan that overruns a minute makes the
    # next one skip instead of piling up.
    result = scan()
    if any(result.counts.values()):
        logger.info("deadline scan: %s", result.counts)
