"""The write path of public-opinion monitoring: likes and opinion reports.

Each function runs in one transaction, locks the row it changes and writes one `OpinionEvent`
(reports) or is its own record (a `Like` row: anonymous by design, so there is no actor to
audit). Topic memberships are written by `minsheng.opinion.engine` only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import RoleKind, User
from minsheng.accounts.scopes import scope_for
from minsheng.cases.models import Case
from minsheng.core.crypto import digest
from minsheng.opinion.models import Like, OpinionEvent, OpinionReport, ReportStatus

# Longest text accepted for one report section: a page or two of a printed report.
MAX_SECTION_TEXT = 5000


class OpinionError(Exception):
    """A refusal with a message fit for the person (shown on the page, never a 500)."""


def new_liker_token() -> str:
    return secrets.token_urlsafe(18)


def like_key(token: str, case_id: int) -> str:
    # Keyed and per case: the stored value cannot be tied to a browser, nor two likes to each other.
    return digest(f"{token}:{case_id}", purpose="like")


@dataclass(frozen=True)
class LikeResult:
    count: int
    created: bool


def like_case(case: Case, *, token: str) -> LikeResult:
    """A "me too" on a published case; a second like from the same browser changes nothing."""
    if case.published_at is None:
        raise OpinionError(_("Only published messages can be liked."))
    created = False
    try:
        with transaction.atomic():
            Like.objects.create(case=case, key=like_key(token, case.pk), created_at=timezone.now())
            created = True
    except IntegrityError:
        pass
    if created:
        from minsheng.opinion.engine import refresh_case_topic

        transaction.on_commit(lambda: refresh_case_topic(case.pk))
    return LikeResult(count=Like.objects.filter(case=case).count(), created=created)


def has_liked(case_id: int, token: str | None) -> bool:
    return bool(token) and Like.objects.filter(case_id=case_id, key=like_key(token or "", case_id)).exists()


# -------------------------------------------------------------------------------------- reports


def _lock_report(report: OpinionReport, expected_version: int | None) -> OpinionReport:
    locked = OpinionReport.objects.select_for_update().get(pk=report.pk)
    if expected_version is not None and locked.version != expected_version:
        raise OpinionError(_("This report has changed since you opened it; please reload the page."))
    if locked.status == ReportStatus.ISSUED:
        raise OpinionError(_("This report has been issued and can no longer be changed."))
    return locked


def _may_edit(user: User, report: OpinionReport) -> bool:
    scope = scope_for(user)
    return report.site_id in scope.sites(RoleKind.ADMIN, RoleKind.INTAKE, RoleKind.SUPERVISOR)


def _may_issue(user: User, report: OpinionReport) -> bool:
    return report.site_id in scope_for(user).sites(RoleKind.SUPERVISOR, RoleKind.ADMIN)


@transaction.atomic
def report_edit(
    report: OpinionReport, *, by: User, texts: dict[str, str], title: str | None = None,
    expected_version: int | None = None,
) -> OpinionReport:
    """Staff correct the drafted text of the sections before the report is issued."""
    if not _may_edit(by, report):
        raise OpinionError(_("You may not edit this report."))
    report = _lock_report(report, expected_version)
    changed: list[str] = []
    for key, text in texts.items():
        if key not in report.texts:
            raise OpinionError(_("Unknown report section."))
        text = text.replace("\r\n", "\n").strip()
        if len(text) > MAX_SECTION_TEXT:
            raise OpinionError(_("A section may hold at most %(n)d characters.") % {"n": MAX_SECTION_TEXT})
        if text != report.texts[key]:
            report.texts[key] = text
            changed.append(key)
    if title is not None:
        title = title.strip()
        if not title:
            raise OpinionError(_("The title cannot be empty."))
        if title[:200] != report.title:
            report.title = title[:200]
            changed.append("title")
    if not changed:
        return report
    report.version += 1
    report.save(update_fields=["texts", "title", "version"])
    OpinionEvent.objects.create(site_id=report.site_id, action="report_edit", actor=by, report=report,
                                created_at=timezone.now(), data={"changed": changed})
    return report


@transaction.atomic
def report_issue(report: OpinionReport, *, by: User, expected_version: int | None = None) -> OpinionReport:
    """A supervisor issues the report; from then on it is frozen."""
    if not _may_issue(by, report):
        raise OpinionError(_("Only a supervisor of this site may issue the report."))
    report = _lock_report(report, expected_version)
    now = timezone.now()
    report.status = ReportStatus.ISSUED
    report.issued_at = now
    report.issued_by = by
    report.version += 1
    report.save(update_fields=["status", "issued_at", "issued_by", "version"])
    OpinionEvent.objects.create(site_id=report.site_id, action="report_issue", actor=by, report=report,
                                created_at=now)
    return report
