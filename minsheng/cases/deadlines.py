"""Deadline rules → due times for every stage, on the statutory calendar corrected by the
administrators' rows.

Rule resolution: among the DeadlineRule rows for a stage, those whose non-empty fields all match the
case are candidates; the most specific wins, compared field by field in this order: priority, then
site, then category (a rule on a parent category covers its children, a deeper one is more
specific), then channel kind. Priority comes first because it is intake's judgement about this very
case: a site's or a category's ordinary limit ("reply in 5 working days") must not quietly turn an
emergency's 2 clock hours into 5 days. A channel's own reply limit (Channel.reply_working_days)
counts as a rule naming the channel kind, so it beats the global default but not a rule for a
priority, a site or a category.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from minsheng.cases.models import Case, CaseEvent, DeadlineRule, DeadlineUnit, ExtensionRequest, Stage, Status
from minsheng.cases.workflow import OPEN_STATUSES
from minsheng.lib.workdays import WorkCalendar, calendar_from_rows, default_calendar
from minsheng.sites.models import CalendarDay, Category

COMPLEX_REPLY_WORKING_DAYS = 15
FALLBACK = {  # used only if an administrator deleted every rule for a stage
    Stage.ACCEPT: (1, DeadlineUnit.WORKING_DAYS),
    Stage.DISPATCH: (1, DeadlineUnit.WORKING_DAYS),
    Stage.RECEIVE: (1, DeadlineUnit.WORKING_DAYS),
    Stage.CONTACT: (2, DeadlineUnit.WORKING_DAYS),
    Stage.REPLY: (7, DeadlineUnit.WORKING_DAYS),
}
# The Case field holding each stage's deadline.
DUE_FIELDS: dict[str, str] = {Stage.ACCEPT: "accept_due_at", Stage.DISPATCH: "dispatch_due_at",
                              Stage.RECEIVE: "receive_due_at", Stage.CONTACT: "contact_due_at",
                              Stage.REPLY: "due_at"}
# Red lines from government-website inspection: unanswered for 2 months is flagged, 3 is critical.
REDLINE_FLAG = timedelta(days=61)
REDLINE_CRITICAL = timedelta(days=92)
# The statuses in which an open supervision's (督办) clock runs: the case open and not waiting for the
# citizen's material, whether the department waits (`pause`) or intake does (`request_info`, also
# after a transfer that kept the supervision). The wait is given back when it ends (cases.actions).
SUPERVISION_CLOCK_RUNS = frozenset(OPEN_STATUSES - {Status.NEED_INFO})


@cache
def _statutory() -> WorkCalendar:
    return default_calendar()


def work_calendar() -> WorkCalendar:
    """The calendar in force. Rows are read on every call, not cached in the process, so that an
    administrator's correction takes effect in every web and worker process at once."""
    rows = tuple(CalendarDay.objects.order_by("day").values_list("day", "is_workday"))
    return _with_rows(rows)


@cache
def _with_rows(rows: tuple[tuple[object, bool], ...]) -> WorkCalendar:
    return calendar_from_rows(rows, base=_statutory())  # type: ignore[arg-type]


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str
    source: str  # which rule gave it, for the audit trail and the staff page

    def due(self, start: datetime, calendar: WorkCalendar | None = None) -> datetime:
        calendar = calendar or work_calendar()
        if self.unit == DeadlineUnit.CLOCK_HOURS:
            return calendar.due_at(start, clock_hours=self.amount)
        return calendar.due_at(start, working_days=self.amount)


def _category_depths(category: Category | None) -> dict[int, int]:
    """Category id → depth for the case's category and its ancestors (deeper = more specific)."""
    chain: list[int] = []
    node = category
    while node is not None:
        chain.append(node.pk)
        node = node.parent if node.parent_id else None
    return {pk: len(chain) - i for i, pk in enumerate(chain)}


def limit_for(case: Case, stage: str) -> Limit:
    return _limit_among(case, stage, DeadlineRule.objects.filter(stage=stage).order_by("pk"))


