"""The citizen's own phone and e-mail, which the case knows from the form, are hidden in every public
copy of the case (title, message and reply) however the citizen or the department wrote them."""

from __future__ import annotations

import pytest

from minsheng.cases import actions
from minsheng.cases.models import Case
from minsheng.conftest import submit_case

pytestmark = pytest.mark.django_db

# The form stores the mobile as 13812345678 and the e-mail as wang@example.com (conftest.submit_case).
TITLE = "搅拌站噪音，回电138.1234.5678"
BODY = "夜里施工到凌晨两点。电话１３８１２３４５６７８或+86 138 1234 5678，材料发到WANG@EXAMPLE.COM。"


def test_the_citizens_own_phone_and_email_are_hidden_in_their_title_and_message_in_any_spelling(world):
    case = submit_case(world, title=TITLE, body=BODY).case
    actions.case_accept(case, by=world.intake)
    case = Case.objects.get(pk=case.pk)
    assert case.public_title == "搅拌站噪音，回电138.****.5678"
    assert case.public_body == "夜里施工到凌晨两点。电话１３８****５６７８或+86 138 **** 5678，材料发到W***@EXAMPLE.COM。"


def test_a_case_not_yet_accepted_shows_the_copy_acceptance_will_store(world):
    case = submit_case(world, title=TITLE, body=BODY).case
    before = actions.public_copy(case)
    actions.case_accept(case, by=world.intake)
    stored = Case.objects.get(pk=case.pk)
    assert before == (stored.public_title, stored.public_body)
    assert "1234" not in before[0] + before[1] and "WANG" not in before[1]


def test_a_reply_hides_the_citizens_phone_and_email_however_written_but_keeps_the_departments_contacts(
    world, make_case
):
    case = make_case("processing")
    reply = ("已按您留的 138.1234.5678 及 WANG@EXAMPLE.COM 与您联系。"
             "如有疑问请致电本局0731-84561234或发邮件至zjj@a-city.gov.cn，也可拨打12345。")
    actions.case_submit_reply(case, by=world.handler_a, body=reply)
    case.refresh_from_db()
    published = actions.case_approve_reply(case, by=world.reviewer_a)
    assert published.public_body == (
        "已按您留的 138.****.5678 及 W***@EXAMPLE.COM 与您联系。"
        "如有疑问请致电本局0731-84561234或发邮件至zjj@a-city.gov.cn，也可拨打12345。"
    )
