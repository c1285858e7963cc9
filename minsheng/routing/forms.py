from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_WORDS = 5000


class SettingsForm(forms.Form):
    auto_dispatch = forms.BooleanField(label=_("Dispatch automatically"), required=False)
    threshold = forms.FloatField(
        label=_("Confidence threshold"), min_value=0.5, max_value=1.0, initial=0.9,
        help_text=_("Between 0.5 and 1. The table above shows how often the model is right at each level."),
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    words = forms.CharField(
        label=_("Place and compound names"), required=False, max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line: compounds, roads, villages, local organisations. The segmenter keeps them "
                    "whole in search, masking and routing."),
    )

    def clean_words(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["words"].splitlines() if line.strip()]
        if len(lines) > MAX_WORDS:
            raise forms.ValidationError(_("At most %(n)d names, one per line.") % {"n": MAX_WORDS})
        too_long = [line for line in lines if len(line) > 20]
        if too_long:
            raise forms.ValidationError(
                _("A name has at most 20 characters; check: %(line)s") % {"line": too_long[0][:40]})
        return "\n".join(dict.fromkeys(lines))


class UndoForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why (optional, internal)"), required=False, max_length=500)
