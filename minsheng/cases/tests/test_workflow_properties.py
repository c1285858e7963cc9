"""Random sequences of actions by random roles never reach an invalid state.

Hypothesis draws a list of (action, actor, case) steps; each step calls the real action. Refused
steps must change nothing; accepted steps must leave exactly one audit event whose transition is in
the workflow table. No case is ever lost.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st

from minsheng.cases import actions
from minsheng.cases.actions import ActionError
from minsheng.cases.deadlines import recomputed_due
from minsheng.cases.models import AssignmentRole, Case, CaseEvent, ReplyStatus, Stage, Status
from minsheng.cases.workflow import IN_DEPARTMENT, TERMINAL_STATUSES, TRANSITIONS, possible_targets
from minsheng.conftest import submit_case

ACTORS = ["citizen", "intake", "handler_a", "handler_b", "reviewer_a", "supervisor", "district_handler"]
ACTIONS = ["accept", "reject", "request_info", "supplement", "merge", "classify", "dispatch", "dispatch_district",
           "receive", "save_draft", "submit_reply", "approve_reply", "return_reply", "edit_publication", "rate_good",
           "rate_bad", "decide_redo", "decide_close", "reveal_contact", "supervise"]

# Mostly the actor who may take the action (so deep states are reached), sometimes anyone (so
# refusals are exercised too).
RIGHT_ACTOR = {
    "accept": "intake", "reject": "intake", "request_info": "intake", "supplement": "citizen", "merge": "intake",
    "classify": "intake", "dispatch": "intake", "dispatch_district": "intake", "receive": "handler_a",
    "save_draft": "handler_a", "submit_reply": "handler_a", "approve_reply": "reviewer_a",
    "return_reply": "reviewer_a", "edit_publication": "intake", "rate_good": "citizen", "rate_bad": "citizen",
    "decide_redo": "supervisor", "decide_close": "supervisor", "reveal_contact": "handler_a",
    "supervise": "supervisor",
}
FORWARD = ["accept", "dispatch", "receive", "submit_reply", "approve_reply", "rate_bad", "decide_redo"]
TABLE_NAME = {"dispatch_district": "dispatch", "rate_good": "rate", "rate_bad": "rate", "decide_redo": "decide",
              "decide_close": "decide"}


def _draw_step(data, cases: list[Case]) -> tuple[str, str, int]:  # type: ignore[no-untyped-def]
    """Three times in four, an action the table allows from the case's current status, by the actor
    who may take it; otherwise any action by anyone."""
    index = data.draw(st.integers(0, len(cases) - 1))
    status = Case.objects.values_list("status", flat=True).get(pk=cases[index].pk)
    if data.draw(st.integers(0, 3)) < 3:
        # Exits (reject, merge) and side steps are drawn less often than the way forward, or few
        # cases would get as far as a rating or a supervisor's decision.
        possible = [a for a in ACTIONS + FORWARD * 4 if status in TRANSITIONS[TABLE_NAME.get(a, a)].sources]
        if possible:
            action = data.draw(st.sampled_from(possible))
            return action, RIGHT_ACTOR[action], index
    return data.draw(st.sampled_from(ACTIONS)), data.draw(st.sampled_from(ACTORS)), index


def _do(world, action: str, actor_name: str, case: Case, other: Case) -> None:
    by = None if actor_name == "citizen" else getattr(world, actor_name)
    v = case.version
    match action:
        case "accept":
            actions.case_accept(case, by=by, expected_version=v)
        case "reject":
            actions.case_reject(case, by=by, reason="不属于受理范围", expected_version=v)
        case "request_info":
            actions.case_request_info(case, by=by, message="请补充地址", expected_version=v)
        case "supplement":
            actions.case_supplement(case, text="补充：人民路12号", expected_version=v)
        case "merge":
            actions.case_merge(case, by=by, into=other, expected_version=v)
        case "classify":
            actions.case_classify(case, by=by, category=world.category, priority="urgent", expected_version=v)
        case "dispatch":
            actions.case_dispatch(case, by=by, lead=world.dept_a, assisting=[world.dept_b], expected_version=v)
        case "dispatch_district":
            actions.case_dispatch(case, by=by, lead=world.district_dept, expected_version=v)
        case "receive":
            actions.case_receive(case, by=by, expected_version=v)
        case "save_draft":
            actions.case_save_draft(case, by=by, body="草稿：正在核查。", expected_version=v)
        case "submit_reply":
            actions.case_submit_reply(case, by=by, body="已核查处理，依据相关规定。", expected_version=v)
        case "approve_reply":
            actions.case_approve_reply(case, by=by, expected_version=v)
        case "return_reply":
            actions.case_return_reply(case, by=by, comment="请补充依据", expected_version=v)
        case "edit_publication":
            actions.case_edit_publication(case, by=by, publish_agreed=True, public_title="标题", public_body="内容",
                                          expected_version=v)
        case "rate_good":
            actions.case_rate(case, satisfaction="satisfied", solved=True, expected_version=v)
        case "rate_bad":
            actions.case_rate(case, satisfaction="dissatisfied", solved=False, expected_version=v)
        case "decide_redo":
            actions.case_decide(case, by=by, decision="redo", justification="重新办理", expected_version=v)
        case "decide_close":
            actions.case_decide(case, by=by, decision="close", justification="已依法答复", expected_version=v)
        case "reveal_contact":
            actions.case_reveal_contact(case, by=by)
        case "supervise":
            actions.case_supervise(case, by=by, instruction="限期办理", working_days=3, expected_version=v)


def _check_invariants(case: Case) -> None:
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    changing = [e for e in events if e.action != "reveal_contact"]
    assert case.status in Status.values
    # every change of the case bumped the version once and left one event
    assert len(changing) == case.version - 1
    assert changing[-1].to_status == case.status
    for event in changing[1:]:
        assert event.to_status in possible_targets(event.from_status), (event.action, event.from_status)
        assert event.from_status in TRANSITIONS[event.action].sources
    if case.published_at is not None:
        assert case.wants_public and case.publish_agreed
        assert case.replies.filter(status=ReplyStatus.APPROVED).exists()
    if case.status == Status.MERGED:
        assert case.merged_into_id is not None and case.merged_into_id != case.pk
    if case.status == Status.REJECTED:
        assert events[-1].public_note or any(e.action == "reject" and e.public_note for e in events)
    if case.status in (Status.DISPATCHED, Status.PROCESSING, Status.REVIEWING):
        assert case.lead_department_id is not None and case.due_at is not None
    if case.status in (Status.DISPATCHED, Status.PROCESSING, Status.REVIEWING):
        # The reply deadline recomputed from the audit trail is the one the actions kept up to date.
        assert recomputed_due(case, Stage.REPLY) == case.due_at
    if case.status == Status.REVIEWING:
        assert case.replies.filter(status=ReplyStatus.SUBMITTED).count() == 1
    if case.status == Status.DISPUTED:
        assert case.redo_count >= 1
    # A supervision runs until the reply it asks for, or ends with the case (or follows a merge).
    open_supervisions = case.supervisions.filter(closed_at__isnull=True)
    assert case.is_supervised == open_supervisions.exists()
    if case.status in (*TERMINAL_STATUSES, Status.REPLIED):
        assert not open_supervisions.exists()
    # Assisting departments take part only while a department handles the case.
    assisting = case.assignments.filter(role=AssignmentRole.ASSISTING)
    if case.status not in IN_DEPARTMENT or case.lead_department_id is None:
        assert not assisting.filter(is_active=True).exists()
    else:  # the departments of the last dispatch, also after a redo
        dispatch = [e for e in events if e.action == "dispatch"][-1]
        assert set(assisting.filter(is_active=True).values_list("department_id", flat=True)) == set(
            dispatch.data["assisting"])
    assert not assisting.filter(is_active=True, finished_at__isnull=False).exists()


@pytest.mark.django_db
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data(), length=st.integers(1, 60))
def test_random_action_sequences_keep_every_invariant(world, data, length):
    with transaction.atomic():
        cases = [submit_case(world, wants_public=i != 1).case for i in range(3)]
        for _ in range(length):
            action, actor, index = _draw_step(data, cases)
            case = Case.objects.get(pk=cases[index].pk)
            other = Case.objects.get(pk=cases[(index + 1) % 3].pk)
            before = (case.status, case.version)
            try:
                _do(world, action, actor, case, other)
            except ActionError:
                case.refresh_from_db()
                assert (case.status, case.version) == before, "a refused action changed the case"
            case = Case.objects.get(pk=case.pk)
            _check_invariants(case)
            note_event(f"reached {case.status}")
        assert Case.objects.filter(pk__in=[c.pk for c in cases]).count() == 3
        transaction.set_rollback(True)
