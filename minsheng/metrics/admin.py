"""Weights per site are configuration, edited here. Exclusions, appeals and their audit trail are
read-only: they change only through metrics.actions, which records who did what."""

from django.contrib import admin

from minsheng.cases.admin import ReadOnlyAdmin
from minsheng.metrics.models import Appeal, AuditEntry, Exclusion, MetricSettings


@admin.register(MetricSettings)
class MetricSettingsAdmin(admin.ModelAdmin):
    list_display = ("site", "satisfied_weight", "basic_weight", "reply_weight", "response_weight", "on_time_weight",
                    "resolution_weight", "satisfaction_weight")


@admin.register(Exclusion)
class ExclusionAdmin(ReadOnlyAdmin):
    list_display = ("case", "department", "state", "requested_by", "created_at", "decided_by", "decided_at")
    list_filter = ("state",)


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("department", "figure", "start", "end", "state", "filed_by", "created_at", "decided_by")
    list_filter = ("state", "figure")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor", "exclusion", "appeal")
    list_filter = ("action",)
