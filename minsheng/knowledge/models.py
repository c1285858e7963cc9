"""Knowledge base entries, per-site settings of the issue-5 helpers, and the similar-case index."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.cases.models import Case
from minsheng.sites.models import Category, Site


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEWED = "reviewed", _("Reviewed")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class KnowledgeEntry(models.Model):
    """A reusable answer with its policy basis (知识库 / 常见问题)."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="knowledge_entries")
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"))
    policy_title = models.CharField(_("policy document"), max_length=200, blank=True)
    policy_url = models.URLField(_("policy link"), max_length=500, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_case = models.ForeignKey(
        Case, verbose_name=_("source case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # jieba tokens of question + answer (cut_for_search), for search on both databases.
    tokens = models.TextField(blank=True, editable=False)
    # Weighted keywords (insights/similar.py), so the write page can rank entries without jieba.
    keywords = models.JSONField(default=dict, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["site", "status", "valid_to"], name="kb_site_status_valid")]
        verbose_name = _("knowledge entry")
        verbose_name_plural = _("knowledge entries")

    def __str__(self) -> str:
        return self.question

    def is_current(self, today: object | None = None) -> bool:
        day = today or timezone.localdate()
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)  # type: ignore[operator]


class KnowledgeEvent(models.Model):
    """The audit trail of knowledge entries: one row per change, who and when."""

    entry = models.ForeignKey(KnowledgeEntry, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class KnowledgeSettings(models.Model):
    """Per-site settings of the issue-5 helpers; a site without a row uses the defaults."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="knowledge_settings")
    duplicate_window_days = models.PositiveSmallIntegerField(
        _("duplicate window (days)"), default=30,
        help_text=_("Messages submitted this many days apart or less may be flagged as duplicates."),
    )
    extra_sensitive_words = models.TextField(
        _("extra sensitive words"), blank=True, help_text=_("One word per line, added to the shipped list.")
    )
    allowed_sensitive_words = models.TextField(
        _("words not to flag"), blank=True, help_text=_("One word per line, removed from the shipped list.")
    )

    class Meta:
        verbose_name = _("knowledge settings")
        verbose_name_plural = _("knowledge settings")

    def __str__(self) -> str:
        return str(self.site)


class SimilarDoc(models.Model):
    """A case's fingerprint (insights/similar.py): what reranking needs without reading the case."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False)
    submitted_at = models.DateTimeField()
    signature = models.BinaryField()  # 64 MinHash values of the original text, 32 bits each
    keywords = models.JSONField(default=dict)  # original text: {"k": {word: weight}, "p": [places], "n": length}
    public_keywords = models.JSONField(null=True, blank=True)  # masked public text, when published
    keys = models.JSONField(default=list)  # the SimilarKey keys written for this case, to delete them exactly
    indexed_at = models.DateTimeField(default=timezone.now)


class SimilarKey(models.Model):
    """Inverted index: (key, case). A key hashes site, audience and a band or a keyword, so a lookup
    is a few index range scans on (key, case_id) whatever the number of sites."""

    pk = models.CompositePrimaryKey("key", "case_id")
    key = models.BigIntegerField()
    # No foreign key: the composite primary key is the only index, and a deleted case's keys are
    # removed through SimilarDoc.keys (a stale key only yields a candidate that no longer resolves).
    case_id = models.BigIntegerField()
