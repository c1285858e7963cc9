"""The citizen answers a return visit (回访) through the link sent by SMS."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from minsheng.cases import actions
from minsheng.cases.models import Case, CaseEvent, Followup, FollowupState, Satisfaction, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def visit(world, make_case) -> Followup:
    case = make_case("replied")
    actions.case_rate(case, satisfaction=Satisfaction.BASIC, solved=True)
    followup = actions.case_create_followup(Case.objects.get(pk=case.pk), method="sms")
    assert followup is not None
    return followup


def url(visit: Followup) -> str:
    return reverse("portal:followup", args=[visit.token])


def test_the_link_shows_the_questions_without_personal_data(client, visit):
    response = client.get(url(visit))
    content = response.content.decode()
    assert response.status_code == 200 and 'id="followup-form"' in content
    assert visit.case.tracking_code in content
    assert "王建国" not in content and "13812345678" not in content


def test_the_citizen_answers_once_and_a_solved_case_stays_closed(client, visit):
    response = client.post(url(visit), {"satisfaction": "satisfied", "solved": "1", "comment": "处理及时"}, follow=True)
    assert response.status_code == 200
    visit.refresh_from_db()
    assert visit.state == FollowupState.DONE and visit.solved is True and visit.satisfaction == "satisfied"
    assert visit.answer == "处理及时" and visit.recorded_by is None
    assert Case.objects.get(pk=visit.case_id).status == Status.CLOSED
    assert CaseEvent.objects.filter(case=visit.case, action="answer_followup", actor_kind="citizen").exists()
    # The link works once: a second answer changes nothing and says so.
    again = client.post(url(visit), {"satisfaction": "dissatisfied", "solved": "0"})
    assert again.status_code == 200 and 'id="followup-state"' in again.content.decode()
    assert 'id="followup-form"' not in again.content.decode()
    visit.refresh_from_db()
    assert visit.satisfaction == "satisfied"
    assert Case.objects.get(pk=visit.case_id).status == Status.CLOSED


def test_not_solved_reopens_the_case_for_redo(client, visit):
    client.post(url(visit), {"satisfaction": "dissatisfied", "solved": "0", "comment": "夜间仍在施工"})
    case = Case.objects.get(pk=visit.case_id)
    assert case.status == Status.PROCESSING and case.redo_count == 1 and case.due_at is not None
    page = client.get(url(visit)).content.decode()
    assert 'id="followup-state"' in page and 'id="followup-form"' not in page


def test_an_unknown_token_gets_a_clear_page_not_an_error(client, world):
    for token in ("nope", "x" * 300, "%E4%BD%A0%E5%A5%BD"):
        response = client.get(f"/followup/{token}/")
        assert response.status_code == 404 and 'id="followup-state"' in response.content.decode()
        response = client.post(f"/followup/{token}/", {"satisfaction": "satisfied", "solved": "1"})
        assert response.status_code == 404


def test_an_incomplete_answer_shows_the_form_again(client, visit):
    response = client.post(url(visit), {"comment": "没选"})
    assert response.status_code == 200 and response.context["form"].errors
    visit.refresh_from_db()
    assert visit.state == FollowupState.PENDING


def test_a_visit_already_recorded_by_staff_is_closed_for_the_citizen(client, world, visit):
    actions.case_record_followup(visit, by=world.intake, reached=False, answer="短信未回复，电话无人接听")
    response = client.post(url(visit), {"satisfaction": "satisfied", "solved": "1"})
    assert response.status_code == 200 and 'id="followup-form"' not in response.content.decode()
    visit.refresh_from_db()
    assert visit.state == FollowupState.UNREACHABLE


@override_settings(RATE_TRACK="2/h")
def test_answers_are_rate_limited(client, visit):
    for _ in range(2):
        client.post(url(visit), {"comment": "incomplete"})
    response = client.post(url(visit), {"satisfaction": "satisfied", "solved": "1"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    visit.refresh_from_db()
    assert visit.state == FollowupState.PENDING
