"""What a staff member may see and act on, computed once per request from their roles."""

from __future__ import annotations

from dataclasses import dataclass, field

from minsheng.accounts.models import DEPARTMENT_ROLES, Role, RoleKind, User
from minsheng.sites.models import Site


@dataclass(frozen=True)
class Scope:
    # role kind -> ids of sites where the role applies (sub-sites already expanded)
    site_roles: dict[str, frozenset[int]] = field(default_factory=dict)
    # role kind -> ids of departments where the role applies
    department_roles: dict[str, frozenset[int]] = field(default_factory=dict)

    def sites(self, *kinds: str) -> frozenset[int]:
        out: set[int] = set()
        for kind in kinds or tuple(self.site_roles):
            out |= self.site_roles.get(kind, frozenset())
        return frozenset(out)

    def departments(self, *kinds: str) -> frozenset[int]:
        out: set[int] = set()
        for kind in kinds or tuple(self.department_roles):
            out |= self.department_roles.get(kind, frozenset())
        return frozenset(out)

    def has(self, kind: str) -> bool:
        return bool(self.site_roles.get(kind) or self.department_roles.get(kind))

    @property
    def is_staff_member(self) -> bool:
        return bool(self.site_roles or self.department_roles)


def scope_for(user: User) -> Scope:
    cached = getattr(user, "_minsheng_scope", None)
    if cached is not None:
        return cached
    scope = _compute(user)
    user._minsheng_scope = scope  # type: ignore[attr-defined]
    return scope


def _compute(user: User) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope()
    site_roles: dict[str, set[int]] = {}
    department_roles: dict[str, set[int]] = {}
    if user.is_superuser:
        all_sites = set(Site.objects.values_list("pk", flat=True))
        site_roles[RoleKind.ADMIN] = all_sites
    for role in Role.objects.filter(user=user).select_related("site"):
        if role.kind in DEPARTMENT_ROLES:
            if role.department_id is not None:
                department_roles.setdefault(role.kind, set()).add(role.department_id)
            continue
        ids = role.site.descendant_ids() if role.include_subsites else [role.site_id]
        site_roles.setdefault(role.kind, set()).update(ids)
    return Scope(
        site_roles={k: frozenset(v) for k, v in site_roles.items()},
        department_roles={k: frozenset(v) for k, v in department_roles.items()},
    )
