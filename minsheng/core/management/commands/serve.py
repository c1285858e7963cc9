"""Run the web server and the background worker together (the README's one command ends here).

Both run as child processes; when either exits or Ctrl-C is pressed, both are stopped, so the demo
never leaves an orphan worker behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start web server (gunicorn) and worker (huey) / 同时启动网站和后台任务"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args: Any, bind: str, web_workers: int, **options: Any) -> None:
        python = sys.executable
        children = [
            subprocess.Popen([python, "manage.py", "run_huey", "--quiet"]),  # noqa: S603
            subprocess.Popen([  # noqa: S603
                python, "-m", "gunicorn", "minsheng.wsgi", "--bind", bind, "--workers", str(web_workers),
                "--access-logfile", "-", "--timeout", "60", "--preload",
            ], env={**os.environ, "MINSHENG_WARM_TEXT": "1"}),
        ]
        self.stdout.write(f"民声 Minsheng running at http://{bind}/ (staff: http://{bind}/staff/) — Ctrl-C to stop")

        def stop(*_: object) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

        def on_term(*_: object) -> None:
            stop()
            sys.exit(0)

        signal.signal(signal.SIGTERM, on_term)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
