"""Who may read and issue the periodic reports (通报)."""

from __future__ import annotations

from minsheng.accounts.models import RoleKind, User
from minsheng.accounts.scopes import scope_for

#: Supervisors issue the 通报 of their sites; administrators run them.
MANAGERS = (RoleKind.SUPERVISOR, RoleKind.ADMIN)


def managed_site_ids(user: User) -> frozenset[int]:
    """The sites whose periodic reports the user may read, draft and issue."""
    return scope_for(user).sites(*MANAGERS)
