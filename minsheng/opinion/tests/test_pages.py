"""Staff pages: topic list and topic page, scoped to the user's site and department."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.cases import actions as case_actions
from minsheng.conftest import TEST_PASSWORD
from minsheng.opinion import engine
from minsheng.opinion.models import Topic
from minsheng.opinion.tests.conftest import NOISE, submit_many
from minsheng.sites.models import Site

pytestmark = pytest.mark.django_db


def login(client, username: str) -> None:  # type: ignore[no-untyped-def]
    assert client.login(username=username, password=TEST_PASSWORD)


@pytest.fixture
def noise_topic(world) -> Topic:  # type: ignore[no-untyped-def]
    cases = submit_many(world, NOISE)
    for case in cases[:2]:  # two of them led by department A, answered by one
        case_actions.case_accept(case, by=world.intake)
        case.refresh_from_db()
        case_actions.case_dispatch(case, by=world.intake, lead=world.dept_a)
    case = cases[0]
    case.refresh_from_db()
    case_actions.case_receive(case, by=world.handler_a)
    case.refresh_from_db()
    case_actions.case_submit_reply(case, by=world.handler_a, body="已责令搅拌站夜间停工，并安装降噪设施。")
    case.refresh_from_db()
    case_actions.case_approve_reply(case, by=world.reviewer_a)
    engine.assign_new(world.city)
    return Topic.objects.get(title__contains="搅拌站")


@pytest.fixture
def other_site_supervisor(world) -> User:  # type: ignore[no-untyped-def]
    other = Site.objects.create(code="b-city", name="B市人民政府")
    user = User.objects.create_user(username="b_super", password=TEST_PASSWORD)
    Role.objects.create(user=user, kind=RoleKind.SUPERVISOR, site=other)
    return user


def test_the_supervisor_sees_the_sites_topics_with_figures_and_a_sparkline(client, world, noise_topic):
    login(client, "supervisor")
    with translation.override("en"):
        response = client.get(reverse("opinion_staff:topics"), HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode()
    assert response.status_code == 200
    assert noise_topic.title in content and 'class="spark"' in content
    assert reverse("opinion_staff:topic", args=[noise_topic.pk]) in content


def test_the_topic_list_is_in_chinese_by_default(client, world, noise_topic):
    login(client, "supervisor")
    content = client.get(reverse("opinion_staff:topics")).content.decode()
    assert "热点话题" in content and "舆情" in content


def test_the_topic_page_shows_cases_timeline_and_departments(client, world, noise_topic):
    login(client, "supervisor")
    response = client.get(reverse("opinion_staff:topic", args=[noise_topic.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in content  # the timeline chart, drawn on the server
    assert world.dept_a.name in content and "已责令搅拌站夜间停工" in content
    assert content.count(reverse("workbench:case", args=[0]).replace("/0/", "/")) >= 4


def test_the_topic_page_shows_a_case_not_yet_accepted_by_the_title_its_public_copy_will_have(client, world,
                                                                                           noise_topic):
    from django.utils.html import escape

    from minsheng.cases.models import Case, Status

    waiting = Case.objects.filter(topic_membership__topic=noise_topic, status=Status.SUBMITTED).first()
    assert waiting is not None
    Case.objects.filter(pk=waiting.pk).update(title="张三再次反映幸福家园旁搅拌站噪音")
    waiting.refresh_from_db()
    login(client, "supervisor")
    content = client.get(reverse("opinion_staff:topic", args=[noise_topic.pk])).content.decode()
    assert "张三" not in content
    assert escape(case_actions.public_copy(waiting)[0]) in content
    case_actions.case_accept(waiting, by=world.intake)
    waiting.refresh_from_db()
    assert escape(waiting.public_title) in client.get(reverse("opinion_staff:topic", args=[noise_topic.pk])).content.decode()


def test_the_topic_list_does_not_run_a_query_per_topic(client, world, noise_topic, django_assert_max_num_queries):
    submit_many(world, [("金桂苑业主子女入学难", "金桂苑小区孩子不能在对口实验小学入学。")], start=30)
    engine.assign_new(world.city)
    login(client, "supervisor")
    client.get(reverse("opinion_staff:topics"))
    with django_assert_max_num_queries(15):
        client.get(reverse("opinion_staff:topics"))


def test_a_handler_sees_only_the_cases_of_their_department_in_a_topic(client, world, noise_topic):
    login(client, "handler_a")
    response = client.get(reverse("opinion_staff:topic", args=[noise_topic.pk]))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2 and response.context["hidden"] == 2


def test_a_handler_of_an_uninvolved_department_cannot_open_the_topic(client, world, noise_topic):
    login(client, "handler_b")
    assert client.get(reverse("opinion_staff:topic", args=[noise_topic.pk])).status_code == 404
    assert noise_topic.title not in client.get(reverse("opinion_staff:topics")).content.decode()


def test_a_district_handler_cannot_open_a_city_topic(client, world, noise_topic):
    login(client, "district_handler")
    assert client.get(reverse("opinion_staff:topic", args=[noise_topic.pk])).status_code == 404


def test_another_sites_supervisor_cannot_open_the_topic(client, world, noise_topic, other_site_supervisor):
    login(client, "b_super")
    assert client.get(reverse("opinion_staff:topic", args=[noise_topic.pk])).status_code == 404
    assert noise_topic.title not in client.get(reverse("opinion_staff:topics")).content.decode()


def test_anonymous_visitors_are_sent_to_the_login(client, world, noise_topic):
    response = client.get(reverse("opinion_staff:topic", args=[noise_topic.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_user_without_a_staff_role_gets_404(client, world, noise_topic):
    User.objects.create_user(username="nobody", password=TEST_PASSWORD)
    login(client, "nobody")
    assert client.get(reverse("opinion_staff:topics")).status_code == 404


def test_the_workbench_nav_links_to_public_opinion(client, world):
    login(client, "intake")
    content = client.get(reverse("workbench:home")).content.decode()
    assert reverse("opinion_staff:topics") in content


def test_an_unknown_topic_is_404(client, world):
    login(client, "supervisor")
    assert client.get(reverse("opinion_staff:topic", args=[999999])).status_code == 404
