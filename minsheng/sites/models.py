"""The site cluster: portals in a tree, their departments, leaders, channels and categories."""

from __future__ import annotations

from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


def _subtree_ids(model: type[models.Model], root: int) -> list[int]:
    """`root` and every row below it in a tree linked by `parent`: one query per level, and the
    trees here (sites, categories) are a few levels deep."""
    ids = [root]
    frontier = [root]
    while frontier:
        frontier = list(model._default_manager.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


class Site(models.Model):
    """One government portal. Sites form a tree (province → city → district) in one installation."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent site"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    return_window_working_days = models.PositiveSmallIntegerField(
        _("return window (working days)"), default=1,
        help_text=_("A department may return a case without a supervisor within this many working days of receipt."),
    )
    reminder_lead_hours = models.PositiveSmallIntegerField(
        _("reminder lead time (hours)"), default=24,
        help_text=_("Handlers are reminded this many hours before a deadline."),
    )
    followup_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("return visits (% of closed cases)"), default=100,
        help_text=_("Share of closed cases that get a return visit, drawn at random per case."),
    )
    followup_method = models.CharField(
        _("return visit method"), max_length=10, default="sms",
        choices=[("sms", _("SMS link")), ("phone", _("Phone call"))],
    )
    # Off by default: switching it on closes every reply already older than the window at the next
    # scan (and starts their return visits), a decision for each site to take knowingly.
    rating_window_working_days = models.PositiveSmallIntegerField(
        _("rating window (working days)"), default=0,
        help_text=_("A reply the citizen has not rated within this many working days closes the case "
                    "without a verdict. 0: the case waits for the rating however long it takes."),
    )

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name

    def descendant_ids(self) -> list[int]:
        """This site and every site below it."""
        return _subtree_ids(Site, self.pk)


class Department(models.Model):
    """A unit that must answer cases (承办单位); belongs to one site."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["site_id", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="department_unique_name_per_site")]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Leader(models.Model):
    """A leader who has a public mailbox (领导信箱); letters go first to the leader's office."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="leaders")
    name = models.CharField(_("name"), max_length=40)
    title = models.CharField(_("title"), max_length=100)
    office = models.ForeignKey(
        Department, verbose_name=_("office"), null=True, blank=True, on_delete=models.PROTECT,
        help_text=_("The department that handles this leader's letters."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["site_id", "sort_order", "id"]
        verbose_name = _("leader")
        verbose_name_plural = _("leaders")

    def __str__(self) -> str:
        return f"{self.title} {self.name}"


class ChannelKind(models.TextChoices):
    MAILBOX = "mailbox", _("Leader's mailbox")
    COMPLAINT = "complaint", _("Complaint")
    INQUIRY = "inquiry", _("Inquiry")
    SUGGESTION = "suggestion", _("Suggestion")
    HELP = "help", _("Help request")
    REPORT = "report", _("Report")


class Channel(models.Model):
    """A public entry point of a site with its own rules (栏目)."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="channels")
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    reply_working_days = models.PositiveSmallIntegerField(
        _("reply limit (working days)"), default=7,
        help_text=_("Working days from dispatch to the reply, counted from the next working day."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["site_id", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["site", "kind"], name="channel_unique_kind_per_site")]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """Subject taxonomy, a tree of up to three levels. A category with no site is shared by all sites."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT, related_name="categories"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("name"), max_length=60)
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["level", "id"]
        constraints = [
            # NULL site (shared) and NULL parent (level 1) would make a plain unique constraint
            # useless, since SQL treats NULLs as distinct; coalescing them to 0 makes it bite.
            models.UniqueConstraint(
                Coalesce("site", Value(0)), Coalesce("parent", Value(0)), "name",
                name="category_unique_name_per_parent",
            )
        ]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.path

    def descendant_ids(self) -> list[int]:
        """This category and all below it (three levels at most), so a filter on 城乡建设 also finds
        cases filed under 城乡建设 / 住房保障."""
        return _subtree_ids(Category, self.pk)

    @property
    def path(self) -> str:
        names = [self.name]
        node = self
        while node.parent_id is not None:
            node = node.parent  # type: ignore[assignment]
            names.append(node.name)
        return " / ".join(reversed(names))


class CalendarDay(models.Model):
    """An admin's correction of the statutory calendar: a holiday or a make-up working day (调休)."""

    day = models.DateField(_("day"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.day} {'workday' if self.is_workday else 'holiday'}"
