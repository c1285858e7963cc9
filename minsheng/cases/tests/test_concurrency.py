"""Two staff acting on the same case at once: one wins, the other gets "this case has changed, reload"."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from minsheng.cases import actions
from minsheng.cases.actions import StaleCase
from minsheng.cases.models import Case, CaseEvent, Status
from minsheng.conftest import World, submit_case


def _accept(world: World, case: Case, version: int) -> None:
    actions.case_accept(case, by=world.intake, expected_version=version)


def _reject(world: World, case: Case, version: int) -> None:
    actions.case_reject(case, by=world.admin, reason="不属于受理范围。", expected_version=version)


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("first", "second"), [(_accept, _reject), (_accept, _accept)],
                         ids=["accept-vs-reject", "accept-vs-accept"])
def test_two_staff_acting_at_once_one_wins_and_the_other_is_told_to_reload(world, monkeypatch, first, second):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers at BEGIN IMMEDIATE, so the race cannot happen there; "
                    "see the sequential test below")
    case = submit_case(world).case
    version = case.version
    events_before = CaseEvent.objects.filter(case=case).count()

    # The winner holds the case's row lock until the loser is seen waiting for it, so the two really
    # overlap instead of running one after the other by luck of scheduling.
    loser_was_blocked = threading.Event()
    notify = actions.notify_citizen

    def notify_when_the_other_waits(*args: Any, **kwargs: Any) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if _waiting_on_a_lock():
                loser_was_blocked.set()
                break
            time.sleep(0.02)
        notify(*args, **kwargs)

    monkeypatch.setattr(actions, "notify_citizen", notify_when_the_other_waits)

    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def act(name: str, action: Callable[[World, Case, int], None]) -> None:
        try:
            stale_copy = Case.objects.get(pk=case.pk)  # what this officer's page was showing
            assert stale_copy.version == version
            barrier.wait(timeout=10)
            action(world, stale_copy, version)
            outcomes[name] = "won"
        except Exception as exc:  # StaleCase expected; anything else shows in the assertions below
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(name, action)) for name, action in
               (("first", first), ("second", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    assert sorted(outcomes) == ["first", "second"]
    won = [name for name, outcome in outcomes.items() if outcome == "won"]
    lost = [outcome for outcome in outcomes.values() if isinstance(outcome, StaleCase)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert "reload" in lost[0].message.lower() or "刷新" in lost[0].message
    assert loser_was_blocked.is_set()
    case.refresh_from_db()
    assert case.version == version + 1
    assert case.status in (Status.ACCEPTED, Status.REJECTED)
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1


@pytest.mark.django_db
def test_an_action_on_a_page_opened_before_another_officers_change_is_refused(world):
    case = submit_case(world).case
    version = case.version
    first_page, second_page = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    actions.case_accept(first_page, by=world.intake, expected_version=version)
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(StaleCase) as refused:
        actions.case_reject(second_page, by=world.admin, reason="不属于受理范围。", expected_version=version)
    assert "reload" in refused.value.message.lower() or "刷新" in refused.value.message
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.version == version + 1
    assert CaseEvent.objects.filter(case=case).count() == events
