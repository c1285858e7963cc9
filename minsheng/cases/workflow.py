"""Statuses and allowed transitions, in one table.

Each action names the statuses it may start from, where it leads (None: the status stays, or the
action decides between the listed targets), who may take it, and how the actor's scope is checked:
`site` (intake, supervisor, administrator of the case's site), `lead` (handler or reviewer of the
lead department), `handling` (either of those: whoever handles the case), `citizen` (holder of the
tracking code and password).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from minsheng.accounts.models import RoleKind
from minsheng.cases.models import Status

S = Status
OPEN_STATUSES = frozenset(
    {S.SUBMITTED, S.NEED_INFO, S.ACCEPTED, S.DISPATCHED, S.PROCESSING, S.REVIEWING, S.REPLIED, S.DISPUTED}
)
TERMINAL_STATUSES = frozenset({S.CLOSED, S.REJECTED, S.MERGED})


@dataclass(frozen=True)
class Transition:
    label: object
    sources: frozenset[str]
    targets: frozenset[str]
    roles: frozenset[str]
    scope: str  # "site" | "lead" | "handling" | "citizen"


def _t(label: object, sources: set[str], targets: set[str], roles: set[str], scope: str) -> Transition:
    return Transition(label, frozenset(sources), frozenset(targets), frozenset(roles), scope)


INTAKE = {RoleKind.INTAKE, RoleKind.ADMIN}
_ALL_STAFF = set(RoleKind.values)
TRANSITIONS: dict[str, Transition] = {
    "submit": _t(_("Submit"), set(), {S.SUBMITTED}, set(), "citizen"),
    # History from a previous system (cases/importing.py): answered cases arrive closed or replied,
    # unanswered ones enter intake.
    "import": _t(_("Import"), set(), {S.SUBMITTED, S.REPLIED, S.CLOSED}, {RoleKind.ADMIN}, "system"),
    "accept": _t(_("Accept"), {S.SUBMITTED, S.NEED_INFO}, {S.ACCEPTED}, INTAKE, "site"),
    "reject": _t(_("Reject"), {S.SUBMITTED, S.NEED_INFO, S.ACCEPTED}, {S.REJECTED}, INTAKE, "site"),
    "request_info": _t(_("Ask for more information"), {S.SUBMITTED}, {S.NEED_INFO}, INTAKE, "site"),
    "supplement": _t(_("Add information"), {S.NEED_INFO}, {S.SUBMITTED}, set(), "citizen"),
    "merge": _t(_("Merge as duplicate"), {S.SUBMITTED, S.NEED_INFO, S.ACCEPTED}, {S.MERGED}, INTAKE, "site"),
    "classify": _t(
        _("Set category and priority"),
        {S.SUBMITTED, S.NEED_INFO, S.ACCEPTED, S.DISPATCHED, S.PROCESSING}, set(), INTAKE, "site",
    ),
    "dispatch": _t(_("Dispatch"), {S.ACCEPTED}, {S.DISPATCHED}, INTAKE, "site"),
    "receive": _t(_("Sign for the case"), {S.DISPATCHED}, {S.PROCESSING}, {RoleKind.HANDLER}, "lead"),
    "save_draft": _t(_("Save reply draft"), {S.PROCESSING}, set(), {RoleKind.HANDLER}, "lead"),
    "submit_reply": _t(_("Submit reply for review"), {S.PROCESSING}, {S.REVIEWING}, {RoleKind.HANDLER}, "lead"),
    "approve_reply": _t(_("Approve reply"), {S.REVIEWING}, {S.REPLIED}, {RoleKind.REVIEWER}, "lead"),
    "return_reply": _t(_("Send reply back"), {S.REVIEWING}, {S.PROCESSING}, {RoleKind.REVIEWER}, "lead"),
    "edit_publication": _t(
        _("Edit publication"),
        {S.ACCEPTED, S.DISPATCHED, S.PROCESSING, S.REVIEWING, S.REPLIED, S.DISPUTED, S.CLOSED},
        set(), INTAKE, "site",
    ),
    "rate": _t(_("Rate the reply"), {S.REPLIED}, {S.CLOSED, S.PROCESSING, S.DISPUTED}, set(), "citizen"),
    "reveal_contact": _t(
        _("Reveal the citizen's contact"), set(Status.values), set(), _ALL_STAFF, "handling",
    ),
    "decide": _t(
        _("Decide on a dissatisfied case"), {S.DISPUTED}, {S.PROCESSING, S.CLOSED},
        {RoleKind.SUPERVISOR, RoleKind.ADMIN}, "site",
    ),
}


def allowed_from(action: str, status: str) -> bool:
    return status in TRANSITIONS[action].sources


def possible_targets(status: str) -> set[str]:
    """Every status reachable in one step from `status` (used by the invariant tests)."""
    out: set[str] = set()
    for transition in TRANSITIONS.values():
        if status in transition.sources:
            out |= set(transition.targets) or {status}
    return out
