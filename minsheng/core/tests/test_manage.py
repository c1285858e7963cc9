"""`manage.py` itself: a configuration mistake is the operator's to fix, told without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_a_missing_secret_key_is_named_with_what_to_do_and_no_traceback() -> None:
    env = {**os.environ, "MINSHENG_SECRET_KEY": "", "MINSHENG_DEBUG": "0",
           "DJANGO_SETTINGS_MODULE": "minsheng.settings"}
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert "MINSHENG_SECRET_KEY" in done.stderr and "make env" in done.stderr and "配置错误" in done.stderr
    assert "Traceback" not in done.stderr


def _run(code: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MINSHENG_SECRET_KEY": "x" * 50, "MINSHENG_DEBUG": "0", "DATABASE_URL": "",
           "DJANGO_SETTINGS_MODULE": "minsheng.settings", **overrides}
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_on_sqlite_a_writer_waits_twenty_seconds_for_the_lock_unless_the_operator_sets_another_wait() -> None:
    read = "from django.db import connection; print(connection.settings_dict['OPTIONS']['timeout'])"
    assert _run(read).stdout.split()[-1] == "20"
    assert _run(read, MINSHENG_SQLITE_TIMEOUT="60").stdout.split()[-1] == "60"
    wrong = _run(read, MINSHENG_SQLITE_TIMEOUT="soon")
    assert wrong.returncode == 2
    assert "MINSHENG_SQLITE_TIMEOUT" in wrong.stderr and "Traceback" not in wrong.stderr


def test_the_wsgi_application_imports_every_view_before_the_first_request() -> None:
    # With gunicorn --preload (manage.py serve) that happens once, before the workers fork.
    env = {**os.environ, "MINSHENG_SECRET_KEY": "x" * 50, "MINSHENG_DEBUG": "0", "DATABASE_URL": "",
           "DJANGO_SETTINGS_MODULE": "minsheng.settings"}
    code = "import sys, minsheng.wsgi; print('minsheng.routing.views' in sys.modules, 'sklearn' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split()[-2:] == ["True", "True"], done.stderr
