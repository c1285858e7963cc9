from django.contrib import admin

from minsheng.knowledge.models import KnowledgeSettings


@admin.register(KnowledgeSettings)
class KnowledgeSettingsAdmin(admin.ModelAdmin):
    """Per-site duplicate window and sensitive-word adjustments, set by administrators."""

    list_display = ("site", "duplicate_window_days")
