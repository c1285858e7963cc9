"""Routing in the platform: training from history, suggestions on the case page, automatic
dispatch and its undo, model versions for administrators."""

from __future__ import annotations

import pytest
from django.urls import reverse

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.cases import actions
from minsheng.cases.models import ActorKind, CaseEvent, Status
from minsheng.conftest import submit_case
from minsheng.notifications.models import StaffNotice
from minsheng.routing import selectors
from minsheng.routing.dispatch import auto_dispatch
from minsheng.routing.models import RouterModel, RoutingEvent, RoutingSettings
from minsheng.routing.tests.conftest import walk
from minsheng.routing.training import TrainingError, category_examples, department_examples, train_model

NOISE = ("工地夜间施工噪音大", "工地夜里施工，噪音很大，机器轰鸣吵得睡不着。")


def _accepted(world, title=NOISE[0], body=NOISE[1]):  # type: ignore[no-untyped-def]
    case = submit_case(world, title=title, body=body).case
    actions.case_accept(case, by=world.intake)
    case.refresh_from_db()
    return case


def _enable(world, threshold=0.5):  # type: ignore[no-untyped-def]
    return RoutingSettings.objects.create(site=world.city, auto_dispatch=True, threshold=threshold)


def _other_admin(world) -> User:  # type: ignore[no-untyped-def]
    user = User.objects.create_user(username="district_admin", password="x-pass-123456")
    Role.objects.create(user=user, kind=RoleKind.ADMIN, site=world.district)
    return user


# -- training -----------------------------------------------------------------------------------


def test_training_learns_categories_and_departments_from_handled_cases(world, trained, categories):
    assert trained.is_active and trained.version == 1 and trained.training_size == 24
    per_category = trained.evaluation["category"]["per_class"]
    assert set(per_category) == {str(categories["housing"].pk), str(categories["environment"].pk)}
    assert set(trained.evaluation["department"]["per_class"]) == {str(world.dept_a.pk), str(world.dept_b.pk)}
    assert 0.0 <= trained.evaluation["department"]["macro_f1"] <= 1.0
    assert [t["threshold"] for t in trained.evaluation["department"]["thresholds"]][:2] == [0.5, 0.6]
    event = RoutingEvent.objects.get(model=trained)
    assert event.action == "train" and event.actor == world.admin


def test_rejected_imported_and_unreceived_cases_are_not_learned(world, history, categories):
    unreceived = walk(world, "未签收的案件", "这件还没有被签收。", category=categories["housing"],
                      department=world.dept_a, handled=False)
    rejected = submit_case(world, title="无关内容", body="广告").case
    actions.case_reject(rejected, by=world.intake, reason="广告")
    texts = {e.title for e in department_examples(world.city)}
    assert unreceived.public_title not in texts
    assert len(department_examples(world.city)) == 24
    assert len(category_examples(world.city)) == 25  # classified counts for the category once accepted
    assert all(e.title != "无关内容" for e in category_examples(world.city))


def test_the_model_learns_from_masked_text_not_personal_data(world, history):
    examples = department_examples(world.city)
    assert not any("13812345678" in e.text or "王建国" in e.text for e in examples)


def test_too_little_history_is_a_clear_training_error(world):
    with pytest.raises(TrainingError, match="not enough history"):
        train_model(world.city)
    assert not RouterModel.objects.filter(site=world.city).exists()


def test_a_new_version_replaces_the_active_one_and_an_admin_can_roll_back(world, trained, client):
    second = train_model(world.city)
    trained.refresh_from_db()
    assert second.is_active and not trained.is_active and second.version == 2
    client.force_login(world.admin)
    response = client.post(reverse("routing_staff:activate", args=[trained.pk]))
    assert response.status_code == 302
    trained.refresh_from_db(), second.refresh_from_db()
    assert trained.is_active and not second.is_active
    event = RoutingEvent.objects.filter(action="activate").get()
    assert event.actor == world.admin and event.data == {"version": 1, "previous": 2}


