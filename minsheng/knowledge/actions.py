"""The only write path for knowledge entries: row lock, permission check, one audit event each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import RoleKind, User
from minsheng.accounts.scopes import scope_for
from minsheng.cases import selectors
from minsheng.cases.models import Case
from minsheng.insights.similar import keywords
from minsheng.knowledge.models import EntryStatus, KnowledgeEntry, KnowledgeEvent
from minsheng.lib.chinese import segment_for_index
from minsheng.sites.models import Category, Department, Site

SITE_WIDE = (RoleKind.ADMIN, RoleKind.INTAKE, RoleKind.SUPERVISOR)
PUBLISHERS = (RoleKind.ADMIN, RoleKind.INTAKE)


class KnowledgeError(Exception):
    """A refused change, with a message fit for the person who tried it."""


# ---- who may do what ---------------------------------------------------------------------------


def staff_site_ids(user: User, site_kinds: tuple[str, ...] = SITE_WIDE,
                   department_kinds: tuple[str, ...] = (RoleKind.HANDLER, RoleKind.REVIEWER)) -> set[int]:
    """Sites where the user holds one of the roles: site-wide roles directly, department roles
    through their department's site."""
    scope = scope_for(user)
    ids: set[int] = set(scope.sites(*site_kinds)) if site_kinds else set()
    departments = scope.departments(*department_kinds) if department_kinds else frozenset()
    if departments:
        ids |= set(Department.objects.filter(pk__in=departments).values_list("site_id", flat=True))
    return ids


def can_write(user: User, site_id: int) -> bool:
    return site_id in staff_site_ids(user)


def can_review(user: User, entry: KnowledgeEntry) -> bool:
    return entry.site_id in staff_site_ids(user, SITE_WIDE, (RoleKind.REVIEWER,)) and entry.author_id != user.pk


def can_publish(user: User, site_id: int) -> bool:
    return site_id in staff_site_ids(user, PUBLISHERS, ())


# ---- writing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryData:
    question: str
    answer: str
    category: Category | None = None
    policy_title: str = ""
    policy_url: str = ""
    valid_from: date | None = None
    valid_to: date | None = None


def _check(data: EntryData) -> None:
    if not data.question.strip() or not data.answer.strip():
        raise KnowledgeError(_("A knowledge entry needs a question and an answer."))
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        raise KnowledgeError(_("“Valid to” must not be before “valid from”."))


def _record(entry: KnowledgeEntry, action: str, by: User, before: str, note: str = "",
            data: dict[str, Any] | None = None) -> None:
    KnowledgeEvent.objects.create(entry=entry, action=action, actor=by, from_status=before,
                                  to_status=entry.status, note=note, data=data or {})


def _lock(entry: KnowledgeEntry, expected_version: int | None) -> KnowledgeEntry:
    locked = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    if expected_version is not None and locked.version != expected_version:
        raise KnowledgeError(_("This entry has changed since you opened it. Please reload the page."))
    return locked


def _apply(entry: KnowledgeEntry, data: EntryData) -> list[str]:
    changed = []
    for name in ("question", "answer", "category", "policy_title", "policy_url", "valid_from", "valid_to"):
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip()
        if getattr(entry, name) != value:
            setattr(entry, name, value)
            changed.append(name)
    entry.tokens = segment_for_index(f"{entry.question} {entry.answer} {entry.policy_title}")
    entry.keywords = keywords(entry.question, entry.answer)
    return changed


@transaction.atomic
def entry_create(*, site: Site, by: User, data: EntryData, source_case: Case | None = None) -> KnowledgeEntry:
    if not can_write(by, site.pk):
        raise KnowledgeError(_("You may not write knowledge entries for this site."))
    _check(data)
    now = timezone.now()
    entry = KnowledgeEntry(site=site, author=by, source_case=source_case, created_at=now, updated_at=now)
    _apply(entry, data)
    entry.save()
    _record(entry, "create", by, "", data={"source_case": source_case.tracking_code if source_case else ""})
    return entry


