"""`manage.py metrics`: every figure of docs/metrics.md for a site and a period, as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.metrics.cli import add_scope_arguments, scope_from_options
from minsheng.metrics.engine import by_department, compute


class Command(BaseCommand):
    help = "Print the accountability figures (rates with numerator and denominator) of a site and period."

    def add_arguments(self, parser: CommandParser) -> None:
        add_scope_arguments(parser)
        parser.add_argument("--format", default="json", help="json (the only format)")
        parser.add_argument("--by-department", action="store_true", help="add the ranking of departments")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["format"] != "json":
            raise CommandError(f"Unknown format {options['format']!r}: the only format is json.")
        scope = scope_from_options(options)
        out = compute(scope).as_dict()
        if options["by_department"]:
            out["departments"] = [
                {"department": department.pk, "name": department.name, **metrics.as_dict()}
                for department, metrics in by_department(scope)
            ]
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
