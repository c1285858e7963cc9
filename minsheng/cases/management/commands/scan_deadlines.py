from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from minsheng.cases.scan import scan


class Command(BaseCommand):
    help = "Run the deadline scan once (the worker runs it every minute) / 立即执行一次期限扫描"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(scan().counts, ensure_ascii=False))
