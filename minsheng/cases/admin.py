"""Cases are read-only in the admin: every change must go through `cases.actions` to be audited."""

from django.contrib import admin

from minsheng.cases.models import Case, CaseEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("tracking_code", "title", "site", "channel", "status", "submitted_at")
    list_filter = ("status", "site", "channel")
    search_fields = ("tracking_code", "title")
    exclude = ("citizen_name", "citizen_phone", "citizen_email", "query_password_digest", "citizen_digest")


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "action", "from_status", "to_status", "actor", "actor_kind", "created_at")
    list_filter = ("action", "actor_kind")
