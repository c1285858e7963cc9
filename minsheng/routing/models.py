"""Trained routing models, per-site routing settings and the audit of both."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.sites.models import Site


class RouterModel(models.Model):
    """One trained version: a category router and a department router fitted on the same cases.

    The fitted objects are stored in the row (``blob``), not in a file, so every web and worker
    process of a scaled-out installation reads the same model without a shared filesystem. Rows are
    never changed after training except ``is_active``: a roll-back activates an older version.
    """

    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.CASCADE, related_name="router_models",
        help_text=_("Empty: the installation-wide model, used by sites without their own."),
    )
    # The site's id, 0 for the installation-wide model: unique constraints treat NULL sites as all
    # different, so the constraints below use this column instead.
    scope = models.PositiveIntegerField(editable=False)
    version = models.PositiveIntegerField(_("version"))
    trained_at = models.DateTimeField(_("trained at"))
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trained by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    training_size = models.PositiveIntegerField(_("training cases"))
    # {"category": {...evaluate() result...}, "department": {...}, "holdout": n, "seconds": t}
    evaluation = models.JSONField(_("evaluation"), default=dict)
    blob = models.BinaryField(editable=False)
    is_active = models.BooleanField(_("active"), default=False)

    class Meta:
        ordering = ["site_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "version"], name="router_model_unique_version"),
            models.UniqueConstraint(
                fields=["scope"], condition=models.Q(is_active=True), name="router_model_one_active_per_scope"
            ),
        ]
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")

    def __str__(self) -> str:
        return f"{self.site or _('all sites')} v{self.version}"


class RoutingSettings(models.Model):
    """A site's choices about routing: automatic dispatch and its own words for the segmenter."""

    site = models.OneToOneField(Site, verbose_name=_("site"), on_delete=models.CASCADE,
                                related_name="routing_settings")
    auto_dispatch = models.BooleanField(
        _("dispatch automatically"), default=False,
        help_text=_("When a case is accepted and the model is at least this confident of the department, "
                    "the system dispatches it. Intake can undo it."),
    )
    threshold = models.FloatField(
        _("confidence threshold"), default=0.9, validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text=_("Between 0.5 and 1. The model page shows how often the model is right above each level."),
    )
    words = models.TextField(
        _("place and compound names"), blank=True,
        help_text=_("One per line: compounds, roads, villages, local organisations. The segmenter keeps them "
                    "whole in search, masking and routing."),
    )

    class Meta:
        verbose_name = _("routing settings")
        verbose_name_plural = _("routing settings")

    def __str__(self) -> str:
        return str(self.site)


class RoutingEvent(models.Model):
    """The audit trail of routing administration: training, activation, roll-back, settings."""

    class Action(models.TextChoices):
        TRAIN = "train", _("Trained")
        ACTIVATE = "activate", _("Activated")
        SETTINGS = "settings", _("Settings changed")

    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    model = models.ForeignKey(RouterModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    created_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
