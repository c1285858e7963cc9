"""Staff forms: one per action. They parse input; the actions decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minsheng.cases.deadlines import COMPLEX_REPLY_WORKING_DAYS
from minsheng.cases.models import ExtensionKind, Priority, Satisfaction
from minsheng.sites.models import Category, Department, Site


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
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]


class DispatchForm(VersionedForm):
    lead = forms.ModelChoiceField(queryset=Department.objects.none(), label=_("Lead department"))
    assisting = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(), required=False, label=_("Assisting departments"),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    note = forms.CharField(label=_("Instruction to the department"), required=False, max_length=500)

    def __init__(self, *args, departments, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = departments  # type: ignore[attr-defined]
        self.fields["assisting"].queryset = departments  # type: ignore[attr-defined]


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


# ---- issue 3: the back office on the case page ---------------------------------------------------
# Every form below is rendered with a prefix (the action's name): several of them sit on one page,
# and without a prefix their fields would share ids.

_YES_NO = [("1", _("Yes")), ("0", _("No"))]


def _yes_no(value: str) -> bool:
    return value == "1"


class TextForm(VersionedForm):
    """One required text: a reason, a note, an input."""

    text = forms.CharField(label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, label=None, help_text="", **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["text"].label = label
        self.fields["text"].help_text = help_text


class OptionalTextForm(TextForm):
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["text"].required = False


class ExtensionRequestForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Request"), choices=ExtensionKind.choices, widget=forms.RadioSelect,
                             initial=ExtensionKind.EXTENSION)
    working_days = forms.IntegerField(label=_("Extra working days"), min_value=1, max_value=30, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # Formatted per request, so that it is in the reader's language.
        self.fields["working_days"].help_text = gettext(
            "For an extension only. A complex case gets %(days)s working days from dispatch."
        ) % {"days": COMPLEX_REPLY_WORKING_DAYS}


class DecideRequestForm(VersionedForm):
    approve = forms.TypedChoiceField(
        label=_("Decision"), choices=[("1", _("Approve")), ("0", _("Refuse"))], coerce=_yes_no,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class SuperviseForm(VersionedForm):
    instruction = forms.CharField(label=_("Instruction to the department"), max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    working_days = forms.IntegerField(label=_("Due in working days"), min_value=1, max_value=30, initial=3)


class TransferForm(VersionedForm):
    to_site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("Site"))
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, sites, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["to_site"].queryset = sites  # type: ignore[attr-defined]


class ForwardForm(VersionedForm):
    lead = forms.ModelChoiceField(queryset=Department.objects.none(), label=_("Lead department"))
    assisting = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(), required=False, label=_("Assisting departments"),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    instruction = forms.CharField(label=_("The leader's instruction"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, departments, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = departments  # type: ignore[attr-defined]
        self.fields["assisting"].queryset = departments  # type: ignore[attr-defined]


class FollowupRecordForm(VersionedForm):
    """A return visit by phone. Satisfaction and "solved" are asked only if the citizen was reached;
    the action refuses a reached visit without them."""

    followup = forms.IntegerField(widget=forms.HiddenInput)
    reached = forms.TypedChoiceField(label=_("Citizen reached"), choices=_YES_NO, coerce=_yes_no,
                                     widget=forms.RadioSelect, initial="1")
    satisfaction = forms.ChoiceField(label=_("Satisfaction"), required=False,
                                     choices=[("", "—"), *Satisfaction.choices])
    solved = forms.TypedChoiceField(
        label=_("Problem solved"), required=False, choices=[("", "—"), *_YES_NO], coerce=_yes_no,
        empty_value=None,
    )
    answer = forms.CharField(label=_("Notes of the call"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
