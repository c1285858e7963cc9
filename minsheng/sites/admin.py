from django.contrib import admin

from minsheng.sites.models import CalendarDay, Category, Channel, Department, Leader, Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "parent", "is_active")
    search_fields = ("name", "code")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "is_active")
    list_filter = ("site",)
    search_fields = ("name",)


@admin.register(Leader)
class LeaderAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "site", "office", "is_active")
    list_filter = ("site",)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "site", "reply_working_days", "is_active")
    list_filter = ("site", "kind")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "parent", "site", "is_active")
    list_filter = ("level", "site")
    search_fields = ("name",)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("day", "is_workday", "note")
