"""Public pages: writing, tracking, rating, browsing — and every kind of bad input."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from minsheng.cases import actions
from minsheng.cases.models import Case, Status
from minsheng.conftest import submit_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _form(world, **overrides):
    data = {
        "channel": world.complaint.pk, "title": "夜间施工噪音扰民", "body": "人民路工地每晚施工到凌晨，严重影响休息，请尽快处理。",
        "name": "张三", "phone": "13912345678", "email": "", "wants_public": "on",
        "captcha_0": "x", "captcha_1": "PASSED", "submit_token": "tok-abc",
    }
    data.update(overrides)
    return data


def test_citizen_submits_and_sees_tracking_code_and_password(client, world):
    response = client.post(reverse("portal:write", args=["a-city"]), _form(world), follow=True)
    case = Case.objects.get()
    assert response.status_code == 200
    content = response.content.decode()
    assert case.tracking_code in content
    assert 'id="query-password"' in content


def test_a_double_submit_creates_one_case(client, world):
    url = reverse("portal:write", args=["a-city"])
    client.post(url, _form(world))
    client.post(url, _form(world))
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "11"),
        ("phone", "", "必须|必填|required"),
        ("title", "", "必须|必填|required"),
        ("title", "短", "4"),
        ("body", "太短了", "10"),
        ("name", "", "必须|必填|required"),
        ("email", "not-an-email", "邮|email"),
    ],
)
def test_invalid_fields_get_a_clear_message_and_keep_what_was_typed(client, world, field, value, message):
    import re

    data = _form(world, **{field: value})
    response = client.post(reverse("portal:write", args=["a-city"]), data)
    assert response.status_code == 200
    assert Case.objects.count() == 0
    form = response.context["form"]
    assert re.search(message, " ".join(form.errors[field]), re.IGNORECASE)
    # what the citizen typed comes back
    assert "人民路工地每晚施工到凌晨" in response.content.decode() or field == "body"


def test_mailbox_letters_must_name_a_leader(client, world):
    response = client.post(reverse("portal:write", args=["a-city"]), _form(world, channel=world.mailbox.pk))
    assert "leader" in response.context["form"].errors


def test_a_wrong_captcha_is_refused(client, world, settings):
    settings.CAPTCHA_TEST_MODE = False
    response = client.post(reverse("portal:write", args=["a-city"]), _form(world, captcha_1="WRONG"))
    assert "captcha" in response.context["form"].errors
    assert Case.objects.count() == 0


def test_an_image_attachment_is_stored(client, world):
    upload = io.BytesIO(_png_bytes())
    upload.name = "photo.png"
    client.post(reverse("portal:write", args=["a-city"]), {**_form(world), "attachments": [upload]})
    case = Case.objects.get()
    assert case.attachments.get().content_type == "image/png"


def test_a_renamed_executable_is_refused_by_content(client, world):
    fake = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200)
    fake.name = "photo.jpg"
    response = client.post(reverse("portal:write", args=["a-city"]), {**_form(world), "attachments": [fake]})
    assert "attachments" in response.context["form"].errors
    assert Case.objects.count() == 0


def test_a_truncated_image_is_refused(client, world):
    broken = io.BytesIO(_png_bytes()[:40])
    broken.name = "broken.png"
    response = client.post(reverse("portal:write", args=["a-city"]), {**_form(world), "attachments": [broken]})
    assert "attachments" in response.context["form"].errors


def test_more_than_five_attachments_are_refused(client, world):
    files = []
    for i in range(6):
        f = io.BytesIO(_png_bytes())
        f.name = f"p{i}.png"
        files.append(f)
    response = client.post(reverse("portal:write", args=["a-city"]), {**_form(world), "attachments": files})
    assert "attachments" in response.context["form"].errors


def test_an_oversized_attachment_is_refused(client, world, settings):
    settings.MAX_ATTACHMENT_BYTES = 50
    upload = io.BytesIO(_png_bytes())
    upload.name = "big.png"
    response = client.post(reverse("portal:write", args=["a-city"]), {**_form(world), "attachments": [upload]})
    assert "attachments" in response.context["form"].errors


@override_settings(RATE_SUBMIT="2/h")
def test_submissions_are_rate_limited_per_ip_without_losing_the_text(client, world):
    url = reverse("portal:write", args=["a-city"])
    for i in range(2):
        client.post(url, _form(world, submit_token=f"t{i}"))
    response = client.post(url, _form(world, submit_token="t9"))
    assert Case.objects.count() == 2
    assert response.status_code == 200
    assert "人民路工地每晚施工到凌晨" in response.content.decode()
    assert response.context["form"].non_field_errors()


def test_unknown_site_is_404(client, db):
    assert client.get(reverse("portal:write", args=["nowhere"])).status_code == 404


def test_wrong_code_and_wrong_password_get_the_same_message(client, world):
    submission = submit_case(world)
    wrong_password = client.post(reverse("portal:track"), {"code": submission.case.tracking_code, "password": "000000"})
    wrong_code = client.post(reverse("portal:track"), {"code": "20990101AAAAAA", "password": submission.password})
    assert wrong_password.context["form"].non_field_errors() == wrong_code.context["form"].non_field_errors()


@override_settings(RATE_TRACK="3/h")
def test_tracking_is_rate_limited(client, world):
    for _ in range(3):
        client.post(reverse("portal:track"), {"code": "X", "password": "1"})
    submission = submit_case(world)
    response = client.post(
        reverse("portal:track"), {"code": submission.case.tracking_code, "password": submission.password}
    )
    assert response.status_code == 200 and "track_case" not in response.get("Location", "")
    assert response.context["form"].non_field_errors()


def test_citizen_sees_timeline_without_staff_names_and_rates(client, world, make_case):
    case = make_case("replied")
    # the password is only known at submit: set a known one through the same digest function
    from minsheng.cases.tracking import password_digest

    Case.objects.filter(pk=case.pk).update(query_password_digest=password_digest(case.tracking_code, "123456"))
    response = client.post(reverse("portal:track"), {"code": case.tracking_code.lower(), "password": "123456"}, follow=True)
    content = response.content.decode()
    assert "A市住房和城乡建设局" in content
    for staff in ("intake", "handler_a", "reviewer_a"):
        assert staff not in content
    response = client.post(
        reverse("portal:rate"),
        {"satisfaction": "basic", "solved": "1", "comment": "还行", "version": case.version}, follow=True,
    )
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_a_rating_without_choices_gets_a_message(client, world, make_case):
    case = make_case("replied")
    session = client.session
    session["minsheng_tracked_case"] = case.pk
    session.save()
    response = client.post(reverse("portal:rate"), {"version": case.version}, follow=True)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == Status.REPLIED
    assert list(response.context["messages"])


def test_published_case_shows_masked_text_and_reply_but_no_personal_data(client, world, make_case):
    case = make_case("replied")
    response = client.get(reverse("portal:case_detail", args=["a-city", case.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "搅拌站" in content and "责令" in content
    assert "13812345678" not in content and "王建国" not in content and "wang@example.com" not in content


def test_unpublished_case_is_404_on_the_portal(client, world, make_case):
    case = make_case("processing")
    assert client.get(reverse("portal:case_detail", args=["a-city", case.pk])).status_code == 404


def test_full_text_search_finds_published_cases_in_chinese(client, world, make_case):
    case = make_case("replied")
    make_case("processing")
    response = client.get(reverse("portal:case_list", args=["a-city"]), {"q": "搅拌站 噪音"})
    assert [c.pk for c in response.context["page"].object_list] == [case.pk]
    response = client.get(reverse("portal:case_list", args=["a-city"]), {"q": "幼儿园"})
    assert list(response.context["page"].object_list) == []


def test_list_filters_by_channel_and_department(client, world, make_case):
    case = make_case("replied")
    url = reverse("portal:case_list", args=["a-city"])
    assert client.get(url, {"channel": world.complaint.pk}).context["page"].object_list[0].pk == case.pk
    assert list(client.get(url, {"department": world.dept_b.pk}).context["page"].object_list) == []
    assert client.get(url, {"channel": "abc", "q": "x" * 200}).status_code == 200


def test_a_top_level_category_filter_finds_cases_filed_under_its_children(client, world, make_case):
    from minsheng.cases import actions

    filed = make_case("processing")
    actions.case_classify(filed, by=world.intake, category=world.category, priority="normal")  # level 2
    filed.refresh_from_db()
    actions.case_submit_reply(filed, by=world.handler_a, body="已处理。")
    filed.refresh_from_db()
    actions.case_approve_reply(filed, by=world.reviewer_a)
    unfiled = make_case("replied")
    url = reverse("portal:case_list", args=["a-city"])
    shown = [c.pk for c in client.get(url, {"category": world.category.parent.pk}).context["page"].object_list]
    assert shown == [filed.pk] and unfiled.pk not in shown


def test_citizen_adds_requested_information(client, world, make_case):
    case = make_case("submitted")
    actions.case_request_info(case, by=world.intake, message="请补充地址")
    case.refresh_from_db()
    session = client.session
    session["minsheng_tracked_case"] = case.pk
    session.save()
    client.post(reverse("portal:supplement"), {"text": "幸福路88号", "version": case.version})
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_healthz_reports_database_and_worker(client, db):
    body = client.get("/healthz").json()
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is False


def test_interface_switches_to_english(client, world):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/s/a-city/"}, follow=True)
    assert "Write to us" in response.content.decode()


def test_the_portal_is_chinese_even_for_an_english_browser(client, world):
    response = client.get("/s/a-city/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
