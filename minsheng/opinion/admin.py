from django.contrib import admin

from minsheng.opinion.models import OpinionSettings


@admin.register(OpinionSettings)
class OpinionSettingsAdmin(admin.ModelAdmin):
    """Per-site topic, heat and surge parameters (see docs/opinion.md)."""

    list_display = ("site", "window_days", "threshold", "per_case", "per_author", "per_like", "half_life_days",
                    "surge_ratio", "surge_min_cases")
