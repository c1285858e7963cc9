"""Periodic work of the case domain, run by the Huey worker."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from minsheng.cases.scan import scan

logger = logging.getLogger(__name__)

SCAN_LOCK = "minsheng.lock.deadline-scan"
# A scan of a million cases takes well under a minute; a lock this old belongs to a worker that died
# on another machine. Taking it over is safe: the scan tolerates a second scan running beside it.
SCAN_LOCK_STALE_AFTER = 10 * 60
# Tells this process apart from an earlier one that had the same pid (containers reuse pids).
_PROCESS = uuid.uuid4().hex


def _holder_alive(holder: Any) -> bool:
    """Whether the worker that wrote `holder` may still be scanning."""
    if not isinstance(holder, dict) or time.time() - holder.get("since", 0) > SCAN_LOCK_STALE_AFTER:
        return False
    if holder.get("host") != socket.gethostname():
        return True  # another machine: only the age tells
    if holder.get("process") == _PROCESS:
        return True  # another thread of this worker
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid == os.getpid():
        return False  # an earlier process with this pid, now gone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _scan_lock() -> Iterator[bool]:
    """Yields whether this worker may scan now.

    Huey's own `lock_task` is not used: with the default SQLite storage its lock never expires, so a
    worker killed mid-scan (kill -9, out of memory, power cut) left the lock behind and every later
    scan was skipped until someone flushed the locks by hand. This lock records who holds it and is
    taken over when that process is gone or the lock is stale."""
    me = {"host": socket.gethostname(), "pid": os.getpid(), "process": _PROCESS, "since": time.time()}
    acquired = HUEY.put_if_empty(SCAN_LOCK, me)
    if not acquired:
        holder = HUEY.get(SCAN_LOCK, peek=True)
        if holder is None or not _holder_alive(holder):
            if holder is not None:
                logger.warning("deadline scan: taking over the lock of a worker that is gone: %s", holder)
                HUEY.delete(SCAN_LOCK)
            acquired = HUEY.put_if_empty(SCAN_LOCK, me)
    try:
        yield acquired
    finally:
        if acquired and HUEY.get(SCAN_LOCK, peek=True) == me:
            HUEY.delete(SCAN_LOCK)


@db_periodic_task(crontab(minute="*"))
def scan_deadlines() -> None:
    # The lock keeps two workers from scanning at once; a scan that overruns a minute makes the
    # next one skip instead of piling up.
    with _scan_lock() as acquired:
        if not acquired:
            logger.info("deadline scan skipped: another worker is scanning")
            return
        result = scan()
    if any(result.counts.values()):
        logger.info("deadline scan: %s", result.counts)
