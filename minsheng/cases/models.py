"""A citizen's message (Case) and everything that follows from it.

Rows here are written only by `minsheng.cases.actions`; read them through `minsheng.cases.selectors`.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.crypto import EncryptedTextField
from minsheng.sites.models import Category, Channel, Department, Leader, Site


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting intake")
    NEED_INFO = "need_info", _("Awaiting more information")
    ACCEPTED = "accepted", _("Accepted, awaiting dispatch")
    RETURNED = "returned", _("Returned by the department, awaiting re-dispatch")
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
    # Stage deadlines (see deadlines.py). next_due_at is the earliest deadline of the stage the case
    # is in, None while the clock is stopped; stored so that queues and the scan can use an index.
    accept_due_at = models.DateTimeField(_("intake due"), null=True, blank=True)
    dispatch_due_at = models.DateTimeField(_("dispatch due"), null=True, blank=True)
    receive_due_at = models.DateTimeField(_("receipt due"), null=True, blank=True)
    contact_due_at = models.DateTimeField(_("first contact due"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    paused_at = models.DateTimeField(_("clock stopped since"), null=True, blank=True)
    is_supervised = models.BooleanField(_("under supervision"), default=False)
    is_complex = models.BooleanField(_("complex case"), default=False)

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
            models.Index(fields=["next_due_at"], name="case_next_due"),
            models.Index(fields=["lead_department", "next_due_at"], name="case_dept_next_due"),
            models.Index(fields=["site", "next_due_at"], name="case_site_next_due"),
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
    # The leader's instruction (批示) or intake's note that came with this assignment.
    instruction = models.TextField(blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    # An assisting department's contribution to the lead's answer.
    input_text = models.TextField(blank=True)
    input_at = models.DateTimeField(null=True, blank=True)
    # When an assisting department's part ended because the case left handling (the reply was
    # approved). Such a row is inactive, so the case leaves the department's queues, but unlike a
    # row ended by a new dispatch it still lets the department read the case it helped answer, and
    # a redo (重办) makes it active again. Empty for active rows and for rows a re-dispatch ended.
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["department", "is_active"], name="assignment_dept_active"),
            # Scoping a handler's reads: the cases their department currently assists.
            models.Index(fields=["department", "case"], name="assignment_dept_assisting",
                         condition=models.Q(is_active=True, role="assisting")),
        ]


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


def event_time(moment: datetime | None) -> str | None:
    """A datetime as the audit trail's `data` stores it: ISO 8601 in local time (TIME_ZONE,
    Asia/Shanghai) with its offset, `2026-10-12T17:30:00+08:00`: the dates staff and the exports read.

    Events written before this convention may hold the same instant in UTC (`…T09:30:00+00:00`,
    `decide_extension`'s `from`, `resume`'s `paused_from`, the scan's `due_at`): read them with
    `datetime.fromisoformat`, which keeps the offset, and compare instants, never the strings."""
    return timezone.localtime(moment).isoformat() if moment is not None else None


class CaseEvent(models.Model):
    """The audit trail: one row for every state change, written in the same transaction. Datetimes
    in `data` are written with `event_time`."""

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


class RequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class ExtensionKind(models.TextChoices):
    EXTENSION = "extension", _("Extension")
    COMPLEX = "complex", _("Complex case")


class DecidedRequest(models.Model):
    """A department's request that a supervisor approves or denies (extensions, late returns)."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    state = models.CharField(max_length=20, choices=RequestState.choices, default=RequestState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["id"]


class ExtensionRequest(DecidedRequest):
    """More time (延期), or classification as a complex case, asked by the department."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extension_requests")
    kind = models.CharField(max_length=20, choices=ExtensionKind.choices, default=ExtensionKind.EXTENSION)
    working_days = models.PositiveSmallIntegerField(_("working days"))

    class Meta(DecidedRequest.Meta):
        pass


class ReturnRequest(DecidedRequest):
    """A return (退回) asked after the return window: a supervisor decides."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="return_requests")

    class Meta(DecidedRequest.Meta):
        pass


class Supervision(models.Model):
    """Formal supervision (督办): an instruction with its own deadline, visible to the department."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervisions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    instruction = models.TextField(_("instruction"))
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]


class FollowupMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS link")


class FollowupState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    UNREACHABLE = "unreachable", _("Citizen unreachable")
    SUPERSEDED = "superseded", _("Replaced by a later return visit")


class Followup(models.Model):
    """A return visit (回访) after closing: by phone (staff record) or by an SMS link (citizen answers)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followups")
    method = models.CharField(max_length=10, choices=FollowupMethod.choices)
    state = models.CharField(max_length=20, choices=FollowupState.choices, default=FollowupState.PENDING)
    token = models.CharField(max_length=64, unique=True)
    solved = models.BooleanField(null=True, blank=True)
    satisfaction = models.CharField(max_length=20, choices=Satisfaction.choices, blank=True)
    answer = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "created_at"], name="followup_state")]


class Stage(models.TextChoices):
    ACCEPT = "accept", _("Intake")
    DISPATCH = "dispatch", _("Dispatch")
    RECEIVE = "receive", _("Receipt")
    CONTACT = "contact", _("First contact")
    REPLY = "reply", _("Reply")
    SUPERVISION = "supervision", _("Supervision")


class AlertKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder before the deadline")
    OVERDUE = "overdue", _("Overdue")
    REDLINE_FLAG = "redline_flag", _("Unanswered for 2 months")
    REDLINE_CRITICAL = "redline_critical", _("Unanswered for 3 months")


class DeadlineAlert(models.Model):
    """One reminder or escalation the scan raised. Unique per case, stage, kind and deadline, so a
    second scan (or a worker restarted mid-scan) raises nothing twice."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "stage", "kind", "due_at"], name="alert_once"),
        ]


class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    CLOCK_HOURS = "clock_hours", _("clock hours")


class DeadlineRule(models.Model):
    """A limit for one stage. The most specific matching rule wins (site, category, channel kind,
    priority); empty fields match everything. Administrators edit them; defaults ship in a migration."""

    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("site"))
    channel_kind = models.CharField(_("channel kind"), max_length=20, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("category"))
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices, blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    amount = models.PositiveIntegerField(_("limit"))
    unit = models.CharField(_("unit"), max_length=20, choices=DeadlineUnit.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.amount} {self.get_unit_display()}"


class ReplyTemplate(models.Model):
    """A reply skeleton for a channel and category; placeholders: {title} {department} {date} {code}."""

    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    channel_kind = models.CharField(_("channel kind"), max_length=20, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    body = models.TextField(_("text"))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