def test_the_weekly_task_trains_every_site_with_enough_history(world, history):
    from minsheng.routing.tasks import retrain_all

    retrain_all.call_local()
    assert RouterModel.objects.filter(site=world.city, is_active=True).exists()
    assert RouterModel.objects.filter(site__isnull=True, is_active=True).exists()  # installation-wide
    assert not RouterModel.objects.filter(site=world.district).exists()  # no history there


def test_a_bad_retrain_schedule_stops_the_worker_with_its_name():
    from django.core.exceptions import ImproperlyConfigured

    from minsheng.routing.tasks import retrain_schedule

    with pytest.raises(ImproperlyConfigured, match="MINSHENG_ROUTING_RETRAIN"):
        retrain_schedule("weekly")
    with pytest.raises(ImproperlyConfigured, match="MINSHENG_ROUTING_RETRAIN"):
        retrain_schedule("x 3 * * 0")


# -- suggestions ----------------------------------------------------------------------------------


def test_intake_sees_the_top_suggestions_with_confidence_on_the_case_page(world, trained, client):
    case = _accepted(world)
    client.force_login(world.intake)
    page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert 'id="routing-suggestions"' in page
    departments = page.split('class="suggested-departments"')[1]
    assert departments.index(world.dept_b.name) < departments.index(world.dept_a.name)
    assert f'name="lead" value="{world.dept_b.pk}"' in departments
    assert 'class="confidence">0.' in departments or 'class="confidence">1.' in departments


