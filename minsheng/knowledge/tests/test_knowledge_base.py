"""Knowledge entries: write, review by someone else, publish, withdraw, expiry, public FAQ, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from minsheng.conftest import case_in_status
from minsheng.knowledge import actions
from minsheng.knowledge.actions import EntryData, KnowledgeError
from minsheng.knowledge.models import EntryStatus, KnowledgeEntry, KnowledgeEvent

Q = "住房公积金贷款最高额度是多少？"
A = "根据《A市住房公积金贷款管理办法》第十二条，单人缴存最高可贷50万元，双人缴存最高可贷70万元。咨询电话12329。"


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    # The messages asserted below are the English msgids; pages under test set their own language.
    with override("en"):
        yield


def _entry(world, **kw) -> KnowledgeEntry:  # type: ignore[no-untyped-def]
    data = EntryData(question=kw.pop("question", Q), answer=kw.pop("answer", A), **kw)
    return actions.entry_create(site=world.city, by=world.handler_a, data=data)


def _published(world, **kw) -> KnowledgeEntry:  # type: ignore[no-untyped-def]
    entry = _entry(world, **kw)
    entry = actions.entry_review(entry, by=world.reviewer_a)
    return actions.entry_publish(entry, by=world.intake)


def test_an_entry_goes_from_draft_through_review_to_publication_with_one_event_each(world):  # type: ignore[no-untyped-def]
    entry = _published(world)
    assert entry.status == EntryStatus.PUBLISHED and entry.reviewer == world.reviewer_a
    assert list(KnowledgeEvent.objects.filter(entry=entry).values_list("action", "actor__username")) == [
        ("create", "handler_a"), ("review", "reviewer_a"), ("publish", "intake"),
    ]


def test_the_author_cannot_review_their_own_entry(world):  # type: ignore[no-untyped-def]
    entry = actions.entry_create(site=world.city, by=world.intake, data=EntryData(question=Q, answer=A))
    with pytest.raises(KnowledgeError, match="someone other than its author"):
        actions.entry_review(entry, by=world.intake)


def test_a_handler_can_write_but_not_review_or_publish(world):  # type: ignore[no-untyped-def]
    entry = actions.entry_create(site=world.city, by=world.intake, data=EntryData(question=Q, answer=A))
    with pytest.raises(KnowledgeError):
        actions.entry_review(entry, by=world.handler_b)
    entry = actions.entry_review(entry, by=world.reviewer_a)
    with pytest.raises(KnowledgeError):
        actions.entry_publish(entry, by=world.handler_b)


def test_staff_of_another_site_cannot_write_for_this_site(world):  # type: ignore[no-untyped-def]
    with pytest.raises(KnowledgeError):
        actions.entry_create(site=world.city, by=world.district_handler, data=EntryData(question=Q, answer=A))


def test_editing_a_published_entry_takes_it_off_the_public_pages_until_reviewed_again(world):  # type: ignore[no-untyped-def]
    entry = _published(world)
    entry = actions.entry_edit(entry, by=world.handler_a, data=EntryData(question=Q, answer=A + "（2024年调整）"),
                               expected_version=entry.version)
    assert entry.status == EntryStatus.DRAFT and entry.reviewer is None
    with pytest.raises(KnowledgeError, match="changed since"):
        actions.entry_edit(entry, by=world.handler_a, data=EntryData(question=Q, answer="x"), expected_version=1)


def test_an_invalid_validity_range_is_refused(world):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    with pytest.raises(KnowledgeError, match="Valid to"):
        _entry(world, valid_from=today, valid_to=today - timedelta(days=1))


def test_withdrawing_needs_a_reason_and_hides_the_entry(world, client):  # type: ignore[no-untyped-def]
    entry = _published(world)
    with pytest.raises(KnowledgeError, match="reason"):
        actions.entry_withdraw(entry, by=world.intake, reason=" ")
    actions.entry_withdraw(entry, by=world.intake, reason="政策已废止")
    assert client.get(reverse("knowledge_public:entry", args=[world.city.code, entry.pk])).status_code == 404


def test_an_expired_entry_disappears_from_the_public_list_search_and_page(world, client):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    live = _published(world)
    expired = _published(world, question="2019年购房补贴怎么申请？", answer="按照2019年政策申请购房补贴，已截止。",
                         valid_to=today - timedelta(days=1))
    future = _published(world, question="新的购房补贴什么时候开始？", answer="补贴政策下月实施。",
                        valid_from=today + timedelta(days=3))
    faq = reverse("knowledge_public:faq", kwargs={"site": world.city.code})
    html = client.get(faq).content.decode()
    assert live.question in html and expired.question not in html and future.question not in html
    assert expired.question not in client.get(faq, {"q": "购房补贴"}).content.decode()
    assert client.get(reverse("knowledge_public:entry", args=[world.city.code, expired.pk])).status_code == 404


def test_the_public_faq_searches_with_jieba_words_and_filters_by_category(world, client):  # type: ignore[no-untyped-def]
    fund = _published(world, category=world.category)
    other = _published(world, question="犬只登记需要什么材料？", answer="携带身份证和免疫证明到派出所办理。")
    faq = reverse("knowledge_public:faq", kwargs={"site": world.city.code})
    html = client.get(faq, {"q": "公积金 额度"}).content.decode()
    assert fund.question in html and other.question not in html
    html = client.get(faq, {"category": world.category.pk}).content.decode()
    assert fund.question in html and other.question not in html
    # Bad input never breaks the page.
    for params in ({"category": "abc"}, {"page": "-3"}, {"q": "'\" OR 1=1 --"}, {"q": "x" * 500}):
        assert client.get(faq, params).status_code == 200


def test_entries_of_another_site_are_not_on_this_sites_faq(world, client):  # type: ignore[no-untyped-def]
    entry = _published(world)
    html = client.get(reverse("knowledge_public:faq", kwargs={"site": world.district.code})).content.decode()
    assert entry.question not in html
    assert client.get(reverse("knowledge_public:entry", args=[world.district.code, entry.pk])).status_code == 404


def test_the_write_page_suggests_a_matching_entry(world, client):  # type: ignore[no-untyped-def]
    entry = _published(world)
    url = reverse("knowledge_public:similar", kwargs={"site": world.city.code})
    html = client.get(url, {"title": "公积金贷款", "q": "我想问一下公积金贷款额度最高多少"}).content.decode()
    assert reverse("knowledge_public:entry", args=[world.city.code, entry.pk]) in html


# ---- staff pages ---------------------------------------------------------------------------------


def test_staff_write_review_and_publish_through_the_pages(world, login):  # type: ignore[no-untyped-def]
    author = login(world.handler_a)
    response = author.post(reverse("knowledge_staff:new"), {
        "site": world.city.pk, "question": Q, "answer": A, "policy_title": "《A市住房公积金贷款管理办法》",
        "policy_url": "https://example.gov.cn/gjj.html",
    })
    entry = KnowledgeEntry.objects.get()
    assert response.status_code == 302 and entry.status == EntryStatus.DRAFT
    page = author.get(reverse("knowledge_staff:entry", args=[entry.pk])).content.decode()
    assert 'id="kb-review"' not in page  # the author gets no review button
    reviewer = login(world.reviewer_a)
    reviewer.post(reverse("knowledge_staff:act", args=[entry.pk, "review"]), {"review-version": entry.version})
    entry.refresh_from_db()
    assert entry.status == EntryStatus.REVIEWED
    login(world.intake).post(reverse("knowledge_staff:act", args=[entry.pk, "publish"]), {"publish-version": entry.version})
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED


def test_the_entry_form_reports_bad_input_in_the_users_language(world, login):  # type: ignore[no-untyped-def]
    client = login(world.handler_a)
    client.cookies["django_language"] = "zh-hans"
    response = client.post(reverse("knowledge_staff:new"), {
        "site": world.city.pk, "question": "", "answer": A, "policy_url": "not a url",
        "valid_from": "2024-05-01", "valid_to": "2024-04-01",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "这个字段是必须的" in html and "“有效期至”不能早于“生效日期”" in html
    assert not KnowledgeEntry.objects.exists()


def test_a_stale_decision_is_refused_with_a_message(world, login):  # type: ignore[no-untyped-def]
    entry = _entry(world)
    client = login(world.reviewer_a)
    response = client.post(reverse("knowledge_staff:act", args=[entry.pk, "review"]), {"review-version": 99}, follow=True)
    assert "changed since you opened it" in response.content.decode()
    response = client.post(reverse("knowledge_staff:act", args=[entry.pk, "review"]), {"review-version": "x"}, follow=True)
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT


@pytest.mark.parametrize("name", ["entry", "act"])
def test_staff_of_another_site_get_404_on_an_entry(world, login, name):  # type: ignore[no-untyped-def]
    entry = _entry(world)
    client = login(world.district_handler)
    if name == "entry":
        assert client.get(reverse("knowledge_staff:entry", args=[entry.pk])).status_code == 404
    else:
        assert client.post(reverse("knowledge_staff:act", args=[entry.pk, "review"]), {"review-version": 1}).status_code == 404
    assert entry.question not in client.get(reverse("knowledge_staff:list")).content.decode()


def test_anonymous_users_are_sent_to_login(world, client):  # type: ignore[no-untyped-def]
    assert client.get(reverse("knowledge_staff:list")).status_code == 302
    assert client.post(reverse("knowledge_staff:new"), {}).status_code == 302


def test_a_knowledge_entry_is_made_from_a_reply_in_one_click_with_masked_texts(world, login):  # type: ignore[no-untyped-def]
    case = case_in_status(world, "replied")
    client = login(world.intake)
    page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert reverse("knowledge_staff:from_case", args=[case.pk]) in page
    response = client.post(reverse("knowledge_staff:from_case", args=[case.pk]))
    entry = KnowledgeEntry.objects.get()
    assert response.status_code == 302 and entry.source_case == case and entry.status == EntryStatus.DRAFT
    assert entry.question == case.public_title and "12345" in entry.answer
    assert "王建国" not in entry.question + entry.answer and "13812345678" not in entry.answer


def test_a_case_replied_without_a_prepared_public_copy_gives_the_question_its_case_would_publish(world):  # type: ignore[no-untyped-def]
    from minsheng.cases.actions import public_copy
    from minsheng.cases.models import Case

    case = case_in_status(world, "replied")
    # e.g. an imported case: answered, but intake never prepared its public copy.
    Case.objects.filter(pk=case.pk).update(title="王建国反映小区旁搅拌站夜间噪音", public_title="", public_body="")
    case.refresh_from_db()
    draft = actions.draft_from_case(case, world.handler_a)
    assert draft.question == public_copy(case)[0] and "搅拌站夜间噪音" in draft.question
    assert "王建国" not in draft.question


def test_an_entry_cannot_be_made_from_a_case_out_of_scope_or_without_reply(world, login):  # type: ignore[no-untyped-def]
    replied = case_in_status(world, "replied")
    assert login(world.handler_b).post(reverse("knowledge_staff:from_case", args=[replied.pk])).status_code == 404
    open_case = case_in_status(world, "processing")
    response = login(world.handler_a).post(reverse("knowledge_staff:from_case", args=[open_case.pk]), follow=True)
    assert "no approved reply" in response.content.decode()
    assert not KnowledgeEntry.objects.exists()


def test_the_demo_command_publishes_entries_through_the_actions_once(world, client):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    call_command("seed_knowledge_demo", "--site", world.city.code)
    call_command("seed_knowledge_demo", "--site", world.city.code)
    assert KnowledgeEntry.objects.filter(status=EntryStatus.PUBLISHED).count() == 5
    assert KnowledgeEvent.objects.filter(action="publish").count() == 5
    html = client.get(reverse("knowledge_public:faq", kwargs={"site": world.city.code}), {"q": "公积金"}).content.decode()
    assert "住房公积金可以用来支付房租吗" in html


def test_staff_of_another_site_cannot_create_an_entry_for_this_site_through_the_form(world, login):  # type: ignore[no-untyped-def]
    response = login(world.district_handler).post(reverse("knowledge_staff:new"), {
        "site": world.city.pk, "question": Q, "answer": A,
    })
    assert response.status_code == 200 and "site" in response.context["form"].errors
    assert not KnowledgeEntry.objects.exists()
