"""Times for tests: local Shanghai datetimes and a frozen `timezone.now()`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")


def local(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SH)


def end_of(y: int, m: int, d: int) -> datetime:
    """The end of the working day, when working-day deadlines fall due."""
    return datetime(y, m, d, 17, 30, tzinfo=SH)


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield
