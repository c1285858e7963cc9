"""A citizen's message (Case) and everything that follows from it.

Rows here are written only by `minsheng.cases.actions`; read them through `minsheng.cases.selectors`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.core.crypto import EncryptedTextField
from minsheng.sites.models import Category, Channel, Department, Leader, Site


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting intake")
    NEED_INFO = "need_info", _("Awaiting more information")
    ACCEPTED = "accepted", _("Accepted, awaiting dispatch")
    DISPATCHED = "dispatched", _("Dispatched, awaiting receipt")
    PROCESSING = "processing", _("In progress")
    REVIEWING = "reviewing", _("Reply under review")
    REPLIED = "replied", _("Replied, awaiting rating")
    DISPUTED = "disputed", _("Dissatisfied, awaiting supervisor")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Not accepted")
    MERGED = "merged", _("Merged into another case")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class Case(models.Model):
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="cases")
    channel = models.ForeignKey(Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="cases")
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    leader = models.ForeignKey(
        Leader, verbose_name=_("leader"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    lead_department = models.ForeignKey(
        Department, verbose_name=_("lead department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="lead_cases",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices, default=Priority.NORMAL)
    # Incremented by every action, so a form posted against an old version is refused instead of
    # silently overwriting another officer's work.
    version = models.PositiveIntegerField(default=1)

    tracking_code = models.CharField(_("tracking code"), max_length=20, unique=True)
    query_password_digest = models.CharField(max_length=64)
    # The token of the submitting form: a double submit finds the case the first one created.
    submit_token = models.CharField(max_length=64, null=True, blank=True, unique=True)

    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("message"))
    citizen_name = EncryptedTextField(_("name"))
    citizen_phone = EncryptedTextField(_("mobile"))
    citizen_email = EncryptedTextField(_("email"), blank=True)
    citizen_digest = models.CharField(max_length=64, db_index=True, help_text="keyed digest of the mobile number")
    wants_public = models.BooleanField(_("citizen agrees to publication"), default=False)
    publish_agreed = models.BooleanField(_("intake agrees to publication"), default=True)

    public_title = models.CharField(_("public title"), max_length=100, blank=True)
    public_body = models.TextField(_("public message"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    submitted_at = models.DateTimeField(_("submitted at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    due_at = models.DateTimeField(_("reply due"), null=True, blank=True)

    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    redo_count = models.PositiveSmallIntegerField(_("redo count"), default=0)
    is_imported = models.BooleanField(default=False)
    import_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["site", "status", "submitted_at"], name="case_site_status"),
            models.Index(fields=["lead_department", "status"], name="case_dept_status"),
            models.Index(fields=["site", "published_at"], name="case_site_published"),
            models.Index(fields=["status", "due_at"], name="case_status_due"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is random: an uploaded name may hold personal data or path tricks.
    return f"attachments/{instance.case.submitted_at:%Y/%m}/{instance.storage_name}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    storage_name = models.CharField(max_length=80)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    ASSISTING = "assisting", _("Assisting")


class Assignment(models.Model):
    """A department's part in a case: the lead (主办) answers; assisting departments (协办) help."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=20, choices=AssignmentRole.choices)
    is_active = models.BooleanField(default=True)
    dispatched_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["department", "is_active"], name="assignment_dept_active")]


class ReplyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Sent back")


class Reply(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="replies")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("reply"))
    public_body = models.TextField(_("public reply"), blank=True)
    status = models.CharField(max_length=20, choices=ReplyStatus.choices, default=ReplyStatus.DRAFT)
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]


class Rating(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings")
    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="ratings")
    satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Satisfaction.choices)
    solved = models.BooleanField(_("solved"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["reply"], name="rating_one_per_reply")]


class ActorKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")


class CaseEvent(models.Model):
    """The audit trail: one row for every state change, written in the same transaction."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_kind = models.CharField(max_length=20, choices=ActorKind.choices)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    public_note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="event_case_time")]

    @property
    def action_label(self) -> str:
        from minsheng.cases.workflow import TRANSITIONS

        transition = TRANSITIONS.get(self.action)
        return str(transition.label) if transition else self.action


class SearchDocument(models.Model):
    """Segmented public text of a published case for full-text search (see `search.py`)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="search_document")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    tokens = models.TextField()