@transaction.atomic
def entry_edit(entry: KnowledgeEntry, *, by: User, data: EntryData, expected_version: int | None = None) -> KnowledgeEntry:
    entry = _lock(entry, expected_version)
    if not can_write(by, entry.site_id):
        raise KnowledgeError(_("You may not write knowledge entries for this site."))
    if entry.status == EntryStatus.WITHDRAWN:
        raise KnowledgeError(_("A withdrawn entry cannot be edited."))
    _check(data)
    before = entry.status
    changed = _apply(entry, data)
    if not changed:
        return entry
    # A changed text needs a fresh review: a published entry goes back to draft (off the public site).
    entry.status = EntryStatus.DRAFT
    entry.reviewer = None
    entry.reviewed_at = None
    entry.published_at = None
    entry.version += 1
    entry.updated_at = timezone.now()
    entry.save()
    _record(entry, "edit", by, before, data={"fields": changed})
    return entry


@transaction.atomic
def entry_review(entry: KnowledgeEntry, *, by: User, note: str = "", expected_version: int | None = None) -> KnowledgeEntry:
    entry = _lock(entry, expected_version)
    if entry.author_id == by.pk:
        raise KnowledgeError(_("An entry must be reviewed by someone other than its author."))
    if not can_review(by, entry):
        raise KnowledgeError(_("You may not review knowledge entries for this site."))
    if entry.status != EntryStatus.DRAFT:
        raise KnowledgeError(_("Only a draft can be reviewed."))
    before = entry.status
    entry.status, entry.reviewer, entry.reviewed_at = EntryStatus.REVIEWED, by, timezone.now()
    entry.version += 1
    entry.updated_at = entry.reviewed_at
    entry.save()
    _record(entry, "review", by, before, note=note.strip())
    return entry


@transaction.atomic
def entry_publish(entry: KnowledgeEntry, *, by: User, expected_version: int | None = None) -> KnowledgeEntry:
    entry = _lock(entry, expected_version)
    if not can_publish(by, entry.site_id):
        raise KnowledgeError(_("You may not publish knowledge entries for this site."))
    if entry.status != EntryStatus.REVIEWED:
        raise KnowledgeError(_("Only a reviewed entry can be published."))
    before = entry.status
    entry.status, entry.published_at = EntryStatus.PUBLISHED, timezone.now()
    entry.version += 1
    entry.updated_at = entry.published_at
    entry.save()
    _record(entry, "publish", by, before)
    return entry


@transaction.atomic
def entry_withdraw(entry: KnowledgeEntry, *, by: User, reason: str, expected_version: int | None = None) -> KnowledgeEntry:
    entry = _lock(entry, expected_version)
    if not can_publish(by, entry.site_id):
        raise KnowledgeError(_("You may not withdraw knowledge entries for this site."))
    if entry.status == EntryStatus.WITHDRAWN:
        raise KnowledgeError(_("This entry is already withdrawn."))
    if not reason.strip():
        raise KnowledgeError(_("Please give a reason for withdrawing the entry."))
    before = entry.status
    entry.status = EntryStatus.WITHDRAWN
    entry.version += 1
    entry.updated_at = timezone.now()
    entry.save()
    _record(entry, "withdraw", by, before, note=reason.strip())
    return entry


def draft_from_case(case: Case, user: User) -> EntryData:
    """What "make a knowledge entry from this reply" prefills: only the masked public texts. The
    question is the case's public title (the citizen's message tells their own story, not a reusable
    question); it comes from `public_copy`, so it is masked as the case's public page shows it."""
    reply = selectors.approved_reply(case)
    if reply is None:
        raise KnowledgeError(_("This case has no approved reply yet."))
    from minsheng.cases.actions import mask_reply, public_copy

    question, _message = public_copy(case)
    answer = reply.public_body or mask_reply(case, reply.body)
    return EntryData(question=question[:200], answer=answer, category=case.category)


def entry_from_case(case: Case, *, by: User) -> KnowledgeEntry:
    """One click on a replied case: a draft entry prefilled from the masked question and reply."""
    if not selectors.cases_for_staff(by).filter(pk=case.pk).exists():
        raise KnowledgeError(_("You are not allowed to do this on this case."))
    return entry_create(site=case.site, by=by, data=draft_from_case(case, by), source_case=case)
