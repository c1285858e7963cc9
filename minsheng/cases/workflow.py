"""Statuses and allowed transitions, in one table.

Each action names the statuses it may start from, where it leads (None: the status stays, or the
action decides between the listed targets), who may take it, and how the actor's scope is checked:
`site` (intake, supervisor, administrator of the case's site), `lead` (handler or reviewer of the
lead department), `handling` (either of those: whoever handles the case), `citizen` (holder of the
tracking code and password), `assisting` (handler of an assisting department), `system` (the
worker: no person acts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from minsheng.accounts.models import RoleKind
from minsheng.cases.models import Status

S = Status
OPEN_STATUSES = frozenset(
    {S.SUBMITTED, S.NEED_INFO, S.ACCEPTED, S.RETURNED, S.DISPATCHED, S.PROCESSING, S.REVIEWING, S.REPLIED,
     S.DISPUTED}
)
# Statuses in which a department holds the case.
IN_DEPARTMENT = {S.DISPATCHED, S.PROCESSING, S.NEED_INFO, S.REVIEWING}
# Statuses in which a case can be under supervision (督办): accepted and not yet answered.
SUPERVISABLE = frozenset({S.ACCEPTED, S.RETURNED, *IN_DEPARTMENT, S.DISPUTED})
TERMINAL_STATUSES = frozenset({S.CLOSED, S.REJECTED, S.MERGED})


@dataclass(frozen=True)
class Transition:
    label: object
    sources: frozenset[str]
    targets: frozenset[str]
    roles: frozenset[str]
    scope: str  # "site" | "lead" | "handling" | "assisting" | "citizen" | "system"


def _t(label: object, sources: Iterable[str], targets: Iterable[str], roles: Iterable[str], scope: str) -> Transition:
    return Transition(label, frozenset(sources), frozenset(targets), frozenset(roles), scope)


INTAKE = {RoleKind.INTAKE, RoleKind.ADMIN}
_ALL_STAFF = set(RoleKind.values)
TRANSITIONS: dict[str, Transition] = {
    "submit": _t(_("Submit"), set(), {S.SUBMITTED}, set(), "citizen"),
    # History from a previous system (cases/importing.py): answered cases arrive closed or replied,
    # unanswered ones enter intake.
    "import": _t(_("Import"), set(), {S.SUBMITTED, S.REPLIED, S.CLOSED}, {RoleKind.ADMIN}, "system"),
    "accept": _t(_("Accept"), {S.SUBMITTED, S.NEED_INFO}, {S.ACCEPTED}, INTAKE, "site"),
    "reject": _t(_("Reject"), {S.SUBMITTED, S.NEED_INFO, S.ACCEPTED, S.RETURNED}, {S.REJECTED}, INTAKE, "site"),
    "request_info": _t(_("Ask for more information"), {S.SUBMITTED}, {S.NEED_INFO}, INTAKE, "site"),
    "supplement": _t(_("Add information"), {S.NEED_INFO}, {S.SUBMITTED, S.PROCESSING}, set(), "citizen"),
    "merge": _t(_("Merge as duplicate"), {S.SUBMITTED, S.NEED_INFO, S.ACCEPTED}, {S.MERGED}, INTAKE, "site"),
    "classify": _t(
        _("Set category and priority"),
        {S.SUBMITTED, S.NEED_INFO, S.ACCEPTED, S.RETURNED, S.DISPATCHED, S.PROCESSING}, set(), INTAKE, "site",
    ),
    "dispatch": _t(_("Dispatch"), {S.ACCEPTED, S.RETURNED}, {S.DISPATCHED}, INTAKE, "site"),
    # The routing model's dispatch of an accepted case (minsheng/routing, where the site enables it),
    # and intake's undo of it, which puts the case back in the dispatch queue.
    "auto_dispatch": _t(_("Automatic dispatch"), {S.ACCEPTED}, {S.DISPATCHED}, set(), "system"),
    "undo_auto_dispatch": _t(
        _("Undo automatic dispatch"), {S.DISPATCHED, S.PROCESSING}, {S.ACCEPTED}, INTAKE, "site"
    ),
    "transfer": _t(
        _("Transfer to another site"), {S.SUBMITTED, S.ACCEPTED, S.RETURNED}, {S.SUBMITTED}, INTAKE, "site"
    ),
    "return": _t(
        _("Return to intake"), {S.DISPATCHED, S.PROCESSING}, {S.RETURNED}, {RoleKind.HANDLER}, "lead"
    ),
    "decide_return": _t(
        _("Decide on a late return"), {S.DISPATCHED, S.PROCESSING, S.NEED_INFO}, {S.RETURNED},
        {RoleKind.SUPERVISOR, RoleKind.ADMIN}, "site",
    ),
    "forward": _t(
        _("Forward with the leader's instruction"), {S.DISPATCHED, S.PROCESSING}, {S.DISPATCHED},
        {RoleKind.HANDLER, RoleKind.REVIEWER}, "lead",
    ),
    "assist": _t(_("Send input to the lead department"), IN_DEPARTMENT, set(), {RoleKind.HANDLER}, "assisting"),
    "record_contact": _t(_("Record contact with the citizen"), {S.PROCESSING}, set(), {RoleKind.HANDLER}, "lead"),
    "pause": _t(
        _("Wait for material from the citizen"), {S.PROCESSING}, {S.NEED_INFO}, {RoleKind.HANDLER}, "lead"
    ),
    "resume": _t(_("Resume handling"), {S.NEED_INFO}, {S.PROCESSING}, {RoleKind.HANDLER}, "lead"),
    "request_extension": _t(
        _("Request an extension"), {S.DISPATCHED, S.PROCESSING, S.NEED_INFO}, set(), {RoleKind.HANDLER}, "lead"
    ),
    "decide_extension": _t(
        _("Decide on an extension"), IN_DEPARTMENT, set(), {RoleKind.SUPERVISOR, RoleKind.ADMIN}, "site"
    ),
    "supervise": _t(_("Supervise"), SUPERVISABLE, set(), {RoleKind.SUPERVISOR, RoleKind.ADMIN}, "site"),
    # A merge carries the duplicate's open supervisions to the surviving case, where it could be
    # supervised (case_merge): recorded on the surviving case, by the intake officer who merged.
    "carry_supervision": _t(
        _("Take over the supervision of a merged case"), SUPERVISABLE, set(), INTAKE, "site",
    ),
    "remind": _t(
        _("Remind the department"), {S.ACCEPTED, S.RETURNED, *IN_DEPARTMENT}, set(),
        {RoleKind.INTAKE, RoleKind.SUPERVISOR, RoleKind.ADMIN}, "site",
    ),
    "note": _t(_("Add an internal note"), set(Status.values), set(), _ALL_STAFF, "handling"),
    "alert": _t(_("Deadline alert"), OPEN_STATUSES, set(), set(), "system"),
    "followup": _t(
        _("Record a return visit"), {S.CLOSED}, {S.CLOSED, S.PROCESSING},
        {RoleKind.INTAKE, RoleKind.SUPERVISOR, RoleKind.ADMIN}, "site",
    ),
    "schedule_followup": _t(_("Schedule a return visit"), {S.CLOSED}, set(), set(), "system"),
    "answer_followup": _t(_("Answer a return visit"), {S.CLOSED}, {S.CLOSED, S.PROCESSING}, set(), "citizen"),
    "receive": _t(_("Sign for the case"), {S.DISPATCHED}, {S.PROCESSING}, {RoleKind.HANDLER}, "lead"),
    "save_draft": _t(_("Save reply draft"), {S.PROCESSING}, set(), {RoleKind.HANDLER}, "lead"),
    "submit_reply": _t(_("Submit reply for review"), {S.PROCESSING}, {S.REVIEWING}, {RoleKind.HANDLER}, "lead"),
    "approve_reply": _t(_("Approve reply"), {S.REVIEWING}, {S.REPLIED}, {RoleKind.REVIEWER}, "lead"),
    "return_reply": _t(_("Send reply back"), {S.REVIEWING}, {S.PROCESSING}, {RoleKind.REVIEWER}, "lead"),
    "edit_publication": _t(
        _("Edit publication"),
        {S.ACCEPTED, S.RETURNED, S.DISPATCHED, S.PROCESSING, S.NEED_INFO, S.REVIEWING, S.REPLIED, S.DISPUTED,
         S.CLOSED},
        set(), INTAKE, "site",
    ),
    "rate": _t(_("Rate the reply"), {S.REPLIED}, {S.CLOSED, S.PROCESSING, S.DISPUTED}, set(), "citizen"),
    # The worker closes a reply left unrated past the site's rating window (Site.rating_window_working_days).
    "close_unrated": _t(_("Close without a rating"), {S.REPLIED}, {S.CLOSED}, set(), "system"),
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