def _limit_among(case: Case, stage: str, rules: Iterable[DeadlineRule]) -> Limit:
    """The most specific of `rules` (the stage's rules) that applies to the case; see the module doc.
    Of two equally specific rules the first (lowest id) wins."""
    depths = _category_depths(case.category)
    best: tuple[tuple[int, int, int, int], Limit] | None = None  # (score, limit)
    for rule in rules:
        if rule.site_id is not None and rule.site_id != case.site_id:
            continue
        if rule.category_id is not None and rule.category_id not in depths:
            continue
        if rule.channel_kind and rule.channel_kind != case.channel.kind:
            continue
        if rule.priority and rule.priority != case.priority:
            continue
        score = (
            int(bool(rule.priority)),
            int(rule.site_id is not None),
            depths.get(rule.category_id, 0) if rule.category_id else 0,
            int(bool(rule.channel_kind)),
        )
        candidate = Limit(rule.amount, rule.unit, f"rule {rule.pk}")
        if best is None or score > best[0]:
            best = (score, candidate)
    if stage == Stage.REPLY and case.channel.reply_working_days:
        channel_score = (0, 0, 0, 1)
        if best is None or channel_score > best[0]:
            best = (channel_score, Limit(case.channel.reply_working_days, DeadlineUnit.WORKING_DAYS, "channel"))
    if best is None:
        amount, unit = FALLBACK[Stage(stage)]
        return Limit(amount, unit, "fallback")
    return best[1]


def stage_due(case: Case, stage: str, start: datetime) -> datetime:
    return limit_for(case, stage).due(start)


def reply_due(case: Case, start: datetime) -> datetime:
    """When the reply is due for a case dispatched (or reopened) at `start`."""
    if case.is_complex:
        return work_calendar().due_at(start, working_days=COMPLEX_REPLY_WORKING_DAYS)
    return stage_due(case, Stage.REPLY, start)


# -- recomputing a running deadline ---------------------------------------------------------------
#
# A deadline is its rule applied from the moment its stage started, moved by every pause of the clock
# and every approved extension since. When the rule changes for a case already in the stage (intake
# changes the priority, a supervisor approves the complex-case limit), the deadline is recomputed
# from that start and the pauses and extensions are applied again, in the order they happened, from
# the audit trail: counting from dispatch alone would hand back time the citizen took and time a
# supervisor granted, and after a redo it would count from the wrong start.

# Events that start a stage's clock. A forward (the leader's office passing the letter on) restarts
# receipt but keeps the reply clock; a redo is a rating, decision or return visit that reopens.
_REDO_ACTIONS = frozenset({"rate", "decide", "followup", "answer_followup"})


def _is_redo(event: CaseEvent) -> bool:
    return event.action in _REDO_ACTIONS and event.to_status == Status.PROCESSING


def _starts_stage(event: CaseEvent, stage: str) -> bool:
    if stage == Stage.ACCEPT:
        return event.action in ("submit", "transfer") or (
            event.action == "supplement" and event.to_status == Status.SUBMITTED)
    if stage == Stage.DISPATCH:
        return event.action in ("accept", "undo_auto_dispatch") or (
            event.action in ("return", "decide_return") and event.to_status == Status.RETURNED)
    if stage == Stage.RECEIVE:
        return event.action in ("dispatch", "auto_dispatch", "forward")
    if stage == Stage.CONTACT:
        return event.action == "receive" or _is_redo(event)
    return event.action in ("dispatch", "auto_dispatch") or _is_redo(event)  # Stage.REPLY


def runs_in_clock_hours(case: Case, stage: str) -> bool:
    """Whether the stage's deadline counts clock hours (pauses then move it by their exact length)
    rather than working days. Urgent cases run on clock hours too, not only emergencies (see the
    shipped rules); the complex-case limit is in working days whatever the priority."""
    if stage == Stage.REPLY and case.is_complex:
        return False
    return limit_for(case, stage).unit == DeadlineUnit.CLOCK_HOURS


def recomputed_due(case: Case, stage: str, calendar: WorkCalendar | None = None, *,
                   as_of: datetime | None = None) -> datetime | None:
    """The deadline of `stage` for the case as it stands (priority, complexity, rules), from the start
    of the stage's current clock, with the finished pauses and (for the reply) the approved
    extensions since then applied in order. A pause still running is left out: ending it moves the
    deadline as usual. None if the stage never started.

    `as_of`: only the events up to that moment count, for a stage the case has left that later events
    must not move (the first contact ends its clock: a later pause or redo leaves it as it was)."""
    return recomputed_dues(case, (stage,), calendar, as_of=as_of)[stage]


