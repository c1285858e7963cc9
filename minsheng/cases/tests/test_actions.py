"""The write path: each action changes the case, leaves an audit event and queues notifications."""

from __future__ import annotations

import pytest
from django.core import mail

from minsheng.cases import actions
from minsheng.cases.actions import ActionError, StaleCase
from minsheng.cases.models import CaseEvent, Rating, Status
from minsheng.cases.tracking import password_matches
from minsheng.conftest import submit_case
from minsheng.notifications import sms
from minsheng.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def _clear_sms_outbox():
    sms.outbox.clear()


def test_submitting_registers_a_case_with_tracking_code_and_password(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit_case(world)
    case = submission.case
    assert case.status == Status.SUBMITTED
    assert len(case.tracking_code) == 14
    assert password_matches(case.tracking_code, submission.password, case.query_password_digest)
    assert case.events.get().action == "submit"
    assert any(submission.password in text for _phone, text in sms.outbox)
    assert mail.outbox and case.tracking_code in mail.outbox[0].body


def test_personal_data_is_encrypted_in_the_database(world):
    from django.db import connection

    case = submit_case(world).case
    with connection.cursor() as cursor:
        cursor.execute("SELECT citizen_name, citizen_phone, citizen_email FROM cases_case WHERE id = %s", [case.pk])
        row = cursor.fetchone()
    assert "王建国" not in row[0] and "13812345678" not in row[1] and "wang@" not in row[2]
    case.refresh_from_db()
    assert case.citizen_phone == "13812345678"


def test_a_double_submit_with_the_same_token_creates_one_case(world):
    first = submit_case(world, submit_token="tok-1")
    second = submit_case(world, submit_token="tok-1")
    assert first.case.pk == second.case.pk
    assert second.created is False and second.password is None


def test_intake_accepts_and_the_masked_public_copy_is_prepared(world, make_case):
    case = make_case("submitted")
    actions.case_accept(case, by=world.intake)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert "13812345678" not in case.public_body and "王建国" not in case.public_body
    assert "搅拌站" in case.public_body


def test_rejection_needs_a_reason_that_the_citizen_sees(world, make_case):
    case = make_case("submitted")
    with pytest.raises(ActionError):
        actions.case_reject(case, by=world.intake, reason="  ")
    actions.case_reject(case, by=world.intake, reason="不属于本平台受理范围，请拨打110。")
    event = case.events.get(action="reject")
    assert event.public_note == "不属于本平台受理范围，请拨打110。"
    assert event.to_status == Status.REJECTED


def test_dispatch_sets_lead_assisting_and_a_working_day_deadline(world, make_case):
    case = make_case("accepted")
    actions.case_dispatch(case, by=world.intake, lead=world.dept_a, assisting=[world.dept_b])
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    assert case.lead_department == world.dept_a
    assert {a.role for a in case.assignments.all()} == {"lead", "assisting"}
    assert case.due_at is not None and case.due_at > case.dispatched_at


def test_city_intake_can_dispatch_to_a_district_department(world, make_case):
    case = make_case("accepted")
    actions.case_dispatch(case, by=world.intake, lead=world.district_dept)
    case.refresh_from_db()
    actions.case_receive(case, by=world.district_handler)
    case.refresh_from_db()
    assert case.status == Status.PROCESSING


def test_handler_of_another_department_cannot_sign_for_the_case(world, make_case):
    case = make_case("dispatched")
    with pytest.raises(ActionError):
        actions.case_receive(case, by=world.handler_b)


def test_an_illegal_transition_gives_a_clear_message(world, make_case):
    case = make_case("submitted")
    with pytest.raises(ActionError, match=r"不可|not possible|状态"):
        actions.case_receive(case, by=world.handler_a)


def test_an_action_on_a_stale_version_is_refused(world, make_case):
    case = make_case("submitted")
    old_version = case.version
    actions.case_accept(case, by=world.intake)
    with pytest.raises(StaleCase):
        actions.case_reject(case, by=world.intake, reason="重复", expected_version=old_version)


def test_reviewer_sends_back_and_the_handler_resubmits(world, make_case):
    case = make_case("reviewing")
    actions.case_return_reply(case, by=world.reviewer_a, comment="请写明处理依据")
    case.refresh_from_db()
    assert case.status == Status.PROCESSING
    actions.case_submit_reply(case, by=world.handler_a, body="依据《噪声污染防治法》已责令整改。")
    case.refresh_from_db()
    assert case.status == Status.REVIEWING
    assert case.replies.count() == 1


def test_approval_publishes_only_when_citizen_and_intake_agree(world, make_case):
    case = make_case("replied")
    assert case.published_at is not None
    private = submit_case(world, wants_public=False).case
    actions.case_accept(private, by=world.intake)
    private.refresh_from_db()
    actions.case_dispatch(private, by=world.intake, lead=world.dept_a)
    private.refresh_from_db()
    actions.case_receive(private, by=world.handler_a)
    private.refresh_from_db()
    actions.case_submit_reply(private, by=world.handler_a, body="已处理。")
    private.refresh_from_db()
    actions.case_approve_reply(private, by=world.reviewer_a)
    private.refresh_from_db()
    assert private.status == Status.REPLIED and private.published_at is None


def test_satisfied_rating_closes_the_case(world, make_case):
    case = make_case("replied")
    actions.case_rate(case, satisfaction="satisfied", solved=True, comment="谢谢")
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.closed_at is not None
    assert Rating.objects.get(case=case).solved is True


def test_first_dissatisfaction_reopens_for_redo_and_second_goes_to_supervisor(world, make_case):
    case = make_case("replied")
    actions.case_rate(case, satisfaction="dissatisfied", solved=False)
    case.refresh_from_db()
    assert case.status == Status.PROCESSING and case.redo_count == 1
    actions.case_submit_reply(case, by=world.handler_a, body="再次核查后已拆除违建。")
    case.refresh_from_db()
    actions.case_approve_reply(case, by=world.reviewer_a)
    case.refresh_from_db()
    actions.case_rate(case, satisfaction="dissatisfied", solved=False)
    case.refresh_from_db()
    assert case.status == Status.DISPUTED
    with pytest.raises(ActionError):
        actions.case_decide(case, by=world.handler_a, decision="close", justification="x")
    actions.case_decide(case, by=world.supervisor, decision="close", justification="诉求已依法答复")
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_merging_a_duplicate_points_to_the_surviving_case(world, make_case):
    original = make_case("accepted")
    duplicate = make_case("submitted")
    actions.case_merge(duplicate, by=world.intake, into=original)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == original
    with pytest.raises(ActionError):
        actions.case_merge(original, by=world.intake, into=original)


def test_citizen_adds_information_and_the_case_returns_to_intake(world, make_case):
    case = make_case("submitted")
    actions.case_request_info(case, by=world.intake, message="请补充具体地址")
    case.refresh_from_db()
    actions.case_supplement(case, text="地址是幸福路88号旁")
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and "幸福路88号" in case.body


def test_every_transition_writes_one_audit_event_with_actor(world, make_case):
    case = make_case("replied")
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert [e.action for e in events] == ["submit", "accept", "dispatch", "receive", "submit_reply", "approve_reply"]
    assert events[0].actor_kind == "citizen" and events[1].actor == world.intake
    assert all(e.to_status for e in events)


def test_notifications_are_not_sent_twice_for_the_same_occasion(world, make_case):
    case = make_case("accepted")
    from minsheng.notifications.services import notify_citizen

    before = Notification.objects.filter(case=case).count()
    notify_citizen(case, "accepted", occasion="accept")
    assert Notification.objects.filter(case=case).count() == before


def test_revealing_the_contact_is_audited(world, make_case):
    case = make_case("dispatched")
    actions.case_reveal_contact(case, by=world.handler_a)
    event = case.events.get(action="reveal_contact")
    assert event.actor == world.handler_a
    with pytest.raises(ActionError):
        actions.case_reveal_contact(case, by=world.handler_b)
