"""The whole journey in a real browser, in Chinese: a citizen writes, the intake officer
dispatches, department A answers, its reviewer approves, the citizen rates, and the public finds
the answer with the citizen's personal data hidden.

Elements are found by id, name and CSS, not by visible text: the Chinese catalogue may not be
compiled, and wording changes should not break the journey.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from PIL import Image
from playwright.sync_api import Browser, FilePayload, Page

from minsheng.cases.models import Case, Status
from minsheng.e2e.conftest import Shots

pytestmark = pytest.mark.browser

PASSWORD = "pass-for-tests-123"  # noqa: S105 - the `world` personas' test password
CITIZEN_NAME = "王建国"
CITIZEN_PHONE = "13812345678"
TITLE = "幸福家园小区旁搅拌站夜间噪音扰民"
BODY = (
    "幸福家园小区旁的混凝土搅拌站每天夜里施工到凌晨两点，噪音很大，老人孩子无法休息。"
    f"我叫{CITIZEN_NAME}，电话{CITIZEN_PHONE}，请相关部门尽快处理。"
)
REPLY = (
    f"{CITIZEN_NAME}先生您好：经现场核查，已责令搅拌站夜间停工，后续将加强巡查。"
    f"我们已按您留下的电话{CITIZEN_PHONE}与您联系。"
)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _zh_catalogue_compiled() -> bool:
    return any((Path(p) / "zh_Hans" / "LC_MESSAGES" / "django.mo").exists() for p in settings.LOCALE_PATHS)


def _login(browser: Browser, base: str, username: str) -> Page:
    """A fresh context per persona, as two officers would sit at two computers."""
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.form button.primary")
    page.wait_for_url(f"{base}/staff/")
    return page


def _act(page: Page, selector: str) -> None:
    """Press an action button and wait for the redirect back to the case page."""
    with page.expect_navigation():
        page.click(selector)
    assert page.locator(".messages li.error").count() == 0, page.locator(".messages").inner_text()


def test_citizen_to_published_answer_in_a_real_browser(
    browser: Browser, live_server, world, screenshots: Path  # type: ignore[no-untyped-def]
) -> None:
    started = time.monotonic()
    cache.clear()  # rate limits are per IP, and every test client here is 127.0.0.1
    base = live_server.url
    shot = Shots(screenshots, "")

    # 1. The citizen writes a complaint -----------------------------------------------------------
    citizen = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    citizen.goto(f"{base}/s/a-city/")
    assert citizen.locator("html").get_attribute("lang") == "zh-hans"
    shot(citizen, "site-home")
    citizen.click(f'ul.cards a[href$="?channel={world.complaint.pk}"]')
    citizen.wait_for_url("**/s/a-city/write/**")
    assert citizen.locator("#id_channel").input_value() == str(world.complaint.pk)
    citizen.select_option("#id_channel", str(world.complaint.pk))
    citizen.fill("#id_title", TITLE)
    citizen.fill("#id_body", BODY)
    citizen.fill("#id_name", CITIZEN_NAME)
    citizen.fill("#id_phone", CITIZEN_PHONE)
    citizen.check("#id_wants_public")
    citizen.fill("input[name=captcha_1]", "PASSED")
    photo: FilePayload = {"name": "现场照片.png", "mimeType": "image/png", "buffer": _png()}
    citizen.set_input_files("#id_attachments", files=[photo])
    shot(citizen, "write-filled")
    with citizen.expect_navigation():
        citizen.click("form.form button.primary")
    assert citizen.url.endswith("/s/a-city/write/done/"), citizen.content()
    code = citizen.inner_text("#tracking-code").strip()
    password = citizen.inner_text("#query-password").strip()
    assert code and password
    shot(citizen, "submitted")
    case = Case.objects.get(tracking_code=code)
    assert case.attachments.count() == 1
    assert case.channel_id == world.complaint.pk

    # 2. The intake officer accepts and dispatches -------------------------------------------------
    intake = _login(browser, base, "intake")
    intake.goto(f"{base}/staff/cases/?q={code}")
    intake.click(f'table.rows a[href="/staff/cases/{case.pk}/"]')
    intake.wait_for_url(f"{base}/staff/cases/{case.pk}/")
    assert intake.locator("#contact").count() == 0  # contact data only on request, and recorded
    shot(intake, "intake-case")
    _act(intake, "#act-accept button.primary")
    intake.select_option("#act-dispatch select[name=lead]", str(world.dept_a.pk))
    intake.select_option("#act-dispatch select[name=assisting]", [str(world.dept_b.pk)])
    _act(intake, "#act-dispatch button.primary")
    assert intake.locator(".case-head .status-dispatched").count() == 1
    shot(intake, "intake-dispatched")
    case.refresh_from_db()
    assert case.lead_department_id == world.dept_a.pk
    assert case.assignments.filter(department=world.dept_b, is_active=True).exists()

    # 3. Handler A signs for it and drafts the reply ----------------------------------------------
    handler = _login(browser, base, "handler_a")
    handler.click('ul.queues a[data-status="dispatched"]')
    handler.click(f'table.rows a[href="/staff/cases/{case.pk}/"]')
    handler.wait_for_url(f"{base}/staff/cases/{case.pk}/")
    _act(handler, "#act-receive button.primary")
    assert handler.locator(".case-head .status-processing").count() == 1
    handler.fill("#act-reply textarea[name=body]", REPLY)
    _act(handler, '#act-reply button[name=submit_for_review][value="1"]')
    assert handler.locator(".case-head .status-reviewing").count() == 1
    shot(handler, "handler-submitted")

    # 4. Reviewer A checks the masked preview and approves ----------------------------------------
    reviewer = _login(browser, base, "reviewer_a")
    reviewer.goto(f"{base}/staff/cases/{case.pk}/")
    preview = reviewer.inner_text("#act-review .preview")
    assert "经现场核查" in preview
    assert CITIZEN_NAME not in preview and CITIZEN_PHONE not in preview
    shot(reviewer, "review-preview")
    _act(reviewer, "#act-review button.primary")
    assert reviewer.locator(".case-head .status-replied").count() == 1

    # 5. The citizen tracks, reads the reply and rates it ------------------------------------------
    citizen.goto(f"{base}/track/")
    citizen.fill("#id_code", code)
    citizen.fill("#id_password", password)
    with citizen.expect_navigation():
        citizen.click("form.form button.primary")
    assert citizen.url.endswith("/track/case/")
    # submit, accept, dispatch, receive, approve_reply: the citizen sees each step
    assert citizen.locator("ol.timeline li").count() >= 5
    assert "已责令搅拌站夜间停工" in citizen.inner_text(".reply")
    shot(citizen, "track-replied")
    citizen.check('form.rate input[name=satisfaction][value="satisfied"]')
    citizen.check('form.rate input[name=solved][value="1"]')
    with citizen.expect_navigation():
        citizen.click("form.rate button.primary")
    assert citizen.locator(".status-closed").count() == 1
    assert citizen.locator("p.rating").count() == 1
    shot(citizen, "track-rated")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    rating = case.ratings.get()
    assert rating.satisfaction == "satisfied" and rating.solved

    # 6. Anyone finds the answer, without the citizen's personal data -------------------------------
    public = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    public.goto(f"{base}/s/a-city/cases/")
    public.fill("form.filters input[name=q]", "搅拌站")
    with public.expect_navigation():
        public.click("form.filters button")
    link = public.locator(f'table.rows a[href="/s/a-city/cases/{case.pk}/"]')
    assert link.count() == 1
    shot(public, "search-results")
    with public.expect_navigation():
        link.click()
    page_text = public.inner_text("body")
    assert "搅拌站" in page_text and "已责令搅拌站夜间停工" in page_text
    html = public.content()
    for secret in (CITIZEN_NAME, CITIZEN_PHONE, "wang@example.com", "1381234"):
        assert secret not in html, f"{secret!r} leaked on the public page"
    shot(public, "public-case")

    # 7. The language switch: English and back to Chinese ------------------------------------------
    with public.expect_navigation():
        public.click('form.lang button[value="en"]')
    assert public.locator("html").get_attribute("lang") == "en"
    assert "Write to us" in public.inner_text("header.top nav")
    assert public.url.endswith(f"/s/a-city/cases/{case.pk}/")  # stays on the same page
    shot(public, "english")
    with public.expect_navigation():
        public.click('form.lang button[value="zh-hans"]')
    assert public.locator("html").get_attribute("lang") == "zh-hans"
    if _zh_catalogue_compiled():
        assert "Write to us" not in public.inner_text("header.top nav")
    shot(public, "chinese-again")

    assert time.monotonic() - started < 60, "the browser journey should stay under a minute"
