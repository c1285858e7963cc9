from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from minsheng.accounts.models import Role, User


class RoleInline(admin.TabularInline):
    model = Role
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleInline]
    list_display = ("username", "display_name", "is_active", "is_superuser")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Minsheng", {"fields": ("display_name",)}))  # type: ignore[misc]
