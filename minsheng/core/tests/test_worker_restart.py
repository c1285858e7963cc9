"""A worker killed mid-run loses nothing and resumes on restart.

Everything runs in real processes on a throw-away SQLite installation (the default deployment): a
setup process migrates and writes a few thousand overdue cases, a worker (`manage.py run_huey`) is
killed with SIGKILL in the middle of the deadline scan, and a second worker started the way the
README starts it finishes the job. The test process only reads the database files.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CASES = 3000
PENDING_NOTIFICATIONS = 40
CHUNK = 100  # many commits, so the kill surely lands between two of them

SETTINGS = """
from minsheng.settings import *  # noqa: F403

DEADLINE_SCAN_CHUNK = {chunk}
"""

SETUP = """
import sys
from datetime import timedelta

import django

django.setup()

from django.core.management import call_command
from django.utils import timezone

call_command("migrate", interactive=False, verbosity=0)

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.cases.models import Case, Status
from minsheng.cases.tasks import scan_deadlines
from minsheng.notifications.models import Medium, Notification
from minsheng.sites.models import Channel, Department, Site

cases, pending = int(sys.argv[1]), int(sys.argv[2])
now = timezone.now()
site = Site.objects.create(code="restart", name="重启测试市")
department = Department.objects.create(site=site, name="市住房和城乡建设局")
channel = Channel.objects.create(site=site, kind="complaint", name="投诉")
Role.objects.create(user=User.objects.create_user("handler"), kind=RoleKind.HANDLER, site=site,
                    department=department)
