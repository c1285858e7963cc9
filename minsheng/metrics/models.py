"""State of the metrics app: per-site weights, exclusions of unreasonable demands, appeals.

The figures are computed from the cases and their history (`engine.py`). The one stored copy is a
finished month's unfiltered figures per site (`MonthSnapshot`, written only by
`minsheng.metrics.snapshots`), which every write to a case of that month invalidates in its own
transaction, so a late event (a rating next month, a redo) is reflected at once. The other rows here
are written only by `minsheng.metrics.actions`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.cases.models import DecidedRequest, RequestState
from minsheng.sites.models import Department, Site

_UNIT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]
_WEIGHT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class MetricSettings(models.Model):
    """Weights of one site; a site without a row uses its nearest ancestor's, then the defaults."""

    site = models.OneToOneField(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    satisfied_weight = models.DecimalField(
        _("weight of “satisfied”"), max_digits=4, decimal_places=3, default=Decimal("1"), validators=_UNIT
    )
    basic_weight = models.DecimalField(
        _("weight of “basically satisfied”"), max_digits=4, decimal_places=3, default=Decimal("1"),
        validators=_UNIT,
        help_text=_("Some provinces count a basically satisfied citizen as 0.8 of a satisfied one."),
    )
    reply_weight = models.DecimalField(
        _("appraisal weight: reply rate"), max_digits=5, decimal_places=2, default=Decimal("10"), validators=_WEIGHT
    )
    response_weight = models.DecimalField(
        _("appraisal weight: response rate"), max_digits=5, decimal_places=2, default=Decimal("10"),
        validators=_WEIGHT,
    )
    on_time_weight = models.DecimalField(
        _("appraisal weight: on-time rate"), max_digits=5, decimal_places=2, default=Decimal("30"),
        validators=_WEIGHT,
    )
    resolution_weight = models.DecimalField(
        _("appraisal weight: resolution rate"), max_digits=5, decimal_places=2, default=Decimal("25"),
        validators=_WEIGHT,
    )
    satisfaction_weight = models.DecimalField(
        _("appraisal weight: satisfaction rate"), max_digits=5, decimal_places=2, default=Decimal("25"),
        validators=_WEIGHT,
    )

    class Meta:
        verbose_name = _("metric settings")
        verbose_name_plural = _("metric settings")

    def __str__(self) -> str:
        return str(self.site)


class Exclusion(DecidedRequest):
    """不合理诉求: a request to leave a case out of a department's figures; a supervisor decides."""

    # The department, requester, reason, state and decision fields are those of every request a
    # supervisor decides (cases.models.DecidedRequest).
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="metric_exclusions")

    class Meta(DecidedRequest.Meta):
        indexes = [models.Index(fields=["state", "case"], name="exclusion_state_case")]
        constraints = [
            # One open request per case and department: a second click must not queue a duplicate.
            models.UniqueConstraint(fields=["case", "department"], condition=models.Q(state="pending"),
                                    name="exclusion_one_pending"),
        ]
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")


class Appeal(models.Model):
    """申诉: a department contests a figure of a period; a supervisor records the decision."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    figure = models.CharField(_("figure"), max_length=40)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reason"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=RequestState.choices, default=RequestState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")


class AuditEntry(models.Model):
    """The audit trail of exclusions and appeals (case-level changes also write a CaseEvent)."""

    action = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    exclusion = models.ForeignKey(Exclusion, null=True, blank=True, on_delete=models.PROTECT, related_name="audit")
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.PROTECT, related_name="audit")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]


class MonthSnapshot(models.Model):
    """The unfiltered figures of one site and one finished month (`engine.Metrics.as_dict()`), and
    the generation that says whether they still hold (`minsheng.metrics.snapshots`).

    Every write to a case submitted in a finished month adds one to `generation` of the case's sites
    (and the sites above them) for that month and clears `metrics`, in the write's own transaction.
    A snapshot is stored only with the generation read before its cases were, and only if that is
    still the generation (a conditional UPDATE): a late write can never be overwritten by figures
    computed before it. The generation only grows, and the row lives in the database, not in a cache
    that could lose it."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    generation = models.BigIntegerField(default=0)
    metrics = models.JSONField(null=True, blank=True)
    # The figures read the clock (deadlines passing, overdue ages, red lines): they hold until then.
    valid_until = models.DateTimeField(null=True, blank=True)
    # The weights and the working-day calendar they were computed with (admins may change both).
    settings_key = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "month"], name="month_snapshot_one_per_month")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.month:%Y-%m} #{self.generation}"
