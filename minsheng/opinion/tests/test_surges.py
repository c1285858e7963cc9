"""A topic whose daily count rises sharply over its own baseline alerts the site's supervisors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from minsheng.conftest import TEST_PASSWORD
from minsheng.notifications.models import StaffNotice
from minsheng.opinion import engine
from minsheng.opinion.models import OpinionSettings, SurgeAlert
from minsheng.opinion.tests.conftest import NOISE, SCHOOL, submit_many

pytestmark = pytest.mark.django_db

SIX = NOISE + NOISE[:2]


def test_a_burst_of_cases_today_raises_one_alert_to_the_supervisors(world):
    engine.assign_new(world.city)  # the site's (empty) model exists: the cases arrive one run later
    submit_many(world, SIX)
    result = engine.assign_new(world.city)
    assert len(result.surges) == 1
    alert = SurgeAlert.objects.get()
    assert alert.count == 6 and alert.day == timezone.localdate()
    notices = StaffNotice.objects.filter(kind="surge")
    assert [n.user for n in notices] == [world.supervisor]
    assert "搅拌站" in notices[0].text


def test_the_alert_is_raised_within_the_minute_run_that_assigns_the_cases(world):
    submit_many(world, SCHOOL)  # the site already has topics
    engine.assign_new(world.city)
    submit_many(world, SIX, start=10)
    engine.assign_all()
    assert SurgeAlert.objects.filter(topic__title__contains="搅拌站").count() == 1


def test_running_twice_alerts_once(world):
    engine.assign_new(world.city)
    submit_many(world, SIX)
    engine.assign_new(world.city)
    topic_ids = list(SurgeAlert.objects.values_list("topic_id", flat=True))
    count = SurgeAlert.objects.get().count
    assert engine.detect_surges(world.city, topic_ids) == []
    submit_many(world, NOISE[:1], start=20)
    engine.assign_new(world.city)
    assert SurgeAlert.objects.count() == 1
    assert StaffNotice.objects.filter(kind="surge").count() == 1
    assert SurgeAlert.objects.get().count == count + 1  # the day's figure is kept up to date


def test_a_topic_that_is_always_this_busy_does_not_surge(world):
    now = timezone.now()
    for days_ago in range(1, 15):
        submit_many(world, SIX, at=now - timedelta(days=days_ago), start=100 * days_ago)
    engine.assign_new(world.city)
    SurgeAlert.objects.all().delete()
    submit_many(world, SIX, start=5000)
    engine.assign_new(world.city)
    assert not SurgeAlert.objects.exists()


def test_a_few_cases_are_not_a_surge(world):
    submit_many(world, NOISE[:3])
    engine.assign_new(world.city)
    assert not SurgeAlert.objects.exists()


def test_the_threshold_is_configurable_per_site(world):
    OpinionSettings.objects.create(site=world.city, surge_min_cases=3, surge_ratio=2)
    submit_many(world, NOISE[:3])
    engine.assign_new(world.city)
    assert SurgeAlert.objects.count() == 1


def test_the_rule_compares_today_with_the_mean_of_the_baseline_days():
    cfg = OpinionSettings(surge_min_cases=5, surge_ratio=3.0)
    assert engine.is_surge(6, 0.0, cfg)  # floor of one case a day
    assert engine.is_surge(6, 2.0, cfg)
    assert not engine.is_surge(6, 2.5, cfg)
    assert not engine.is_surge(4, 0.0, cfg)


def test_the_supervisor_board_and_the_topic_list_show_the_surge(client, world):
    engine.assign_new(world.city)
    submit_many(world, SIX)
    engine.assign_new(world.city)
    client.login(username="supervisor", password=TEST_PASSWORD)
    board = client.get(reverse("workbench:board")).content.decode()
    assert "opinion-surges" in board and "搅拌站" in board
    assert "搅拌站" in client.get(reverse("opinion_staff:topics")).content.decode()


def test_another_sites_supervisor_sees_no_surge_of_this_site(client, world):
    from minsheng.accounts.models import Role, RoleKind, User
    from minsheng.sites.models import Site

    other = Site.objects.create(code="b-city", name="B市人民政府")
    user = User.objects.create_user(username="b_super", password=TEST_PASSWORD)
    Role.objects.create(user=user, kind=RoleKind.SUPERVISOR, site=other)
    engine.assign_new(world.city)
    submit_many(world, SIX)
    engine.assign_new(world.city)
    assert SurgeAlert.objects.exists()
    client.login(username="b_super", password=TEST_PASSWORD)
    assert "搅拌站" not in client.get(reverse("workbench:board")).content.decode()
    assert "搅拌站" not in client.get(reverse("opinion_staff:topics")).content.decode()
