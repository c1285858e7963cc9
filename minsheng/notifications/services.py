"""Queue messages to citizens. Called inside an action's transaction; delivery runs after commit."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from minsheng.cases.models import Case
from minsheng.notifications.models import Medium, Notification

SITE_SIGNATURE = "【{site}】"


def _texts(case: Case, kind: str, extra: dict[str, str]) -> tuple[str, str]:
    # Citizens get Chinese whatever language the staff member acting uses.
    with override("zh-hans"):
        context = {"code": case.tracking_code, "title": case.title[:30], **extra}
        if "token" in extra:
            context["link"] = f"{settings.PUBLIC_BASE_URL}/followup/{extra['token']}/"
        bodies = {
            "submitted": _("Your message “%(title)s” was received. Tracking code %(code)s, query password %(password)s."),
            "accepted": _("Your message %(code)s was accepted and will be handled."),
            "rejected": _("Your message %(code)s was not accepted: %(reason)s"),
            "need_info": _("Please add information to your message %(code)s: %(reason)s"),
            "merged": _("Your message %(code)s was merged with another message on the same matter; you will be told of the answer."),
            "dispatched": _("Your message %(code)s was sent to %(department)s for handling."),
            "replied": _("Your message %(code)s has been answered. Please read the reply and rate it with your tracking code."),
            "redo": _("Your message %(code)s has been reopened for further handling."),
            "closed": _("Your message %(code)s is closed. Thank you."),
            "followup": _("Was the problem in your message %(code)s solved? Please tell us: %(link)s"),
        }
        subject = _("Message %(code)s") % context
        body = bodies[kind] % context
        return subject, SITE_SIGNATURE.format(site=case.site.name) + body


def notify_citizen(case: Case, kind: str, *, occasion: str, **extra: str) -> None:
    """Queue an SMS (always: the mobile number is required) and an email (when given).

    `occasion` makes the dedupe key: the same kind for the same occasion is queued once, so an action
    retried after a crash does not text the citizen twice.
    """
    from minsheng.notifications.tasks import deliver

    subject, body = _texts(case, kind, extra)
    # Imported history has no contact details: there is nobody to notify.
    targets = [(Medium.SMS, case.citizen_phone)] if case.citizen_phone else []
    if case.citizen_email:
        targets.append((Medium.EMAIL, case.citizen_email))
    for medium, recipient in targets:
        key = f"{case.pk}:{kind}:{occasion}:{medium}"
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    case=case, kind=kind, medium=medium, recipient=recipient, subject=subject, body=body,
                    dedupe_key=key,
                )
        except IntegrityError:
            continue
        transaction.on_commit(partial(deliver, note.pk))


def staff_for(case: Case, *, departments: tuple[int, ...] = (), department_roles: tuple[str, ...] = ("handler",),
              site_roles: tuple[str, ...] = ()) -> list[int]:
    """Ids of the active staff who should hear about `case`: holders of `department_roles` in
    `departments`, and holders of `site_roles` whose scope covers the case's site."""
    from minsheng.accounts.models import Role
    from minsheng.sites.models import Site

    ids: set[int] = set()
    if departments:
        ids |= set(
            Role.objects.filter(department_id__in=departments, kind__in=department_roles, user__is_active=True)
            .values_list("user_id", flat=True)
        )
    if site_roles:
        ancestors = []
        site: Site | None = case.site
        while site is not None:
            ancestors.append(site.pk)
            site = site.parent
        roles = Role.objects.filter(kind__in=site_roles, user__is_active=True, site_id__in=ancestors)
        for user_id, site_id, include_subsites in roles.values_list("user_id", "site_id", "include_subsites"):
            if site_id == case.site_id or include_subsites:
                ids.add(user_id)
    return sorted(ids)


def notify_staff(case: Case, kind: str, text: str, user_ids: list[int], *, at=None) -> int:  # type: ignore[no-untyped-def]
    """In-app notices (the workbench shows them); written in the caller's transaction."""
    from django.utils import timezone

    from minsheng.notifications.models import StaffNotice

    now = at or timezone.now()
    StaffNotice.objects.bulk_create(
        [StaffNotice(user_id=uid, case=case, kind=kind, text=text[:300], created_at=now) for uid in user_ids]
    )
    return len(user_ids)