def test_one_click_on_a_suggested_department_dispatches_the_case(world, trained, client):
    case = _accepted(world)
    [(department, _p), *_] = selectors.suggestions_for(case).departments
    client.force_login(world.intake)
    response = client.post(reverse("workbench:act", args=[case.pk, "dispatch"]),
                           {"version": case.version, "lead": department.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_department == world.dept_b


def test_one_click_on_a_suggested_category_classifies_the_case(world, trained, categories, client):
    case = submit_case(world, title=NOISE[0], body=NOISE[1]).case
    [(category, _p), *_] = selectors.suggestions_for(case).categories
    assert category == categories["environment"]
    client.force_login(world.intake)
    client.post(reverse("workbench:act", args=[case.pk, "classify"]),
                {"version": case.version, "category": category.pk, "priority": case.priority})
    case.refresh_from_db()
    assert case.category == categories["environment"]


def test_suggestions_are_computed_once_per_case_version(world, trained, monkeypatch):
    case = _accepted(world)
    calls = []
    real = selectors.bundle
    monkeypatch.setattr(selectors, "bundle", lambda model: calls.append(model.pk) or real(model))
    selectors.suggestions_for(case)
    selectors.suggestions_for(case)
    assert len(calls) == 1
    actions.case_classify(case, by=world.intake, category=world.category, priority=case.priority)
    case.refresh_from_db()
    selectors.suggestions_for(case)
    assert len(calls) == 2


def test_no_model_means_no_suggestion_panel(world, client):
    case = _accepted(world)
    client.force_login(world.intake)
    page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert "routing-suggestions" not in page


def test_a_handler_sees_no_suggestions(world, trained, client):
    case = walk(world, *NOISE, category=world.category, department=world.dept_b, handled=False)
    client.force_login(world.handler_b)
    page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert "routing-suggestions" not in page


def test_a_broken_model_does_not_break_the_case_page(world, trained, client):
    RouterModel.objects.filter(pk=trained.pk).update(blob=b"not a model")
    selectors._loaded.clear()
    case = _accepted(world)
    client.force_login(world.intake)
    response = client.get(reverse("workbench:case", args=[case.pk]))
    assert response.status_code == 200 and "routing-suggestions" not in response.content.decode()


def test_a_suggested_department_of_another_site_is_never_offered(world, trained):
    district_case = submit_case(world, site=world.district, channel=world.district.channels.get(),
                                title=NOISE[0], body=NOISE[1]).case
    offered = {d for d, _p in selectors.suggestions_for(district_case).departments}
    assert offered <= {world.district_dept}


# -- automatic dispatch ---------------------------------------------------------------------------


def test_a_confident_suggestion_dispatches_an_accepted_case_as_the_system(
        world, trained, django_capture_on_commit_callbacks, client):
    _enable(world, threshold=0.5)
    with django_capture_on_commit_callbacks(execute=True):
        case = _accepted(world)
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_department == world.dept_b
    event = case.events.get(action="auto_dispatch")
    assert event.actor is None and event.actor_kind == ActorKind.SYSTEM
    assert event.data["confidence"] >= 0.5 and event.data["model"] == str(trained)
    assert StaffNotice.objects.filter(user=world.handler_b, case=case).exists()
    client.force_login(world.intake)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    # The label is translated when shown; the note was written in the worker's language.
    assert "Automatic dispatch" in page and f'{event.data["confidence"]:.2f}' in event.note
    assert f'<p class="note internal">{event.note}</p>' in page
    assert 'id="routing-undo"' in page


def test_below_the_threshold_the_case_waits_for_intake(world, trained, monkeypatch):
    _enable(world, threshold=0.9)
    case = _accepted(world)
    monkeypatch.setattr(selectors, "raw_suggestions", lambda c: (trained, [], [(world.dept_b.pk, 0.899)]))
    assert auto_dispatch(case.pk, case.version) == "not confident"
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    monkeypatch.setattr(selectors, "raw_suggestions", lambda c: (trained, [], [(world.dept_b.pk, 0.9)]))
    assert auto_dispatch(case.pk, case.version) == "dispatched"  # the threshold itself is enough


def test_a_site_that_did_not_enable_it_gets_no_automatic_dispatch(world, trained, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = _accepted(world)
    assert callbacks == [] or case.status == Status.ACCEPTED
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert auto_dispatch(case.pk, case.version) == "disabled"


def test_automatic_dispatch_leaves_a_case_intake_already_changed(world, trained):
    _enable(world)
    case = _accepted(world)
    version = case.version
    actions.case_dispatch(case, by=world.intake, lead=world.dept_a)
    assert auto_dispatch(case.pk, version) == "changed"
    case.refresh_from_db()
    assert case.lead_department == world.dept_a
    assert not case.events.filter(action="auto_dispatch").exists()


def test_a_leader_mailbox_letter_is_not_dispatched_by_the_model(world, trained, django_capture_on_commit_callbacks):
    _enable(world)
    with django_capture_on_commit_callbacks(execute=True):
        case = submit_case(world, channel=world.mailbox, leader=world.leader, title=NOISE[0], body=NOISE[1]).case
        actions.case_accept(case, by=world.intake)
    assert not CaseEvent.objects.filter(case=case, action="auto_dispatch").exists()


def _auto_dispatched(world, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    _enable(world)
    with django_capture_on_commit_callbacks(execute=True):
        case = _accepted(world)
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    return case


def test_intake_can_undo_an_automatic_dispatch_and_the_department_is_told(
        world, trained, django_capture_on_commit_callbacks, client):
    case = _auto_dispatched(world, django_capture_on_commit_callbacks)
    client.force_login(world.intake)
    response = client.post(reverse("routing_staff:undo", args=[case.pk]), {"version": case.version, "reason": "不对"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.lead_department is None and case.dispatch_due_at is not None
    assert not case.assignments.filter(is_active=True).exists()
    assert not case.assignments.filter(returned_at__isnull=False).exists()  # not counted as a return
    event = case.events.get(action="undo_auto_dispatch")
    assert event.actor == world.intake and event.note == "不对" and event.department == world.dept_b
    assert StaffNotice.objects.filter(user=world.handler_b, case=case, kind="auto_dispatch_undone").exists()
    # Back in the queue, intake dispatches it by hand.
    actions.case_dispatch(case, by=world.intake, lead=world.dept_a)


def test_undo_works_after_the_department_signed_for_the_case(world, trained, django_capture_on_commit_callbacks):
    case = _auto_dispatched(world, django_capture_on_commit_callbacks)
    actions.case_receive(case, by=world.handler_b)
    case.refresh_from_db()
    actions.case_undo_auto_dispatch(case, by=world.intake)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.received_at is None


def test_a_dispatch_by_intake_cannot_be_undone_as_automatic(world, make_case):
    case = make_case("dispatched")
    with pytest.raises(actions.ActionError):
        actions.case_undo_auto_dispatch(case, by=world.intake)


def test_a_stale_undo_form_is_refused_with_a_message(world, trained, django_capture_on_commit_callbacks, client):
    case = _auto_dispatched(world, django_capture_on_commit_callbacks)
    client.force_login(world.intake)
    client.post(reverse("routing_staff:undo", args=[case.pk]), {"version": case.version - 1})
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    response = client.post(reverse("routing_staff:undo", args=[case.pk]), {"version": "abc"})
    assert response.status_code == 302


def test_a_handler_cannot_undo_and_another_site_gets_404(world, trained, django_capture_on_commit_callbacks, client):
    case = _auto_dispatched(world, django_capture_on_commit_callbacks)
    client.force_login(world.handler_b)
    client.post(reverse("routing_staff:undo", args=[case.pk]), {"version": case.version})
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    client.force_login(world.district_handler)
    assert client.post(reverse("routing_staff:undo", args=[case.pk]), {"version": case.version}).status_code == 404


# -- administration -------------------------------------------------------------------------------


def test_an_admin_sees_versions_and_per_class_precision_and_recall(world, trained, client):
    client.force_login(world.admin)
    index = client.get(reverse("routing_staff:index")).content.decode()
    assert f'href="{reverse("routing_staff:model", args=[trained.pk])}"' in index
    detail = client.get(reverse("routing_staff:model", args=[trained.pk])).content.decode()
    assert world.dept_a.name in detail and world.dept_b.name in detail and 'id="eval-category"' in detail


def test_routing_pages_are_404_for_intake_and_for_an_admin_of_another_site(world, trained, client):
    client.force_login(world.intake)
    assert client.get(reverse("routing_staff:index")).status_code == 404
    assert client.get(reverse("routing_staff:model", args=[trained.pk])).status_code == 404
    client.force_login(_other_admin(world))
    assert client.get(reverse("routing_staff:model", args=[trained.pk])).status_code == 404
    assert client.post(reverse("routing_staff:activate", args=[trained.pk])).status_code == 404
    assert client.post(reverse("routing_staff:train"), {"site": world.city.pk}).status_code == 404
    assert client.post(reverse("routing_staff:train"), {"site": "global"}).status_code == 404
    assert client.post(reverse("routing_staff:settings", args=[world.city.pk]), {}).status_code == 404


def test_the_train_button_trains_a_new_version(world, history, client, django_capture_on_commit_callbacks):
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("routing_staff:train"), {"site": world.city.pk})
    assert response.status_code == 302
    model = RouterModel.objects.get(site=world.city)
    assert model.trained_by == world.admin and model.is_active


def test_training_without_history_says_so_and_keeps_the_page(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("routing_staff:train"), {"site": "nonsense"})
    assert response.status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("routing_staff:train"), {"site": world.city.pk})
    assert response.status_code == 302 and not RouterModel.objects.filter(site=world.city).exists()


def test_an_admin_sets_automatic_dispatch_and_the_change_is_audited(world, client):
    client.force_login(world.admin)
    url = reverse("routing_staff:settings", args=[world.city.pk])
    p = f"s{world.city.pk}-"
    client.post(url, {p + "auto_dispatch": "on", p + "threshold": "0.95", p + "words": "翠湖湾畔嘉苑\n翠湖湾畔嘉苑\n"})
    settings = RoutingSettings.objects.get(site=world.city)
    assert settings.auto_dispatch and settings.threshold == 0.95 and settings.words == "翠湖湾畔嘉苑"
    event = RoutingEvent.objects.get(action="settings")
    assert event.actor == world.admin and event.data["to"]["auto_dispatch"] is True


@pytest.mark.parametrize("threshold", ["0.2", "1.5", "abc", ""])
def test_a_threshold_outside_half_to_one_is_refused_with_a_message(world, client, threshold):
    client.force_login(world.admin)
    client.cookies["django_language"] = "en"
    p = f"s{world.city.pk}-"
    response = client.post(reverse("routing_staff:settings", args=[world.city.pk]),
                           {p + "threshold": threshold}, follow=True)
    assert response.status_code == 200
    assert not RoutingSettings.objects.filter(site=world.city).exists()
    assert 'class="error"' in response.content.decode() or "error" in response.content.decode()


def test_an_overlong_name_in_the_word_list_is_refused(world, client):
    client.force_login(world.admin)
    p = f"s{world.city.pk}-"
    client.post(reverse("routing_staff:settings", args=[world.city.pk]),
                {p + "threshold": "0.9", p + "words": "长" * 30})
    assert not RoutingSettings.objects.filter(site=world.city).exists()


def test_the_segmenter_learns_the_sites_department_and_compound_names(world):
    from minsheng.lib import chinese

    RoutingSettings.objects.create(site=world.city, words="翠湖湾畔嘉苑")
    chinese.refresh_user_words()
    words = chinese.user_words()
    assert words[chinese.normalise(world.dept_a.name)] == "nt" and words["翠湖湾畔嘉苑"] == "ns" and words["a市人民政府"] == "ns"
    assert "翠湖湾畔嘉苑" in chinese.segment_query("翠湖湾畔嘉苑停车难")


def test_the_nav_links_to_routing_for_administrators_only(world, client):
    url = reverse("routing_staff:index")
    client.force_login(world.admin)
    assert f'href="{url}"' in client.get(reverse("workbench:home")).content.decode()
    client.force_login(world.intake)
    assert f'href="{url}"' not in client.get(reverse("workbench:home")).content.decode()


def _published_about(world, make_case, place):  # type: ignore[no-untyped-def]
    case = make_case("replied")
    actions.case_edit_publication(case, by=world.intake, publish_agreed=True, public_title=f"{place}夜间噪音",
                                  public_body=f"{place}小区门口搅拌站夜间施工，噪音扰民。")
    return case


def _found(word):  # type: ignore[no-untyped-def]
    from minsheng.cases import search
    from minsheng.cases.models import Case

    return set(search.search(Case.objects.all(), word).values_list("pk", flat=True))


def test_a_name_added_to_the_word_list_finds_the_cases_published_before_it(
        world, client, make_case, django_capture_on_commit_callbacks):
    place = "栖霞岭北麓苑"  # jieba cuts it 栖霞 / 岭 / 北麓 / 苑 until it is a user word
    case = _published_about(world, make_case, place)
    other = _published_about(world, make_case, "幸福家园")
    client.force_login(world.admin)
    p = f"s{world.city.pk}-"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("routing_staff:settings", args=[world.city.pk]), {p + "threshold": "0.9", p + "words": place})
    # The query keeps the new word whole, and the worker has cut the stored text again.
    assert _found(place) == {case.pk} and _found("幸福家园") == {other.pk}
    from minsheng.cases.models import SearchDocument

    assert place in SearchDocument.objects.get(case=case).tokens.split()


def test_a_targeted_reindex_touches_only_the_cases_that_contain_a_changed_word(world, make_case):
    from minsheng.cases.models import SearchDocument
    from minsheng.routing.tasks import reindex_cases_with_words

    case = _published_about(world, make_case, "栖霞岭北麓苑")
    other = _published_about(world, make_case, "幸福家园")
    SearchDocument.objects.all().update(tokens="旧 分词")  # both as if indexed long ago
    assert reindex_cases_with_words.call_local(["栖霞岭北麓苑"]) == 1
    assert SearchDocument.objects.get(case=other).tokens == "旧 分词"
    assert SearchDocument.objects.get(case=case).tokens != "旧 分词"
