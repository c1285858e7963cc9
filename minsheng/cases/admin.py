"""Cases are read-only in the admin: every change must go through `cases.actions` to be audited.
Deadline rules and reply templates are configuration, edited here by administrators."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from minsheng.cases.models import Case, CaseEvent, DeadlineRule, ReplyTemplate
from minsheng.sites.models import ChannelKind


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


def _channel_kind_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("channel kind"), required=False,
                             choices=[("", _("any channel")), *ChannelKind.choices])


class ReplyTemplateForm(forms.ModelForm):
    channel_kind = _channel_kind_field()

    class Meta:
        model = ReplyTemplate
        fields = ("name", "site", "channel_kind", "category", "body", "is_active")
        help_texts = {
            "body": _("Placeholders: {title} the message's title, {department} the lead department, "
                      "{date} today's date, {code} the tracking code."),
        }


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    """Reply skeletons offered above the reply editor, for a site, a channel kind and a category (an
    empty field matches everything)."""

    form = ReplyTemplateForm
    list_display = ("name", "site", "channel_kind", "category", "is_active")
    list_filter = ("is_active", "channel_kind", "site")
    search_fields = ("name", "body")


class DeadlineRuleForm(forms.ModelForm):
    channel_kind = _channel_kind_field()

    class Meta:
        model = DeadlineRule
        fields = ("stage", "amount", "unit", "site", "channel_kind", "category", "priority", "note")


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    """Stage limits. The most specific matching rule wins (see cases/deadlines.py); a change applies to
    deadlines set from now on, not to those already running."""

    form = DeadlineRuleForm
    list_display = ("stage", "amount", "unit", "site", "channel_kind", "category", "priority", "note")
    list_editable = ("amount", "unit")
    list_filter = ("stage", "unit", "priority", "site")
    ordering = ("stage", "site", "channel_kind", "priority")
