"""Staff forms: one per action. They parse input; the actions decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.cases.models import Priority
from minsheng.sites.models import Category, Department


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AcceptForm(VersionedForm):
    publish_agreed = forms.BooleanField(label=_("May be published if the citizen agreed"), required=False, initial=True)
    note = forms.CharField(label=_("Internal note"), required=False, max_length=500)


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason (shown to the citizen)"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class MergeForm(VersionedForm):
    into = forms.CharField(label=_("Tracking code of the case to merge into"), max_length=30)
    note = forms.CharField(label=_("Internal note"), required=False, max_length=500)


class ClassifyForm(VersionedForm):
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False, label=_("Category"))
    priority = forms.ChoiceField(choices=Priority.choices, label=_("Priority"))

    def __init__(self, *args, categories, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


class DispatchForm(VersionedForm):
    lead = forms.ModelChoiceField(queryset=Department.objects.none(), label=_("Lead department"))
    assisting = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(), required=False, label=_("Assisting departments"),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    note = forms.CharField(label=_("Instruction to the department"), required=False, max_length=500)

    def __init__(self, *args, departments, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = departments
        self.fields["assisting"].queryset = departments


class ReplyForm(VersionedForm):
    body = forms.CharField(label=_("Reply"), max_length=5000, widget=forms.Textarea(attrs={"rows": 10}))
    submit_for_review = forms.BooleanField(required=False)


class ReviewForm(VersionedForm):
    comment = forms.CharField(label=_("Review comment"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    public_reply = forms.CharField(label=_("Reply as published (masked)"), required=False, max_length=5000,
                                   widget=forms.Textarea(attrs={"rows": 6}))


class PublicationForm(VersionedForm):
    publish_agreed = forms.BooleanField(label=_("Publish on the portal"), required=False)
    public_title = forms.CharField(label=_("Public title"), max_length=100)
    public_body = forms.CharField(label=_("Public message"), widget=forms.Textarea(attrs={"rows": 8}), max_length=6000)
    public_reply = forms.CharField(label=_("Public reply"), required=False, widget=forms.Textarea(attrs={"rows": 6}), max_length=6000)


class DecideForm(VersionedForm):
    decision = forms.ChoiceField(choices=[("redo", _("Redo the case")), ("close", _("Close the case"))], label=_("Decision"))
    justification = forms.CharField(label=_("Justification"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class QueueFilterForm(forms.Form):
    status = forms.CharField(required=False)
    q = forms.CharField(required=False, max_length=50)
