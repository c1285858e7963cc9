"""Forms of the knowledge pages: parse and validate input only; actions.py decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.knowledge.actions import EntryData
from minsheng.sites.models import Category, Site


class EntryForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("Site"))
    category = forms.ModelChoiceField(queryset=Category.objects.filter(is_active=True), required=False,
                                      label=_("Category"))
    question = forms.CharField(label=_("Question"), max_length=200)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000)
    policy_title = forms.CharField(label=_("Policy document"), max_length=200, required=False,
                                   help_text=_("Title of the document the answer rests on, e.g. 《…管理办法》."))
    policy_url = forms.URLField(label=_("Policy link"), max_length=500, required=False, assume_scheme="https")
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text=_("After this day the entry disappears from the public pages."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("“Valid to” must not be before “valid from”."))
        return data

    def entry_data(self) -> EntryData:
        d = self.cleaned_data
        return EntryData(question=d["question"], answer=d["answer"], category=d["category"],
                         policy_title=d["policy_title"], policy_url=d["policy_url"],
                         valid_from=d["valid_from"], valid_to=d["valid_to"])


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class FaqSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    category = forms.IntegerField(required=False, min_value=1)
    page = forms.IntegerField(required=False, min_value=1, max_value=100000)
