"""Staff pages: scoped to site and department, each action reachable and refusing bad input."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from minsheng.cases.models import Case, CaseEvent, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _login(client, user):
    client.force_login(user)
    return client


def _case_urls(case: Case) -> list[tuple[str, str]]:
    urls = [
        ("get", reverse("workbench:case", args=[case.pk])),
        ("post", reverse("workbench:reveal_contact", args=[case.pk])),
        ("get", reverse("workbench:attachment", args=[case.pk, 1])),
    ]
    for name in ("accept", "reject", "request_info", "merge", "classify", "dispatch", "receive", "reply",
                 "approve_reply", "return_reply", "edit_publication", "decide"):
        urls.append(("post", reverse("workbench:act", args=[case.pk, name])))
    return urls


def test_handler_of_other_department_gets_404_on_every_case_view(client, world, make_case):
    case = make_case("processing")
    _login(client, world.handler_b)
    for method, url in _case_urls(case):
        response = getattr(client, method)(url, {"version": case.version})
        assert response.status_code == 404, url
    case.refresh_from_db()
    assert case.status == Status.PROCESSING


def test_staff_of_another_site_gets_404(client, world, make_case):
    case = make_case("submitted")
    _login(client, world.district_handler)
    assert client.get(reverse("workbench:case", args=[case.pk])).status_code == 404


def test_handler_of_the_lead_department_sees_the_case(client, world, make_case):
    case = make_case("processing")
    _login(client, world.handler_a)
    response = client.get(reverse("workbench:case", args=[case.pk]))
    assert response.status_code == 200
    assert "reply" in response.context


def test_queue_lists_only_cases_in_scope(client, world, make_case):
    mine = make_case("dispatched")
    make_case("submitted")
    _login(client, world.handler_a)
    response = client.get(reverse("workbench:queue"))
    assert [c.pk for c in response.context["page"].object_list] == [mine.pk]


def test_assisting_department_sees_the_case_but_cannot_sign_for_it(client, world, make_case):
    from minsheng.cases import actions

    case = make_case("accepted")
    actions.case_dispatch(case, by=world.intake, lead=world.dept_a, assisting=[world.dept_b])
    _login(client, world.handler_b)
    assert client.get(reverse("workbench:case", args=[case.pk])).status_code == 200
    case.refresh_from_db()
    client.post(reverse("workbench:act", args=[case.pk, "receive"]), {"version": case.version})
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED


def test_anonymous_visitors_are_sent_to_login(client, world, make_case):
    case = make_case("submitted")
    response = client.get(reverse("workbench:case", args=[case.pk]))
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_a_user_without_roles_gets_404(client, world, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x-long-password-1")
    _login(client, nobody)
    assert client.get(reverse("workbench:home")).status_code == 404


def test_queue_counts_per_status(client, world, make_case):
    make_case("submitted")
    make_case("submitted")
    make_case("accepted")
    _login(client, world.intake)
    response = client.get(reverse("workbench:home"))
    counts = {status: n for status, _label, n in response.context["queues"]}
    assert counts["submitted"] == 2 and counts["accepted"] == 1


def test_the_whole_journey_through_staff_pages(client, world, make_case):
    case = make_case("submitted")
    act = lambda name, data, user: _login(client, user).post(  # noqa: E731
        reverse("workbench:act", args=[case.pk, name]), {"version": Case.objects.get(pk=case.pk).version, **data}
    )
    act("classify", {"category": world.category.pk, "priority": "normal"}, world.intake)
    act("accept", {"publish_agreed": "on"}, world.intake)
    act("dispatch", {"lead": world.dept_a.pk, "assisting": [world.dept_b.pk], "note": "请核实"}, world.intake)
    act("receive", {}, world.handler_a)
    act("reply", {"body": "已责令停工整改。"}, world.handler_a)
    act("reply", {"body": "已责令停工整改，依据《噪声污染防治法》。", "submit_for_review": "1"}, world.handler_a)
    act("return_reply", {"comment": "请写联系电话"}, world.reviewer_a)
    act("reply", {"body": "已责令停工整改，依据《噪声污染防治法》。咨询电话0731-12345。", "submit_for_review": "1"},
        world.handler_a)
    act("approve_reply", {"comment": "同意"}, world.reviewer_a)
    case.refresh_from_db()
    assert case.status == Status.REPLIED and case.category == world.category and case.published_at
    actions_seen = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions_seen == ["submit", "classify", "accept", "dispatch", "receive", "save_draft", "submit_reply",
                            "return_reply", "submit_reply", "approve_reply"]


def test_a_stale_form_gets_reload_message_and_changes_nothing(client, world, make_case):
    case = make_case("submitted")
    _login(client, world.intake)
    stale = case.version
    client.post(reverse("workbench:act", args=[case.pk, "accept"]), {"version": stale})
    response = client.post(
        reverse("workbench:act", args=[case.pk, "reject"]), {"version": stale, "reject-reason": "x",
                                                               "reject-version": stale}, follow=True)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert any("reload" in str(m).lower() or "刷新" in str(m) or "重新" in str(m) for m in response.context["messages"])


def test_an_illegal_action_gets_a_message_not_a_500(client, world, make_case):
    case = make_case("submitted")
    _login(client, world.intake)
    response = client.post(reverse("workbench:act", args=[case.pk, "dispatch"]),
                           {"version": case.version, "lead": world.dept_a.pk}, follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])
    response = client.post(reverse("workbench:act", args=[case.pk, "accept"]), {"version": "abc"}, follow=True)
    assert response.status_code == 200


def test_unknown_action_name_is_404(client, world, make_case):
    case = make_case("submitted")
    _login(client, world.intake)
    assert client.post(reverse("workbench:act", args=[case.pk, "explode"])).status_code == 404


def test_contact_is_hidden_until_revealed_and_the_reveal_is_audited(client, world, make_case):
    case = make_case("processing")
    _login(client, world.handler_a)
    page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert 'id="contact"' not in page and "wang@example.com" not in page
    page = client.post(reverse("workbench:reveal_contact", args=[case.pk]), follow=True).content.decode()
    assert 'id="contact"' in page and "wang@example.com" in page
    assert CaseEvent.objects.filter(case=case, action="reveal_contact", actor=world.handler_a).exists()


def test_merge_by_tracking_code(client, world, make_case):
    original = make_case("accepted")
    duplicate = make_case("submitted")
    _login(client, world.intake)
    client.post(reverse("workbench:act", args=[duplicate.pk, "merge"]),
                {"version": duplicate.version, "into": original.tracking_code.lower()})
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original
    response = client.post(reverse("workbench:act", args=[original.pk, "merge"]),
                           {"version": original.version, "into": "NOPE"}, follow=True)
    assert list(response.context["messages"])


def test_staff_login_page_and_bad_password(client, world):
    response = client.post(reverse("workbench:login"), {"username": "intake", "password": "wrong"})
    assert response.status_code == 200 and response.context["form"].errors


def test_queue_page_query_count_does_not_grow_with_rows(client, world, make_case, django_assert_max_num_queries):
    for _ in range(5):
        make_case("dispatched")
    _login(client, world.intake)
    with django_assert_max_num_queries(12):
        client.get(reverse("workbench:queue"))
