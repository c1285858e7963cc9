"""Topics of a site's cases: incremental assignment, re-fit with stable identities, figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from minsheng.cases import actions as case_actions
from minsheng.opinion import engine
from minsheng.opinion.models import (
    OpinionEvent,
    OpinionSettings,
    Topic,
    TopicMember,
    TopicModelSnapshot,
    TopicState,
)
from minsheng.opinion.tests.conftest import NOISE, OTHER, SCHOOL, submit_many

pytestmark = pytest.mark.django_db


def topic_of(case) -> Topic:  # type: ignore[no-untyped-def]
    return TopicMember.objects.get(case=case).topic


def test_the_first_run_groups_the_sites_cases_into_topics(world):
    noise = submit_many(world, NOISE, at=timezone.now() - timedelta(days=3))
    school = submit_many(world, SCHOOL, start=10, at=timezone.now() - timedelta(days=3))
    result = engine.assign_new(world.city)
    assert result.refitted
    assert len({topic_of(c).pk for c in noise}) == 1
    assert len({topic_of(c).pk for c in school}) == 1
    assert topic_of(noise[0]) != topic_of(school[0])
    topic = topic_of(noise[0])
    assert topic.case_count == 4 and topic.citizen_count == 4 and topic.unknown_citizens == 0
    assert "搅拌站" in topic.title and "搅拌站" in topic.keywords
    assert "幸福家园" in topic.place


def test_a_new_case_joins_its_topic_without_re_clustering(world):
    noise = submit_many(world, NOISE[:3])
    engine.assign_new(world.city)
    fitted_at = TopicModelSnapshot.objects.get(site=world.city).fitted_at
    [late] = submit_many(world, NOISE[3:], start=20)
    result = engine.assign_new(world.city)
    assert not result.refitted and result.assigned == 1
    assert topic_of(late) == topic_of(noise[0])
    assert topic_of(late).case_count == 4
    assert TopicModelSnapshot.objects.get(site=world.city).fitted_at == fitted_at


def test_a_second_run_without_new_cases_changes_nothing(world):
    submit_many(world, NOISE)
    engine.assign_new(world.city)
    before = list(TopicMember.objects.values_list("case_id", "topic_id"))
    assert engine.assign_new(world.city).assigned == 0
    assert list(TopicMember.objects.values_list("case_id", "topic_id")) == before


def test_a_new_concern_founds_a_new_topic(world):
    submit_many(world, NOISE)
    engine.assign_new(world.city)
    [other] = submit_many(world, [OTHER], start=30)
    engine.assign_new(world.city)
    assert topic_of(other).case_count == 1
    assert Topic.objects.filter(site=world.city).count() == 2


def test_rejected_messages_form_no_topic(world):
    [case] = submit_many(world, [OTHER])
    case_actions.case_reject(case, by=world.intake, reason="与本平台无关")
    engine.assign_new(world.city)
    assert not TopicMember.objects.filter(case=case).exists()


def test_cases_of_another_site_stay_out_of_this_sites_topics(world):
    submit_many(world, NOISE)
    district_channel = world.district.channels.first()
    [elsewhere] = submit_many(world, [NOISE[0]], start=40, site=world.district, channel=district_channel)
    engine.assign_new(world.city)
    assert not TopicMember.objects.filter(case=elsewhere).exists()
    engine.assign_new(world.district)
    assert topic_of(elsewhere).site == world.district


def test_one_citizen_writing_repeatedly_counts_once_and_weighs_less(world):
    submit_many(world, NOISE, same_citizen=True)
    submit_many(world, [*SCHOOL[:2], SCHOOL[0]], start=50)
    engine.assign_new(world.city)
    noise = Topic.objects.get(title__contains="搅拌站")
    school = Topic.objects.get(title__contains="金桂苑")
    assert noise.case_count == 4 and noise.citizen_count == 1
    assert school.case_count == 3 and school.citizen_count == 3
    assert school.heat > noise.heat


def test_the_heat_weights_are_read_from_the_sites_settings(world):
    submit_many(world, NOISE)
    engine.assign_new(world.city)
    default_heat = Topic.objects.get().heat
    OpinionSettings.objects.create(site=world.city, per_author=10.0, half_life_days=0)
    engine.refit(world.city)
    # four citizens, no decay: 4 x (per_case 1 + per_author 10), no likes
    assert Topic.objects.get().heat == pytest.approx(44.0)
    assert default_heat < 44.0


def test_a_refit_keeps_the_identity_of_each_topic(world):
    noise = submit_many(world, NOISE[:3])
    school = submit_many(world, SCHOOL, start=60)
    engine.assign_new(world.city)
    noise_topic, school_topic = topic_of(noise[0]).pk, topic_of(school[0]).pk
    submit_many(world, NOISE[3:], start=70)
    engine.refit(world.city)
    assert topic_of(noise[0]).pk == noise_topic and topic_of(noise[0]).case_count == 4
    assert topic_of(school[0]).pk == school_topic
    assert OpinionEvent.objects.filter(action="refit").count() == 2


def test_a_topic_whose_cases_left_the_window_is_retired(world):
    old = submit_many(world, SCHOOL, at=timezone.now() - timedelta(days=200))
    submit_many(world, NOISE, start=80)
    OpinionSettings.objects.create(site=world.city, window_days=400)
    engine.assign_new(world.city)
    school_topic = topic_of(old[0])
    OpinionSettings.objects.filter(site=world.city).update(window_days=30)
    engine.refit(world.city)
    school_topic.refresh_from_db()
    assert school_topic.state == TopicState.RETIRED and school_topic.model_id is None
    assert Topic.objects.filter(state=TopicState.ACTIVE).count() == 1


def test_an_unreadable_model_state_is_rebuilt_instead_of_failing(world):
    submit_many(world, NOISE)
    engine.assign_new(world.city)
    TopicModelSnapshot.objects.filter(site=world.city).update(state={"version": 999})
    submit_many(world, [OTHER], start=90)
    result = engine.assign_new(world.city)
    assert result.refitted and TopicMember.objects.count() == 5


def test_topic_titles_and_model_state_hold_no_personal_data(world):
    submit_many(world, [("张三反映搅拌站噪音，电话13912345678", NOISE[0][1] + "联系电话13912345678"), *NOISE[1:]])
    engine.assign_new(world.city)
    state = str(TopicModelSnapshot.objects.get(site=world.city).state)
    assert "13912345678" not in state
    assert "13912345678" not in Topic.objects.get().title
