"""Staff accounts and their roles. A role is always scoped: to a site, and for department roles to
one department of that site."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.sites.models import Department, Site


class User(AbstractUser):
    """A staff member. Citizens have no accounts: they follow their cases with a tracking code."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleKind(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    INTAKE = "intake", _("Intake officer")
    HANDLER = "handler", _("Handler")
    REVIEWER = "reviewer", _("Reviewer")
    SUPERVISOR = "supervisor", _("Supervisor")


# Roles that act for a department and therefore need one.
DEPARTMENT_ROLES = frozenset({RoleKind.HANDLER, RoleKind.REVIEWER})


class Role(models.Model):
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=20, choices=RoleKind.choices)
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    include_subsites = models.BooleanField(
        _("include sub-sites"), default=False,
        help_text=_("Site-wide roles (administrator, intake, supervisor) also cover the sites below."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "site", "department"], name="role_unique"),
        ]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        where = self.department.name if self.department_id else self.site.name  # type: ignore[union-attr]
        return f"{self.get_kind_display()} @ {where}"

    def clean(self) -> None:
        if self.kind in DEPARTMENT_ROLES and self.department_id is None:
            raise ValidationError({"department": _("Handlers and reviewers act for a department.")})
        if self.department_id is not None and self.department.site_id != self.site_id:  # type: ignore[union-attr]
            raise ValidationError({"department": _("The department must belong to the role's site.")})
