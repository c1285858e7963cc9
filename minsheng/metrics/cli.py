"""Arguments shared by the `metrics` and `export_cases` commands, with clear errors for bad input."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from minsheng.metrics.engine import Scope
from minsheng.sites.models import Department, Site


def add_scope_arguments(parser: CommandParser) -> None:
    parser.add_argument("--site", help="site code (default: the top site, when there is only one)")
    parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: the 1st of this month)")
    parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD, inclusive (default: today)")
    parser.add_argument("--department", help="department id, or its exact name")
    parser.add_argument("--as-of", dest="as_of",
                        help="the moment the figures describe, YYYY-MM-DDTHH:MM[:SS] local time (default: now)")


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name} must be a date such as 2026-03-31, not {value!r}.") from None


def scope_from_options(options: dict[str, Any]) -> Scope:
    today = timezone.localdate()
    start = _date(options["start"], "--from") if options.get("start") else today.replace(day=1)
    end = _date(options["end"], "--to") if options.get("end") else today
    if start > end:
        raise CommandError(f"--from ({start}) is after --to ({end}).")
    code = options.get("site")
    if code:
        site = Site.objects.filter(code=code).first()
        if site is None:
            known = ", ".join(Site.objects.order_by("code").values_list("code", flat=True)[:20])
            raise CommandError(f"Unknown site {code!r}. Known sites: {known or 'none'}.")
    else:
        roots = list(Site.objects.filter(parent__isnull=True)[:2])
        if len(roots) != 1:
            raise CommandError("Say which site with --site CODE (there is not exactly one top site).")
        site = roots[0]
    department = None
    if options.get("department"):
        value = options["department"].strip()
        candidates = Department.objects.filter(site_id__in=site.descendant_ids())
        department = (candidates.filter(pk=int(value)).first() if value.isdigit()
                      else candidates.filter(name=value).first())
        if department is None:
            raise CommandError(f"No department {value!r} in site {site.code}.")
    as_of = None
    if options.get("as_of"):
        try:
            as_of = datetime.fromisoformat(options["as_of"])
        except ValueError:
            raise CommandError(f"--as-of must be a moment such as 2026-04-02T12:00, not {options['as_of']!r}.") from None
        if timezone.is_naive(as_of):
            as_of = timezone.make_aware(as_of)
    return Scope(site=site, start=start, end=end, department=department, as_of=as_of)
