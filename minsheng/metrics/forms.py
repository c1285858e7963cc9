"""Staff forms of the metrics app: they parse input; the actions in actions.py decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minsheng.metrics.engine import figure_names
from minsheng.sites.models import Department

# Figures a department may contest, with the names the dashboards use.
FIGURE_LABELS = {
    "reply_rate": _("Reply rate"), "response_rate": _("Response rate"), "on_time_rate": _("On-time rate"),
    "resolution_rate": _("Resolution rate"), "satisfaction_rate": _("Satisfaction rate"),
    "handling_days": _("Handling time"), "returns": _("Returns"), "transfers": _("Transfers"),
    "overdue": _("Overdue cases"), "red_line": _("Red line (unanswered for 3 months)"),
}


class ExclusionRequestForm(forms.Form):
    reason = forms.CharField(label=_("Why is this demand unreasonable?"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve")), ("deny", _("Deny"))])
    note = forms.CharField(label=_("Note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class AppealForm(forms.Form):
    department = forms.TypedChoiceField(label=_("Department"), coerce=int)
    figure = forms.ChoiceField(label=_("Figure"), choices=list(FIGURE_LABELS.items()))
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    tracking_code = forms.CharField(label=_("Tracking code of the case concerned (optional)"), required=False,
                                    max_length=30)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(d.pk, d.name) for d in departments]  # type: ignore[attr-defined]
        assert set(FIGURE_LABELS) <= set(figure_names())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", gettext("The end date is before the start date."))
        return data
