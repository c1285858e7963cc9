"""Public "me too" (+1, 我也关注) on published cases."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from minsheng.opinion import engine
from minsheng.opinion.models import Like, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def like_url(case) -> str:  # type: ignore[no-untyped-def]
    return reverse("opinion_public:like", kwargs={"site": "a-city", "case_pk": case.pk})


def page_url(case) -> str:  # type: ignore[no-untyped-def]
    return reverse("portal:case_detail", args=["a-city", case.pk])


def test_the_published_case_page_shows_the_button_and_the_count(client, world, make_case):
    case = make_case("replied")
    with translation.override("en"):
        content = client.get(page_url(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="like-form' in content and like_url(case) in content
    assert '<span class="like-count">0</span>' in content
    assert "opinion/like.js" in content


def test_a_like_without_javascript_redirects_back_and_counts(client, world, make_case):
    case = make_case("replied")
    response = client.post(like_url(case))
    assert response.status_code == 302 and response["Location"].startswith(page_url(case))
    assert Like.objects.filter(case=case).count() == 1
    page = client.get(page_url(case)).content.decode()
    assert '<span class="like-count">1</span>' in page and "disabled" in page


def test_the_same_browser_likes_a_case_once(client, world, make_case):
    case = make_case("replied")
    client.post(like_url(case))
    client.post(like_url(case))
    assert Like.objects.filter(case=case).count() == 1


def test_two_browsers_count_twice(world, make_case):
    case = make_case("replied")
    Client().post(like_url(case))
    Client().post(like_url(case))
    assert Like.objects.filter(case=case).count() == 2


def test_the_script_gets_json(client, world, make_case):
    case = make_case("replied")
    response = client.post(like_url(case), HTTP_ACCEPT="application/json")
    assert response.json() == {"ok": True, "count": 1, "created": True}
    again = client.post(like_url(case), HTTP_ACCEPT="application/json")
    assert again.json() == {"ok": True, "count": 1, "created": False}


def test_an_unpublished_case_cannot_be_liked(client, world, make_case):
    case = make_case("processing")
    assert client.post(like_url(case)).status_code == 404
    assert not Like.objects.exists()


def test_a_case_of_another_site_is_not_found_under_this_site(client, world, make_case):
    case = make_case("replied")
    url = reverse("opinion_public:like", kwargs={"site": "a1", "case_pk": case.pk})
    assert client.post(url).status_code == 404


def test_a_get_request_changes_nothing(client, world, make_case):
    case = make_case("replied")
    assert client.get(like_url(case)).status_code == 405
    assert not Like.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(world, make_case):
    case = make_case("replied")
    response = Client(enforce_csrf_checks=True).post(like_url(case))
    assert response.status_code == 403 and not Like.objects.exists()


def test_the_form_on_the_page_carries_a_csrf_token(world, make_case):
    case = make_case("replied")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(page_url(case)).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 2)[-1].split('"', 1)[0]
    assert browser.post(like_url(case), {"csrfmiddlewaretoken": token}).status_code == 302
    assert Like.objects.count() == 1


@override_settings(RATE_LIKE="2/h")
def test_likes_are_rate_limited_per_ip(world, make_case):
    case = make_case("replied")
    for _ in range(2):
        Client().post(like_url(case))
    blocked = Client().post(like_url(case), HTTP_ACCEPT="application/json")
    assert blocked.status_code == 429 and blocked.json()["ok"] is False
    assert Like.objects.count() == 2


def test_no_personal_data_is_stored_with_a_like(client, world, make_case):
    case = make_case("replied")
    client.post(like_url(case), REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="TestBrowser/1.0")
    like = Like.objects.get()
    assert "203.0.113.9" not in like.key and len(like.key) == 64
    assert {f.name for f in Like._meta.get_fields()} == {"id", "case", "key", "created_at"}


def test_a_forged_cookie_is_ignored_and_replaced(client, world, make_case):
    case = make_case("replied")
    client.cookies["ms_liker"] = "forged-value"
    response = client.post(like_url(case))
    assert response.status_code == 302
    assert Like.objects.count() == 1 and client.cookies["ms_liker"].value != "forged-value"


def test_likes_count_towards_the_topics_heat(client, world, make_case, django_capture_on_commit_callbacks):
    case = make_case("replied")
    engine.assign_new(world.city)
    topic = Topic.objects.get()
    before = topic.heat
    with django_capture_on_commit_callbacks(execute=True):
        client.post(like_url(case))
    topic.refresh_from_db()
    assert topic.likes == 1 and topic.heat > before