Role.objects.create(user=User.objects.create_user("supervisor"), kind=RoleKind.SUPERVISOR, site=site)
receipt_due = now - timedelta(hours=3)
Case.objects.bulk_create(
    [Case(site=site, channel=channel, lead_department=department, status=Status.DISPATCHED,
          tracking_code=f"R{{i:013d}}", query_password_digest="-", title=f"案件{{i}}", body="内容",
          citizen_name="张三", citizen_phone="13800000000", citizen_digest="-",
          submitted_at=now - timedelta(days=2), dispatched_at=now - timedelta(days=1),
          receive_due_at=receipt_due, due_at=now + timedelta(days=6), next_due_at=receipt_due)
     for i in range(cases)],
    batch_size=500,
)
# Messages whose delivery task died with a worker: nothing in the queue will send them.
Notification.objects.bulk_create(
    [Notification(case=case, kind="dispatched", medium=Medium.SMS, recipient="13800000000",
                  body=f"【重启测试市】您的留言{{case.tracking_code}}已转交办理。",
                  dedupe_key=f"{{case.pk}}:dispatched:restart:sms")
     for case in Case.objects.order_by("pk")[:pending]]
)
Notification.objects.update(created_at=now - timedelta(minutes=10))
scan_deadlines()  # not immediate here: this only puts the task in the worker's queue
"""


def _count(db: Path, sql: str) -> int:
    connection = sqlite3.connect(db, timeout=10)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def _wait_for(condition, timeout: float, what: str, worker: subprocess.Popen | None = None) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}) before {what}")
        time.sleep(0.01)
    pytest.fail(f"timed out waiting for {what}")


def test_a_worker_killed_mid_scan_loses_nothing_and_the_restarted_worker_finishes(tmp_path):
    (tmp_path / "restart_settings.py").write_text(SETTINGS.format(chunk=CHUNK), encoding="utf-8")
    (tmp_path / "setup_world.py").write_text(textwrap.dedent(SETUP.format()), encoding="utf-8")
    db, queue = tmp_path / "minsheng.sqlite3", tmp_path / "huey.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "restart_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO), os.environ.get("PYTHONPATH", "")]),
        "MINSHENG_DATA_DIR": str(tmp_path),
        # Set rather than unset, so a developer's .env can never point this test at a real database
        # or queue.
        "DATABASE_URL": f"sqlite:///{db}",
        "REDIS_URL": "",
        "MINSHENG_SECRET_KEY": "worker-restart-test-key",
        "MINSHENG_FIELD_KEYS": "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0xMjM=",
        "MINSHENG_DEBUG": "0",
        "MINSHENG_WORKERS": "1",
        "MINSHENG_SMS_BACKEND": "file",
        "MINSHENG_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "MINSHENG_LOG_LEVEL": "WARNING",
    }
    python = sys.executable

    def start(*args: str, log: str) -> subprocess.Popen:
        with (tmp_path / log).open("wb") as out:
            return subprocess.Popen([python, *args], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)

    def logs() -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in tmp_path.glob("*.log"))

    setup = subprocess.run([python, "setup_world.py", str(CASES), str(PENDING_NOTIFICATIONS)], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=180)
    assert setup.returncode == 0, setup.stderr[-3000:]
    assert _count(queue, "SELECT count(*) FROM task") == 1  # the scan, waiting for a worker

    def alerts() -> int:
        return _count(db, "SELECT count(*) FROM cases_deadlinealert")

    # First worker: only the queued scan (no periodic tasks), killed in the middle of it.
    worker = start("manage.py", "run_huey", "--no-periodic", log="worker-1.log")
    try:
        _wait_for(lambda: alerts() > 0, 120, "the first alerts", worker)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    written = alerts()
    assert 0 < written < CASES, f"the kill came too late to test anything ({written} of {CASES})\n{logs()}"
    # Chunks are all or nothing: every committed alert has its notices and its audit event.
    assert _count(db, "SELECT count(*) FROM notifications_staffnotice") == 2 * written
    assert _count(db, "SELECT count(*) FROM cases_caseevent WHERE action = 'alert'") == written
    # The dead worker still holds the scan lock, and nothing will send the pending messages.
    assert _count(queue, "SELECT count(*) FROM kv WHERE key LIKE '%deadline-scan%'") == 1
    assert _count(db, "SELECT count(*) FROM notifications_notification WHERE state = 'pending'") == (
        PENDING_NOTIFICATIONS)

    # Restart the way `manage.py serve` does: the scheduler queues the minute's periodic tasks at once.
    worker = start("manage.py", "run_huey", log="worker-2.log")
    try:
        _wait_for(lambda: alerts() == CASES and _count(
            db, "SELECT count(*) FROM notifications_notification WHERE state = 'sent'") == PENDING_NOTIFICATIONS,
            120, "the restarted worker to finish", worker)
        _wait_for(lambda: _count(queue, "SELECT count(*) FROM task") == 0, 60, "an empty queue", worker)
        worker.send_signal(signal.SIGINT)  # graceful: lets a running task finish
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    one_each = "SELECT count(*), count(DISTINCT case_id) FROM cases_deadlinealert WHERE kind = 'overdue' AND stage = 'receive'"
    connection = sqlite3.connect(db)
    try:
        assert connection.execute(one_each).fetchone() == (CASES, CASES)
        assert connection.execute("SELECT count(*) FROM cases_deadlinealert").fetchone()[0] == CASES
        # The handler of the department and the site's supervisor, once per case.
        assert connection.execute(
            "SELECT count(*), count(DISTINCT user_id || '-' || case_id) FROM notifications_staffnotice"
        ).fetchone() == (2 * CASES, 2 * CASES)
        assert connection.execute("SELECT count(*) FROM cases_caseevent WHERE action = 'alert'").fetchone()[0] == CASES
        assert connection.execute(
            "SELECT state, count(*), max(attempts) FROM notifications_notification GROUP BY state"
        ).fetchall() == [("sent", PENDING_NOTIFICATIONS, 1)]
    finally:
        connection.close()
    assert _count(queue, "SELECT count(*) FROM kv WHERE key LIKE '%deadline-scan%'") == 0, logs()
    sent = [line for f in (tmp_path / "outbox" / "sms").glob("*.log") for line in f.read_text("utf-8").splitlines()]
    assert len(sent) == PENDING_NOTIFICATIONS


# -- the scan lock on its own ----------------------------------------------------------------------


@pytest.fixture
def scan_lock():  # type: ignore[no-untyped-def]
    from huey.contrib.djhuey import HUEY

    from minsheng.cases import tasks

    HUEY.delete(tasks.SCAN_LOCK)
    yield tasks
    HUEY.delete(tasks.SCAN_LOCK)


def _hold(tasks, **holder: object) -> None:  # type: ignore[no-untyped-def]
    from huey.contrib.djhuey import HUEY

    HUEY.put(tasks.SCAN_LOCK, {"host": tasks.socket.gethostname(), "pid": os.getppid(), "process": "other",
                               "since": time.time(), **holder})


def test_a_scan_lock_held_by_a_live_worker_is_respected(scan_lock):
    _hold(scan_lock)  # our parent process: alive
    with scan_lock._scan_lock() as acquired:
        assert acquired is False


def test_a_scan_lock_left_by_a_dead_worker_is_taken_over_and_released(scan_lock):
    from huey.contrib.djhuey import HUEY

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _hold(scan_lock, pid=dead.pid)
    with scan_lock._scan_lock() as acquired:
        assert acquired is True
        with scan_lock._scan_lock() as again:  # a second scan in this worker waits its turn
            assert again is False
    assert HUEY.get(scan_lock.SCAN_LOCK, peek=True) is None


def test_a_scan_lock_of_another_machine_is_taken_over_only_when_stale(scan_lock):
    _hold(scan_lock, host="another-machine", pid=1)
    with scan_lock._scan_lock() as acquired:
        assert acquired is False
    _hold(scan_lock, host="another-machine", pid=1, since=time.time() - scan_lock.SCAN_LOCK_STALE_AFTER - 1)
    with scan_lock._scan_lock() as acquired:
        assert acquired is True
