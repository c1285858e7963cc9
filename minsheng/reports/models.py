"""Stored reports: a periodic report (通报) is drafted from the figures, read and annotated by a
supervisor, then issued. Once issued it is frozen (document JSON and the rendered PDF, Word and Excel
files), so what the public downloads never changes when a late rating moves last month's figures.

Rows are written only by `minsheng.reports.actions`; every change leaves a `ReportEvent`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.sites.models import Site


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class IssuedReport(models.Model):
    # A dotted name so other apps can store their reports here too: "metrics.monthly",
    # "metrics.quarterly", ...
    kind = models.CharField(_("kind"), max_length=40)
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="reports")
    # "2026-10" for a month, "2026-Q3" for a quarter: the URL and the sort key.
    period = models.CharField(_("period"), max_length=20)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    title = models.CharField(_("title"), max_length=200)
    # An editor's note (按语) shown before the figures; the only text a supervisor edits.
    note = models.TextField(_("editor's note"), blank=True)
    document = models.JSONField(_("document"), default=dict)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    docx = models.BinaryField(null=True, blank=True, editable=False)
    xlsx = models.BinaryField(null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    generated_at = models.DateTimeField(_("generated at"))
    # None when the scheduled task drafted it.
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)

    class Meta:
        ordering = ["-start", "kind", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "site", "period"], name="report_one_per_period"),
        ]
        indexes = [models.Index(fields=["site", "status", "start"], name="report_site_status")]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return self.title

    @property
    def is_issued(self) -> bool:
        return self.status == ReportStatus.ISSUED


class ReportEvent(models.Model):
    """The audit trail of reports: generate, regenerate, edit_note, issue."""

    report = models.ForeignKey(IssuedReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]


class RankingSettings(models.Model):
    """How many cases a department needs in a period to be ranked publicly, per site (a site without
    a row uses its nearest ancestor's, then DEFAULT_MIN_CASES): two cases must not top a table."""

    site = models.OneToOneField(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    min_cases = models.PositiveIntegerField(_("minimum cases to be ranked"), default=10)

    class Meta:
        verbose_name = _("ranking settings")
        verbose_name_plural = _("ranking settings")

    def __str__(self) -> str:
        return str(self.site)


DEFAULT_MIN_CASES = 10


def ranking_min_cases(site: Site) -> int:
    node: Site | None = site
    while node is not None:
        row = RankingSettings.objects.filter(site=node).first()
        if row is not None:
            return row.min_cases
        node = node.parent if node.parent_id else None
    return DEFAULT_MIN_CASES
