"""Public-opinion monitoring: topics, likes, surge alerts and opinion reports (issue 6).

Rows here are written only by `minsheng.opinion.actions` (and the topic assignment in
`minsheng.opinion.assign`); read them through `minsheng.opinion.selectors`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.cases.models import Case
from minsheng.sites.models import Site


class OpinionSettings(models.Model):
    """Per-site parameters of topic detection, heat and surges (editable in the admin).

    A site without a row uses the defaults below; docs/opinion.md explains each one.
    """

    site = models.OneToOneField(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="opinion_settings")
    window_days = models.PositiveIntegerField(
        _("window (days)"), default=90, validators=[MinValueValidator(1), MaxValueValidator(3660)],
        help_text=_("Cases submitted in this many days before the nightly re-fit form the topics."),
    )
    threshold = models.FloatField(
        _("similarity threshold"), default=0.3, validators=[MinValueValidator(0.05), MaxValueValidator(0.95)],
        help_text=_("Cosine similarity a case needs to join a topic."),
    )
    per_case = models.FloatField(_("weight per case"), default=1.0, validators=[MinValueValidator(0)])
    per_author = models.FloatField(_("weight per distinct citizen"), default=2.0, validators=[MinValueValidator(0)])
    per_like = models.FloatField(_("weight per like"), default=0.1, validators=[MinValueValidator(0)])
    half_life_days = models.FloatField(
        _("recency half-life (days)"), default=30.0, validators=[MinValueValidator(0)],
        help_text=_("0 turns recency decay off."),
    )
    repeat_case_factor = models.FloatField(
        _("weight of a citizen's repeated cases"), default=0.2, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    surge_baseline_days = models.PositiveIntegerField(
        _("surge baseline (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    surge_ratio = models.FloatField(_("surge ratio"), default=3.0, validators=[MinValueValidator(1)])
    surge_min_cases = models.PositiveIntegerField(_("surge minimum cases per day"), default=5,
                                                  validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("opinion settings")
        verbose_name_plural = _("opinion settings")

    def __str__(self) -> str:
        return str(self.site)


class TopicState(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("No longer current")


class Topic(models.Model):
    """A group of cases about one public concern (舆情/热点), usually at one place."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="topics")
    # The topic's id inside the site's TopicModel; None once the topic is retired.
    model_id = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=TopicState.choices, default=TopicState.ACTIVE)
    title = models.CharField(_("title"), max_length=200)
    keywords = models.JSONField(_("keywords"), default=list)
    place = models.CharField(_("place"), max_length=100, blank=True)
    first_seen = models.DateTimeField(_("first case"))
    last_seen = models.DateTimeField(_("latest case"))
    case_count = models.PositiveIntegerField(_("cases"), default=0)
    citizen_count = models.PositiveIntegerField(_("distinct citizens"), default=0)
    # Imported history has no citizen digest: those cases cannot be told apart by citizen.
    unknown_citizens = models.PositiveIntegerField(_("cases of unknown citizens"), default=0)
    likes = models.PositiveIntegerField(_("likes"), default=0)
    heat = models.FloatField(_("heat"), default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-heat", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "model_id"], name="topic_one_per_model_id",
                                    condition=models.Q(model_id__isnull=False)),
        ]
        indexes = [models.Index(fields=["site", "state", "heat"], name="topic_site_heat")]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.title


class TopicMember(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="members")
    # A case belongs to at most one topic at a time.
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="topic_membership")
    joined_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class TopicModelSnapshot(models.Model):
    """The site's TopicModel state (JSON) and how far it has read the case table.

    Kept in the database rather than a local file so that any worker on any machine continues
    where the last one stopped; `high_water` (largest case id seen) makes the minute task
    idempotent and crash-safe: it moves in the same transaction as the memberships it wrote.
    """

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="topic_snapshot")
    state = models.JSONField(default=dict)
    high_water = models.BigIntegerField(default=0)
    window_start = models.DateTimeField(null=True, blank=True)
    fitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class Like(models.Model):
    """A public "me too" (我也关注) on a published case.

    `key` is an HMAC of a random per-browser token and the case, so no IP address or other
    personal data is stored; one like per browser per case.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="likes")
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="like_once_per_browser")]


class SurgeAlert(models.Model):
    """A topic whose cases of one day rose sharply over its own baseline; once per topic and day."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="surges")
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("cases that day"))
    baseline = models.FloatField(_("baseline per day"))
    created_at = models.DateTimeField()
    notified = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["topic", "day"], name="surge_once_per_topic_day")]


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class OpinionReport(models.Model):
    """An opinion report (舆情通报): drafted from the data, edited by staff, issued by a supervisor.

    `document` is a `minsheng.reports.document.Document` as JSON; `texts` holds the editable text
    of each section (key -> text), merged into the document when it is rendered. Once issued the
    report is frozen.
    """

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="opinion_reports")
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))  # inclusive
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    document = models.JSONField(default=dict)
    texts = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "kind", "period_start"], name="opinion_report_once_per_period"),
        ]
        verbose_name = _("opinion report")
        verbose_name_plural = _("opinion reports")

    def __str__(self) -> str:
        return self.title


class OpinionEvent(models.Model):
    """The audit trail of this app: one row per change (re-fit, report drafted/edited/issued)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    report = models.ForeignKey(OpinionReport, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
