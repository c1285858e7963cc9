"""The back office in a real browser: a department returns a case, intake re-dispatches it, a
supervisor puts it under supervision, the department answers, the citizen is dissatisfied, and the
case is redone with a fresh deadline."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page

from minsheng.cases.models import Case, Status
from minsheng.cases.tracking import password_digest
from minsheng.conftest import submit_case
from minsheng.e2e.conftest import Shots
from minsheng.e2e.test_journey import _act, _login

pytestmark = pytest.mark.browser


def _open_details(page: Page, form_id: str) -> None:
    """The rarer actions sit folded in <details>; open the one we need like a person would."""
    summary = page.locator(f"#{form_id} summary")
    if summary.count() and page.locator(f"#{form_id} details").get_attribute("open") is None:
        summary.click()


def test_return_redispatch_supervise_answer_dissatisfied_redo(
    browser: Browser, live_server, world, screenshots: Path  # type: ignore[no-untyped-def]
) -> None:
    started = time.monotonic()
    cache.clear()
    base = live_server.url
    shot = Shots(screenshots, "bo-")

    case = submit_case(world, title="五一大道路灯连续一周不亮", body="五一大道人民路口至火车站段路灯连续一周不亮，夜间行人很危险，请尽快修复。").case
    Case.objects.filter(pk=case.pk).update(query_password_digest=password_digest(case.tracking_code, "246810"))

    # Intake accepts and dispatches to department B (the wrong one) ---------------------------------
    intake = _login(browser, base, "intake")
    intake.goto(f"{base}/staff/cases/{case.pk}/")
    _act(intake, "#act-accept button.primary")
    intake.select_option("#act-dispatch select[name=lead]", str(world.dept_b.pk))
    _act(intake, "#act-dispatch button.primary")

    # Handler B returns it within the window: "not ours" -------------------------------------------
    handler_b = _login(browser, base, "handler_b")
    handler_b.goto(f"{base}/staff/cases/{case.pk}/")
    _open_details(handler_b, "act-return")
    assert handler_b.locator("#return-window").count() == 1
    handler_b.fill("#act-return textarea[name='return-text']", "路灯维护属住建部门职责，申请退回改派。")
    shot(handler_b, "handler-returns")
    with handler_b.expect_navigation():
        handler_b.click("#act-return button.danger")
    case.refresh_from_db()
    assert case.status == Status.RETURNED and case.lead_department_id is None

    # Intake sees the return reason and re-dispatches to department A --------------------------------
    intake.goto(f"{base}/staff/cases/{case.pk}/")
    assert "申请退回改派" in intake.inner_text("body")
    shot(intake, "intake-sees-return")
    intake.select_option("#act-dispatch select[name=lead]", str(world.dept_a.pk))
    _act(intake, "#act-dispatch button.primary")
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_department_id == world.dept_a.pk

    # The supervisor puts it under supervision --------------------------------------------------------
    supervisor = _login(browser, base, "supervisor")
    supervisor.goto(f"{base}/staff/cases/{case.pk}/")
    _open_details(supervisor, "act-supervise")
    supervisor.fill("#act-supervise textarea[name='supervise-instruction']", "群众反映强烈，请三个工作日内修复并答复。")
    supervisor.fill("#act-supervise input[name='supervise-working_days']", "3")
    _act(supervisor, "#act-supervise button.primary")
    case.refresh_from_db()
    assert case.is_supervised
    shot(supervisor, "supervised")

    # Handler A sees the supervision, signs, answers; reviewer A approves ---------------------------
    handler_a = _login(browser, base, "handler_a")
    handler_a.goto(f"{base}/staff/cases/{case.pk}/")
    assert "请三个工作日内修复并答复" in handler_a.inner_text("body")
    _act(handler_a, "#act-receive button.primary")
    handler_a.fill("#act-reply textarea[name=body]", "您好：经核查，该路段路灯线路老化，已安排维修。咨询电话0731-12319。")
    _act(handler_a, '#act-reply button[name=submit_for_review][value="1"]')
    shot(handler_a, "answered")
    reviewer = _login(browser, base, "reviewer_a")
    reviewer.goto(f"{base}/staff/cases/{case.pk}/")
    _act(reviewer, "#act-review button.primary")
    case.refresh_from_db()
    assert case.status == Status.REPLIED and not case.is_supervised

    # The citizen is dissatisfied: the case is redone with a fresh deadline ------------------------
    first_due = case.due_at
    citizen = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    citizen.goto(f"{base}/track/")
    citizen.fill("#id_code", case.tracking_code)
    citizen.fill("#id_password", "246810")
    with citizen.expect_navigation():
        citizen.click("form.form button.primary")
    citizen.check('form.rate input[name=satisfaction][value="dissatisfied"]')
    citizen.check('form.rate input[name=solved][value="0"]')
    with citizen.expect_navigation():
        citizen.click("form.rate button.primary")
    shot(citizen, "dissatisfied")
    case.refresh_from_db()
    assert case.status == Status.PROCESSING and case.redo_count == 1
    # A fresh deadline counted from the redo (the same day as the first dispatch in this test, so it
    # may equal the first one, never be earlier).
    assert case.due_at is not None and first_due is not None and case.due_at >= first_due
    assert case.events.filter(action="rate", to_status=Status.PROCESSING).exists()

    # Handler A finds it in the redo queue -------------------------------------------------------------
    handler_a.goto(f"{base}/staff/cases/?queue=redo")
    assert handler_a.locator(f'table.rows a[href="/staff/cases/{case.pk}/"]').count() == 1
    shot(handler_a, "redo-queue")
    actions = list(case.events.order_by("id").values_list("action", flat=True))
    assert actions[:3] == ["submit", "accept", "dispatch"]
    assert "return" in actions and "supervise" in actions and actions[-1] == "rate"
    assert time.monotonic() - started < 90
