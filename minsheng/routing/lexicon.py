"""The installation's own words for the segmenter (minsheng.lib.chinese's user dictionary).

Site names, department names and short names (leaders' offices are departments), category names
and each site's administrator-kept list of compounds, roads and villages
(`RoutingSettings.words`). Registered as the word source in `RoutingConfig.ready`; the Chinese
layer polls it every `MINSHENG_LEXICON_TTL` seconds (300 by default), so a renamed department
reaches every process within minutes.
"""

from __future__ import annotations

import contextlib

from django.db import connection, transaction

from minsheng.lib.env import env_int

TTL_SECONDS = env_int("MINSHENG_LEXICON_TTL", 300, minimum=10)


def site_words() -> list[tuple[str, str]]:
    """(word, POS tag) pairs: ``ns`` for places, ``nt`` for organisations, '' for subjects."""
    from minsheng.routing.models import RoutingSettings
    from minsheng.sites.models import Category, Department, Site

    # Inside a caller's transaction, a failed query (a table not migrated yet) must not break it:
    # a savepoint keeps the failure to this function.
    guard: contextlib.AbstractContextManager[object] = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with guard:
        words: list[tuple[str, str]] = [(name, "ns") for name in Site.objects.values_list("name", flat=True)]
        for name, short in Department.objects.filter(is_active=True).values_list("name", "short_name"):
            words += [(name, "nt"), (short, "nt")]
        words += [(name, "") for name in Category.objects.filter(is_active=True).values_list("name", flat=True)]
        for text in RoutingSettings.objects.exclude(words="").values_list("words", flat=True):
            words += [(line.strip(), "ns") for line in text.splitlines() if line.strip()]
    return words
