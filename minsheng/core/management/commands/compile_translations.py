"""Compile .po catalogues to .mo with polib, so setup needs no GNU gettext (no root on a fresh host)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile translation catalogues / 编译界面翻译"

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        # The project catalogue plus each app's own (Django looks in <app>/locale too), so domain
        # apps keep their strings next to their code.
        folders = [Path(f) for f in settings.LOCALE_PATHS]
        folders += [Path(config.path) / "locale" for config in apps.get_app_configs()
                    if config.name.startswith("minsheng.")]
        for folder in folders:
            for po_path in Path(folder).glob("*/LC_MESSAGES/*.po"):
                catalogue = polib.pofile(str(po_path))
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
        self.stdout.write(f"compiled {count} catalogue(s)")
