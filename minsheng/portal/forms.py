"""Public forms: server-side validation with messages a citizen understands."""

from __future__ import annotations

import re

import filetype
from captcha.fields import CaptchaField
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from minsheng.cases.models import Satisfaction
from minsheng.sites.models import Category, Channel, ChannelKind, Leader, Site

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ALLOWED_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def sniff_attachment(upload: UploadedFile) -> str:
    """The real type of an upload, judged by its content, never by its name or declared type."""
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime not in ALLOWED_TYPES:
        raise forms.ValidationError(
            _("“%(name)s” is not an image (JPEG, PNG, GIF, WebP) or a PDF file."), params={"name": upload.name}
        )
    if mime.startswith("image/"):
        try:
            with Image.open(upload) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise forms.ValidationError(
                _("“%(name)s” is damaged and cannot be opened."), params={"name": upload.name}
            ) from None
        finally:
            upload.seek(0)
    return mime


class SubmitForm(forms.Form):
    channel = forms.ModelChoiceField(queryset=Channel.objects.none(), label=_("Channel"), empty_label=None)
    leader = forms.ModelChoiceField(
        queryset=Leader.objects.none(), label=_("Leader"), required=False, empty_label=_("— choose a leader —")
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(), label=_("Category"), required=False, empty_label=_("— not sure —")
    )
    title = forms.CharField(label=_("Title"), min_length=4, max_length=50)
    body = forms.CharField(label=_("Message"), min_length=10, max_length=3000, widget=forms.Textarea(attrs={"rows": 8}))
    attachments = MultipleFileField(
        label=_("Attachments"), required=False,
        help_text=_("Up to 5 images or PDF files, each at most 10 MB."),
    )
    name = forms.CharField(label=_("Name"), max_length=30)
    phone = forms.CharField(label=_("Mobile number"), max_length=20)
    email = forms.EmailField(label=_("Email (optional)"), required=False, max_length=100)
    wants_public = forms.BooleanField(
        label=_("My message and its reply may be published (personal data is hidden)"), required=False, initial=True
    )
    captcha = CaptchaField(label=_("Verification code"))
    submit_token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, site: Site, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.site = site
        self.fields["channel"].queryset = Channel.objects.filter(site=site, is_active=True)  # type: ignore[attr-defined]
        self.fields["leader"].queryset = Leader.objects.filter(site=site, is_active=True)  # type: ignore[attr-defined]
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            is_active=True, level=1
        ).filter(models_site_q(site))
        self.attachment_types: list[str] = []

    def clean_phone(self) -> str:
        phone = re.sub(r"[\s-]", "", self.cleaned_data["phone"]).removeprefix("+86")
        if not MOBILE_RE.match(phone):
            raise forms.ValidationError(_("Please enter an 11-digit mobile number, e.g. 13812345678."))
        return phone

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter your name."))
        return name

    def clean_attachments(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data.get("attachments") or []
        if len(files) > settings.MAX_ATTACHMENTS:
            raise forms.ValidationError(_("At most %(n)d attachments."), params={"n": settings.MAX_ATTACHMENTS})
        types = []
        for upload in files:
            if upload.size and upload.size > settings.MAX_ATTACHMENT_BYTES:
                raise forms.ValidationError(
                    _("“%(name)s” is larger than %(mb)d MB."),
                    params={"name": upload.name, "mb": settings.MAX_ATTACHMENT_BYTES // (1024 * 1024)},
                )
            types.append(sniff_attachment(upload))
        self.attachment_types = types
        return files

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        channel = data.get("channel")  # type: ignore[union-attr]
        if channel is not None and channel.kind == ChannelKind.MAILBOX and not data.get("leader"):  # type: ignore[union-attr]
            self.add_error("leader", _("Please choose the leader you are writing to."))
        return data


def models_site_q(site: Site):  # type: ignore[no-untyped-def]
    from django.db.models import Q

    return Q(site__isnull=True) | Q(site=site)


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=30)
    password = forms.CharField(label=_("Query password"), max_length=20, widget=forms.PasswordInput)


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the reply?"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    solved = forms.TypedChoiceField(
        label=_("Was your problem solved?"), choices=[("1", _("Solved")), ("0", _("Not solved"))],
        coerce=lambda v: v == "1", widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class SupplementForm(forms.Form):
    text = forms.CharField(label=_("Additional information"), min_length=2, max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    channel = forms.IntegerField(required=False)
    department = forms.IntegerField(required=False)
    category = forms.IntegerField(required=False)


class FollowupForm(RateForm):
    """The citizen's answer to a return visit (回访) through the link sent by SMS: the rating's
    questions. No version field: the visit itself says whether it was already answered."""

    version = None  # type: ignore[assignment]
