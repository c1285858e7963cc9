"""Open data: published cases only, masked public texts, no personal data, streamed, rate-limited."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from minsheng.cases.models import Case
from minsheng.metrics import opendata
from minsheng.reports.tests.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db

PERSONAL = ("王建国", "13812345678", "wang@example.com")


@pytest.fixture
def scenario(world) -> Scenario:
    return build_scenario(world)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def read_csv(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_lists_published_cases_only_with_masked_texts(client, scenario):
    response = client.get(reverse("metrics_public:open_data", args=[scenario.world.city.code, "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert rows[0] == list(opendata.COLUMNS)
    published = set(Case.objects.filter(site=scenario.world.city, published_at__isnull=False).values_list("pk", flat=True))
    assert published and {int(r[0]) for r in rows[2:]} == published
    assert scenario.overdue.pk not in {int(r[0]) for r in rows[2:]}  # the citizen did not want it public
    body = "\n".join(",".join(r) for r in rows)
    for secret in PERSONAL:
        assert secret not in body
    for case in Case.objects.filter(pk__in=published):
        assert case.tracking_code not in body
    first = next(r for r in rows[2:] if int(r[0]) == scenario.satisfied.pk)
    assert first[8] == scenario.satisfied.public_title
    assert first[9] == scenario.satisfied.public_body and first[9] != scenario.satisfied.body


def test_the_excel_file_has_the_same_rows(client, scenario):
    response = client.get(reverse("metrics_public:open_data", args=[scenario.world.city.code, "xlsx"]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == list(opendata.COLUMNS)
    csv_rows = read_csv(client.get(reverse("metrics_public:open_data", args=[scenario.world.city.code, "csv"])))
    assert [str(v[0]) for v in values[2:]] == [r[0] for r in csv_rows[2:]]
    assert not any(secret in str(values) for secret in PERSONAL)


def test_a_title_that_looks_like_a_formula_is_neutralised(client, scenario):
    Case.objects.filter(pk=scenario.satisfied.pk).update(public_title="=HYPERLINK(\"http://x\",\"点我\")")
    rows = read_csv(client.get(reverse("metrics_public:open_data", args=[scenario.world.city.code, "csv"])))
    row = next(r for r in rows[2:] if int(r[0]) == scenario.satisfied.pk)
    assert row[8].startswith("'=")


def test_unknown_formats_and_sites_are_404(client, world):
    assert client.get(f"/s/{world.city.code}/stats/open-data.json").status_code == 404
    assert client.get(reverse("metrics_public:open_data", args=["nowhere", "csv"])).status_code == 404


def test_an_empty_site_gives_a_file_with_headers_only(client, world):
    rows = read_csv(client.get(reverse("metrics_public:open_data", args=[world.city.code, "csv"])))
    assert len(rows) == 2


def test_downloads_are_rate_limited_per_address(client, world, monkeypatch):
    from minsheng.metrics import public_views

    monkeypatch.setattr(public_views, "RATE_OPEN_DATA", "2/h")
    url = reverse("metrics_public:open_data", args=[world.city.code, "csv"])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429


def test_the_rows_come_in_chunks_so_memory_stays_flat(scenario, monkeypatch):
    monkeypatch.setattr(opendata, "CHUNK", 1)
    count = Case.objects.filter(site=scenario.world.city, published_at__isnull=False).count()
    rows = list(opendata.rows(scenario.world.city))
    assert len(rows) == count
