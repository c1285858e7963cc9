"""Fill the similar-case index for existing cases (after an upgrade or an import)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, OuterRef

from minsheng.cases.models import Case
from minsheng.knowledge import similar_index
from minsheng.knowledge.models import SimilarDoc
from minsheng.sites.models import Site


class Command(BaseCommand):
    help = "Index cases for similar-case lookups and duplicate flags (idempotent; resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", help="code of one site (default: every site)")
        parser.add_argument("--all", action="store_true", help="reindex cases already indexed too")
        parser.add_argument("--batch", type=int, default=500, help="cases per progress line (default 500)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        cases = Case.objects.all()
        if opts["site"]:
            site = Site.objects.filter(code=opts["site"]).first()
            if site is None:
                raise CommandError(f"no site with code {opts['site']!r}")
            cases = cases.filter(site=site)
        if not opts["all"]:
            cases = cases.filter(~Exists(SimilarDoc.objects.filter(pk=OuterRef("pk"))))
        ids = list(cases.order_by("pk").values_list("pk", flat=True))
        done = 0
        for start in range(0, len(ids), opts["batch"]):
            done += similar_index.backfill(ids[start : start + opts["batch"]])
            self.stdout.write(f"indexed {done} of {len(ids)}")
        self.stdout.write(self.style.SUCCESS(f"done: {done} cases indexed"))
