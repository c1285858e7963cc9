"""Every link a member of staff is shown leads to a page they may open: a menu entry that answers
404 for the person who clicks it is a broken promise, whatever the role."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.test import Client

from minsheng.conftest import World

PERSONAS = ("intake", "handler_a", "handler_b", "reviewer_a", "supervisor", "admin", "district_handler")
# Links that change state, download files or leave the workbench are not pages to open.
NOT_PAGES = re.compile(r"logout|^/admin/|/i18n/|format=|\.(pdf|docx|xlsx|csv)$|/export/")
HREF = re.compile(r'href="([^"#]+)"')


def _links(html: str) -> set[str]:
    out = set()
    for href in HREF.findall(html):
        path = urlparse(href.replace("&amp;", "&"))
        if not path.netloc and path.path.startswith("/staff/") and not NOT_PAGES.search(href):
            out.add(path.path + (f"?{path.query}" if path.query else ""))
    return out


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_link_on_the_staff_home_and_statistics_pages_opens_for_the_persona(world: World, persona: str) -> None:
    client = Client()
    client.force_login(getattr(world, persona))
    shown: set[str] = set()
    for start in ("/staff/", "/staff/metrics/"):
        page = client.get(start)
        assert page.status_code == 200, start
        shown |= _links(page.content.decode())
    assert "/staff/metrics/" in shown  # the menu itself was read
    broken = {link: client.get(link, follow=True).status_code for link in sorted(shown)}
    assert {link: code for link, code in broken.items() if code != 200} == {}


def test_the_statistics_page_offers_the_periodic_reports_only_to_those_who_manage_them(world: World) -> None:
    client = Client()
    client.force_login(world.intake)
    assert "/staff/metrics/reports/" not in client.get("/staff/metrics/").content.decode()
    client.force_login(world.supervisor)
    assert "/staff/metrics/reports/" in client.get("/staff/metrics/").content.decode()


def test_an_administrator_follows_the_exclusions_and_appeals_queue_without_deciding(world: World) -> None:
    client = Client()
    client.force_login(world.admin)
    page = client.get("/staff/metrics/review/")
    assert page.status_code == 200