def recomputed_dues(case: Case, stages: Iterable[str], calendar: WorkCalendar | None = None, *,
                    as_of: datetime | None = None) -> dict[str, datetime | None]:
    """`recomputed_due` for several stages of the case at once, each as that function says. The audit
    trail and the stages' rules are read once (one query each), and the extension requests once if
    the trail holds an extension decision, however many stages and events: recomputing every running
    stage after a change of priority costs the same few queries."""
    stages = tuple(stages)
    calendar = calendar or work_calendar()
    events = list(case.events.order_by("created_at", "id"))
    if as_of is not None:
        events = [event for event in events if event.created_at <= as_of]
    rules: dict[str, list[DeadlineRule]] = {stage: [] for stage in stages}
    for rule in DeadlineRule.objects.filter(stage__in=stages).order_by("pk"):
        rules[rule.stage].append(rule)
    extension_days: dict[int, int] = {}
    if Stage.REPLY in stages and any(event.action == "decide_extension" for event in events):
        extension_days = dict(ExtensionRequest.objects.filter(case=case).values_list("pk", "working_days"))
    return {stage: _replayed_due(case, stage, events, rules[stage], extension_days, calendar) for stage in stages}


def _replayed_due(case: Case, stage: str, events: list[CaseEvent], rules: list[DeadlineRule],
                  extension_days: dict[int, int], calendar: WorkCalendar) -> datetime | None:
    start_index = next((i for i in range(len(events) - 1, -1, -1) if _starts_stage(events[i], stage)), None)
    if start_index is None:
        return None
    start = events[start_index].created_at
    if stage == Stage.REPLY and case.is_complex:  # as reply_due and runs_in_clock_hours
        due, clock_hours = calendar.due_at(start, working_days=COMPLEX_REPLY_WORKING_DAYS), False
    else:
        limit = _limit_among(case, stage, rules)
        due, clock_hours = limit.due(start, calendar), limit.unit == DeadlineUnit.CLOCK_HOURS
    if stage not in (Stage.CONTACT, Stage.REPLY):
        return due  # no pause or extension applies before the department holds the case
    paused_from: datetime | None = None
    for event in events[start_index + 1:]:
        if event.action == "pause":
            paused_from = event.created_at
        elif event.action in ("resume", "supplement") and paused_from is not None:
            due = calendar.shift_for_pause(due, paused_from, event.created_at, clock_hours=clock_hours)
            paused_from = None
        elif (stage == Stage.REPLY and event.action == "decide_extension" and event.data.get("approved")
              and event.data.get("request") in extension_days):
            # A complex-case approval has 0 days: its longer limit is already in the first due.
            due = calendar.extend(due, extension_days[event.data["request"]])
    return due


def running_deadlines(case: Case) -> list[tuple[str, datetime]]:
    """Every stage deadline whose clock runs for the case as it stands, earliest first; empty while
    no clock runs (waiting for the citizen, waiting for the citizen's rating, closed)."""
    if case.paused_at is not None:
        return []
    candidates: list[tuple[str, datetime | None]] = []
    status = case.status
    if status == Status.SUBMITTED:
        candidates = [(Stage.ACCEPT, case.accept_due_at)]
    elif status in (Status.ACCEPTED, Status.RETURNED):
        candidates = [(Stage.DISPATCH, case.dispatch_due_at)]
    elif status == Status.DISPATCHED:
        candidates = [(Stage.RECEIVE, case.receive_due_at), (Stage.REPLY, case.due_at)]
    elif status == Status.PROCESSING:
        if case.first_contact_at is None:
            candidates.append((Stage.CONTACT, case.contact_due_at))
        candidates.append((Stage.REPLY, case.due_at))
    elif status == Status.REVIEWING:
        candidates = [(Stage.REPLY, case.due_at)]
    return sorted(((stage, due) for stage, due in candidates if due is not None), key=lambda item: item[1])


def current_deadline(case: Case) -> tuple[str, datetime] | None:
    """The stage whose deadline comes first for the case as it stands, or None while no clock runs."""
    running = running_deadlines(case)
    return running[0] if running else None


def refresh_next_due(case: Case) -> None:
    current = current_deadline(case)
    case.next_due_at = current[1] if current else None
