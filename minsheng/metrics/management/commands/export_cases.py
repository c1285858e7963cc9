"""`manage.py export_cases`: one row per case of a site and period, CSV or XLSX, streamed."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.metrics import exporting
from minsheng.metrics.cli import add_scope_arguments, scope_from_options
from minsheng.metrics.engine import cases_in_scope


class Command(BaseCommand):
    help = "Export the cases behind the figures, one row per case (docs/metrics.md lists the columns)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_scope_arguments(parser)
        parser.add_argument("--format", default="csv", help="csv or xlsx")
        parser.add_argument("--output", required=True, help="the file to write ('-' for standard output, csv only)")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = options["format"]
        if fmt not in ("csv", "xlsx"):
            raise CommandError(f"Unknown format {fmt!r}: choose csv or xlsx.")
        output = options["output"]
        if output == "-" and fmt == "xlsx":
            raise CommandError("An XLSX export needs a file: give --output FILE.xlsx.")
        scope = scope_from_options(options)
        if output != "-":
            folder = os.path.dirname(os.path.abspath(output))
            if not os.path.isdir(folder):
                raise CommandError(f"Cannot write {output}: the folder {folder} does not exist.")
            if os.path.isdir(output):
                raise CommandError(f"Cannot write {output}: it is a folder.")
        cells = exporting.rows(cases_in_scope(scope), as_of=scope.moment())
        try:
            if output == "-":
                for line in exporting.csv_lines(cells):
                    self.stdout.write(line, ending="")
                count = 0
            elif fmt == "csv":
                with open(output, "w", encoding="utf-8", newline="") as out:
                    count = exporting.write_csv(cells, out)
            else:
                with open(output, "wb") as binary:
                    count = exporting.write_xlsx(cells, binary)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from None
        if output != "-":
            self.stderr.write(f"{count} cases written to {output}")
