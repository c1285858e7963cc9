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
