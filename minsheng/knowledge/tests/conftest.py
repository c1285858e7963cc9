from __future__ import annotations

import pytest
from django.test import Client

from minsheng.conftest import TEST_PASSWORD


@pytest.fixture
def login():  # type: ignore[no-untyped-def]
    def make(user) -> Client:  # type: ignore[no-untyped-def]
        client = Client()
        assert client.login(username=user.username, password=TEST_PASSWORD)
        client.cookies["django_language"] = "en"
        return client

    return make
