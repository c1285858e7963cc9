"""The similar-case index: filled after commit, public suggestions, duplicates and past cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from minsheng.cases import actions
from minsheng.cases.models import Case
from minsheng.conftest import case_in_status, submit_case
from minsheng.knowledge import similar_index
from minsheng.knowledge.models import KnowledgeSettings, SimilarDoc, SimilarKey

NOISE = "幸福家园小区旁的混凝土搅拌站每天夜里施工到凌晨两点，噪音很大，老人孩子无法休息，请相关部门处理。"
FUND = "请问住房公积金贷款的额度怎么计算，首付比例是多少，异地缴存的公积金能不能在本市贷款？"


def _replied(world, **overrides) -> Case:  # type: ignore[no-untyped-def]
    case = submit_case(world, **overrides).case
    actions.case_accept(case, by=world.intake)
    case.refresh_from_db()
    actions.case_dispatch(case, by=world.intake, lead=world.dept_a)
    case.refresh_from_db()
    actions.case_receive(case, by=world.handler_a)
    case.refresh_from_db()
    actions.case_submit_reply(case, by=world.handler_a, body="您好，经核查，已责令搅拌站夜间停工。联系电话12345。")
    case.refresh_from_db()
    actions.case_approve_reply(case, by=world.reviewer_a)
    case.refresh_from_db()
    return case


def test_the_worker_indexes_cases_from_their_recent_events(world):  # type: ignore[no-untyped-def]
    from minsheng.knowledge.tasks import index_cases

    case = submit_case(world).case
    index_cases.call_local()
    doc = SimilarDoc.objects.get(pk=case.pk)
    assert doc.public_keywords is None  # not published: no public keys
    assert SimilarKey.objects.filter(case_id=case.pk).count() == len(doc.keys) == 18


def test_publication_is_picked_up_by_the_next_run(world):  # type: ignore[no-untyped-def]
    from minsheng.knowledge.tasks import index_cases

    case = case_in_status(world, "reviewing")
    index_cases.call_local()
    assert SimilarDoc.objects.get(pk=case.pk).public_keywords is None
    actions.case_approve_reply(case, by=world.reviewer_a)
    index_cases.call_local()
    assert SimilarDoc.objects.get(pk=case.pk).public_keywords


def test_a_worker_that_was_down_catches_up_from_its_cursor(world):  # type: ignore[no-untyped-def]
    from minsheng.knowledge.tasks import index_recent

    index_recent(now=timezone.now() - timedelta(hours=3))  # the last run, three hours ago
    case = submit_case(world, at=timezone.now() - timedelta(hours=2)).case
    assert index_recent() == 1
    assert SimilarDoc.objects.filter(pk=case.pk).exists()


def test_reindexing_is_idempotent_and_publication_adds_public_keys(world):  # type: ignore[no-untyped-def]
    case = _replied(world, body=NOISE)
    similar_index.index_case(case.pk)
    first = SimilarKey.objects.filter(case_id=case.pk).count()
    similar_index.index_case(case.pk)
    assert SimilarKey.objects.filter(case_id=case.pk).count() == first
    assert SimilarDoc.objects.get(pk=case.pk).public_keywords


def test_the_public_sees_similar_published_answers_while_typing(world, client):  # type: ignore[no-untyped-def]
    published = _replied(world, body=NOISE)
    private = submit_case(world, body=NOISE.replace("两点", "三点")).case  # not published
    for c in (published, private):
        similar_index.index_case(c.pk)
    url = reverse("knowledge_public:similar", kwargs={"site": world.city.code})
    response = client.get(url, {"title": "搅拌站噪音", "q": "我家旁边搅拌站夜里施工噪音很大"})
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("portal:case_detail", args=[world.city.code, published.pk]) in html
    assert reverse("portal:case_detail", args=[world.city.code, private.pk]) not in html
    assert "13812345678" not in html and "王建国" not in html


def test_suggestions_ignore_empty_or_overlong_input_without_error(world, client):  # type: ignore[no-untyped-def]
    url = reverse("knowledge_public:similar", kwargs={"site": world.city.code})
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "x" * 50000, "title": "<script>"}).status_code == 200
    assert client.get(reverse("knowledge_public:similar", kwargs={"site": "nope"})).status_code == 404


def test_suggestions_are_rate_limited(world, client, settings):  # type: ignore[no-untyped-def]
    from minsheng.knowledge import conf

    old = conf.RATE_SIMILAR
    conf.RATE_SIMILAR = "2/m"
    try:
        url = reverse("knowledge_public:similar", kwargs={"site": world.city.code})
        codes = [client.get(url, {"q": "搅拌站噪音扰民"}).status_code for _ in range(4)]
    finally:
        conf.RATE_SIMILAR = old
    assert codes[:2] == [200, 200] and codes[-1] == 429


def test_the_write_page_has_the_suggestion_box_and_works_without_javascript(world, client):  # type: ignore[no-untyped-def]
    response = client.get(reverse("portal:write", kwargs={"site": world.city.code}))
    html = response.content.decode()
    assert 'id="kb-similar"' in html and "knowledge/similar.js" in html
    assert reverse("knowledge_public:faq", kwargs={"site": world.city.code}) in html


def test_intake_sees_the_same_citizens_repeat_as_a_possible_duplicate(world, login):  # type: ignore[no-untyped-def]
    first = submit_case(world, body=FUND).case
    second = submit_case(world, title="另一件事", body="楼下商铺占道经营，晚上烧烤油烟很大，请城管处理一下。").case
    for c in (first, second):
        similar_index.index_case(c.pk)
    found = similar_index.possible_duplicates(second, world.intake)
    assert [d.case.pk for d in found] == [first.pk]
    assert found[0].same_citizen and not found[0].near_identical
    html = login(world.intake).get(reverse("workbench:case", args=[second.pk])).content.decode()
    assert "Possible duplicates" in html and first.tracking_code in html
    assert reverse("workbench:act", args=[second.pk, "merge"]) in html


def test_a_near_identical_text_from_another_citizen_is_flagged(world):  # type: ignore[no-untyped-def]
    first = submit_case(world, body=NOISE).case
    second = submit_case(world, body=NOISE.replace("两点", "三点") + "谢谢！", phone="13900001111").case
    unrelated = submit_case(world, title="公积金贷款额度", body=FUND, phone="13700002222").case
    for c in (first, second, unrelated):
        similar_index.index_case(c.pk)
    found = similar_index.possible_duplicates(second, world.intake)
    assert [d.case.pk for d in found] == [first.pk]
    assert found[0].near_identical and not found[0].same_citizen


def test_cases_outside_the_sites_window_are_not_flagged(world):  # type: ignore[no-untyped-def]
    KnowledgeSettings.objects.create(site=world.city, duplicate_window_days=5)
    old = submit_case(world, body=NOISE, at=timezone.now() - timedelta(days=10)).case
    new = submit_case(world, body=NOISE).case
    for c in (old, new):
        similar_index.index_case(c.pk)
    assert similar_index.possible_duplicates(new, world.intake) == []


def test_one_click_merge_from_the_duplicate_box_uses_the_merge_action(world, login):  # type: ignore[no-untyped-def]
    first = submit_case(world, body=NOISE).case
    second = submit_case(world, body=NOISE).case
    client = login(world.intake)
    response = client.post(reverse("workbench:act", args=[second.pk, "merge"]), {
        "version": second.version, "into": first.tracking_code, "note": "dup",
    })
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == "merged" and second.merged_into_id == first.pk
    assert second.events.filter(action="merge").count() == 1


def test_handlers_see_similar_past_cases_with_replies_only_in_scope_or_published(world, login):  # type: ignore[no-untyped-def]
    past = _replied(world, body=NOISE)  # dept A, published
    unpublished = _replied(world, body=NOISE.replace("两点", "一点"), wants_public=False)
    current = case_in_status(world, "processing")
    for c in (past, unpublished, current):
        similar_index.index_case(c.pk)
    mine = {p.case.pk for p in similar_index.similar_past_cases(current, world.handler_a)}
    assert {past.pk, unpublished.pk} <= mine
    # Handler B (another department) may read only what is published, in its masked form.
    theirs = similar_index.similar_past_cases(current, world.handler_b)
    assert {p.case.pk for p in theirs} == {past.pk}
    assert all("13812345678" not in p.reply for p in theirs)


def test_the_case_page_of_another_department_stays_404_with_the_panel(world, login):  # type: ignore[no-untyped-def]
    case = case_in_status(world, "processing")
    assert login(world.handler_b).get(reverse("workbench:case", args=[case.pk])).status_code == 404
    assert login(world.handler_a).get(reverse("workbench:case", args=[case.pk])).status_code == 200


def test_the_backfill_command_indexes_every_case_once(world, capsys):  # type: ignore[no-untyped-def]
    submit_case(world)
    submit_case(world, body=FUND)
    call_command("similar_backfill")
    assert SimilarDoc.objects.count() == 2
    call_command("similar_backfill", "--site", world.city.code)
    assert "done: 0 cases indexed" in capsys.readouterr().out


def test_the_backfill_command_rejects_an_unknown_site(world):  # type: ignore[no-untyped-def]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no site"):
        call_command("similar_backfill", "--site", "nowhere")
    with pytest.raises(CommandError, match="--batch"):
        call_command("similar_backfill", "--batch", "0")


def test_the_reviewer_sees_the_reply_checks_before_approval(world, login):  # type: ignore[no-untyped-def]
    case = case_in_status(world, "reviewing")
    html = login(world.reviewer_a).get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert 'id="reply-checks"' in html
    for code in ("relevance", "completeness", "citation", "personal_data", "sensitive", "timeliness"):
        assert f'data-check="{code}"' in html
    # The fixture's reply gives no greeting: the check says so.
    assert "Does not address the citizen" in html


def test_reply_checks_are_shown_in_chinese_by_default(world, login):  # type: ignore[no-untyped-def]
    case = case_in_status(world, "reviewing")
    client = login(world.reviewer_a)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert "答复检查" in html and "没有称呼" in html


def test_the_handler_who_wrote_the_reply_does_not_get_the_review_checks(world, login):  # type: ignore[no-untyped-def]
    case = case_in_status(world, "reviewing")
    html = login(world.handler_a).get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert 'id="reply-checks"' not in html and 'id="possible-duplicates"' not in html


def test_the_sweep_indexes_what_a_lost_task_missed(world):  # type: ignore[no-untyped-def]
    from minsheng.knowledge.tasks import index_sweep

    new = submit_case(world).case  # no on-commit run in this test: the task was "lost"
    published = _replied(world, body=NOISE)
    similar_index.index_case(published.pk)
    SimilarDoc.objects.filter(pk=published.pk).update(public_keywords=None)
    index_sweep.call_local()
    assert SimilarDoc.objects.filter(pk=new.pk).exists()
    assert SimilarDoc.objects.get(pk=published.pk).public_keywords
