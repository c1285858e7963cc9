"""Fixtures of the metrics tests: `march` is the scenario of issue 4 (see test_scenario.py)."""

from __future__ import annotations

import pytest

from minsheng.cases.models import Case
from minsheng.conftest import World
from minsheng.metrics.tests.scenario import build_march


@pytest.fixture
def march(world: World) -> dict[int, Case]:
    return build_march(world)
