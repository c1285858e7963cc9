"""Staff dashboards and the drill-down behind every number: scope, links, bad input."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from minsheng.accounts.models import Role, RoleKind, User
from minsheng.cases.models import Case
from minsheng.conftest import TEST_PASSWORD
from minsheng.reports.tests.scenario import Scenario, build_scenario
from minsheng.sites.models import Department, Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(world) -> Scenario:
    return build_scenario(world)


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def month():
    return timezone.localdate().strftime("%Y-%m")


def dashboard(client, **params):
    return client.get(reverse("metrics_staff:dashboard") + "?" + urlencode({"period": month(), **params}))


def drill(client, **params):
    return client.get(reverse("metrics_staff:cases") + "?" + urlencode({"period": month(), **params}))


def links(response) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="(/staff/metrics/cases/\?[^"]+)"', response.content.decode())]


def test_a_supervisor_sees_the_site_with_ranking_heat_map_and_ageing(client, scenario):
    response = dashboard(login(client, scenario.world.supervisor))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["selection"].site == scenario.world.city
    assert "A市住房和城乡建设局" in html and "A市生态环境局" in html
    assert html.count('<img src="data:image/svg+xml;base64,') >= 4  # trends x2, ranking, ageing (+ heat map)


def test_every_number_on_the_dashboard_links_to_exactly_its_cases(client, scenario):
    login(client, scenario.world.supervisor)
    response = dashboard(client)
    hrefs = links(response)
    assert len(hrefs) > 20
    received = [h for h in hrefs if "figure=cases" in h and "department" not in h and "category" not in h
                and f"period={month()}" in h]
    listed = client.get(received[0])
    assert listed.status_code == 200
    # Six cases behind the number; the district's case is outside this supervisor's role (no
    # sub-sites), so the list shows five and says one is hidden.
    assert listed.context["behind"] == 6
    assert listed.context["page"].paginator.count == 5
    assert listed.context["hidden"] == 1


def test_a_supervisor_with_sub_sites_sees_every_case_behind_a_number(client, scenario):
    login(client, city_wide_supervisor(scenario.world))
    listed = drill(client, figure="cases")
    assert listed.context["page"].paginator.count == 6 and listed.context["hidden"] == 0


def test_the_drill_down_lists_the_reply_rate_numerator(client, scenario):
    login(client, scenario.world.supervisor)
    response = drill(client, figure="reply_rate", part="numerator")
    assert response.status_code == 200
    codes = {c.tracking_code for c in response.context["page"]}
    assert codes == {scenario.satisfied.tracking_code, scenario.unrated.tracking_code, scenario.basic.tracking_code}
    assert reverse("workbench:case", args=[scenario.satisfied.pk]) in response.content.decode()


def test_the_overdue_ageing_drill_down_finds_the_overdue_case(client, scenario):
    login(client, scenario.world.supervisor)
    response = drill(client, figure="overdue_by_age.6-20")
    assert [c.pk for c in response.context["page"]] == [scenario.overdue.pk]


def test_a_handler_sees_only_their_department(client, scenario):
    login(client, scenario.world.handler_b)
    response = dashboard(client)
    assert response.status_code == 200
    selection = response.context["selection"]
    assert selection.department == scenario.world.dept_b and selection.department_locked
    assert "A市住房和城乡建设局" not in response.content.decode()
    listed = drill(client, figure="cases")
    assert [c.pk for c in listed.context["page"]] == [scenario.overdue.pk]


def test_a_handler_asking_for_another_department_gets_404(client, scenario):
    login(client, scenario.world.handler_b)
    assert dashboard(client, department=scenario.world.dept_a.pk).status_code == 404
    assert drill(client, figure="cases", department=scenario.world.dept_a.pk).status_code == 404


def test_a_handler_asking_for_another_site_gets_404(client, scenario):
    login(client, scenario.world.handler_a)
    assert dashboard(client, site=scenario.world.district.code).status_code == 404


def test_a_supervisor_of_another_site_gets_404(client, scenario):
    other = Site.objects.create(code="b-city", name="B市人民政府")
    stranger = User.objects.create_user(username="b_supervisor", password=TEST_PASSWORD)
    Role.objects.create(user=stranger, kind=RoleKind.SUPERVISOR, site=other)
    login(client, stranger)
    assert dashboard(client).context["selection"].site == other
    assert dashboard(client, site=scenario.world.city.code).status_code == 404
    assert dashboard(client, department=scenario.world.dept_a.pk).status_code == 404
    assert drill(client, figure="cases", site=scenario.world.city.code).status_code == 404


def test_a_district_handler_cannot_drill_into_city_cases(client, scenario):
    login(client, scenario.world.district_handler)
    response = drill(client, figure="cases")
    assert response.status_code == 200
    assert scenario.satisfied.pk not in [c.pk for c in response.context["page"]]


def test_anonymous_visitors_are_sent_to_the_login_page(client, scenario):
    assert dashboard(client).status_code == 302
    assert drill(client, figure="cases").status_code == 302


def test_intake_officers_see_their_site_but_not_the_report_pages(client, scenario):
    login(client, scenario.world.intake)
    assert dashboard(client).context["selection"].site == scenario.world.city
    assert client.get(reverse("metrics_staff:reports")).status_code == 404


def test_a_user_without_any_role_gets_404(client, scenario):
    User.objects.create_user(username="nobody", password=TEST_PASSWORD)
    client.login(username="nobody", password=TEST_PASSWORD)
    assert dashboard(client).status_code == 404
    assert drill(client, figure="cases").status_code == 404


@pytest.mark.parametrize("params", [
    {"period": "2026-13"}, {"period": "yesterday"}, {"period": "2999-01"}, {"department": "abc"},
    {"department": "999999"}, {"department": "-3"}, {"site": "nowhere"}, {"channel": "fax"}, {"category": "x"},
    {"category": "999999"}, {"format": "doc"},
])
def test_bad_dashboard_parameters_give_a_clear_message(client, scenario, params):
    login(client, scenario.world.supervisor)
    with override("en"):
        response = dashboard(client, **params)
    assert response.status_code == 400
    assert response.context["error"]


@pytest.mark.parametrize("params", [
    {"figure": "nonsense"}, {"figure": ""}, {"figure": "reply_rate", "part": "value"}, {"figure": "reply_rate"},
    {"figure": "cases", "period": "2026-Q5"}, {"figure": "cases", "department": "1.5"},
])
def test_bad_drill_down_parameters_give_a_clear_message(client, scenario, params):
    login(client, scenario.world.supervisor)
    response = client.get(reverse("metrics_staff:cases") + "?" + urlencode(params))
    assert response.status_code == 400
    assert response.context["error"]


def test_a_bad_page_number_shows_the_last_page_instead_of_failing(client, scenario):
    login(client, scenario.world.supervisor)
    assert drill(client, figure="cases", page="9999").status_code == 200
    assert drill(client, figure="cases", page="abc").status_code == 200


def city_wide_supervisor(world):
    user = User.objects.create_user(username="city_wide", password=TEST_PASSWORD)
    Role.objects.create(user=user, kind=RoleKind.SUPERVISOR, site=world.city, include_subsites=True)
    return user


def test_a_department_of_a_sub_site_is_not_offered_to_a_supervisor_without_sub_sites(client, scenario):
    login(client, scenario.world.supervisor)
    assert scenario.world.district_dept not in list(dashboard(client).context["departments"])
    assert dashboard(client, department=scenario.world.district_dept.pk).status_code == 404


def test_a_department_of_a_sub_site_can_be_chosen_by_a_supervisor_with_sub_sites(client, scenario):
    login(client, city_wide_supervisor(scenario.world))
    assert scenario.world.district_dept in list(dashboard(client).context["departments"])
    response = dashboard(client, department=scenario.world.district_dept.pk)
    assert response.status_code == 200
    assert response.context["selection"].department == scenario.world.district_dept


def test_a_department_outside_the_chosen_site_is_explained(client, scenario):
    login(client, city_wide_supervisor(scenario.world))
    response = dashboard(client, site=scenario.world.district.code, department=scenario.world.dept_a.pk)
    assert response.status_code == 400


def test_the_dashboard_downloads_as_excel_and_pdf(client, scenario):
    login(client, scenario.world.supervisor)
    xlsx = dashboard(client, format="xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = dashboard(client, format="pdf")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"


def test_an_inactive_department_is_not_offered_but_its_past_figures_remain(client, scenario):
    Department.objects.filter(pk=scenario.world.dept_b.pk).update(is_active=False)
    login(client, scenario.world.supervisor)
    response = dashboard(client)
    assert scenario.world.dept_b not in list(response.context["departments"])
    assert response.context["selection"].site == scenario.world.city


@pytest.mark.parametrize("who", ["supervisor", "handler_a"])
def test_every_heat_map_cell_is_the_engines_count_for_that_district_and_category(scenario, who):
    """The heat map counts from one load of the facts; each cell must equal compute() for its scope."""
    from minsheng.metrics import dashboards
    from minsheng.metrics.engine import compute

    # Test set-up: file every other case under a second-level category (the heat map's rows are the
    # top categories, each counting everything below it).
    # Some cases belong to the district, some city cases are led by the district's department:
    # both count in the district's column.
    for i, case in enumerate(Case.objects.order_by("pk")):
        changes: dict[str, object] = {"category": scenario.world.category} if i % 2 == 0 else {}
        if i % 3 == 0:
            changes["site"] = scenario.world.district
        elif i % 3 == 1:
            changes["lead_department"] = scenario.world.district_dept
        Case.objects.filter(pk=case.pk).update(**changes)
    user = getattr(scenario.world, who)
    selection = dashboards.select(user, {"period": month()})
    columns = dashboards.heat_columns(selection)
    categories = dashboards.reporting.top_categories(selection.site)
    cells = dashboards.heat_cells(selection, columns, categories)
    assert sum(cells.values()) > 0
    for column in columns:
        for category in categories:
            expected = compute(selection.scope(site=column.site, category=category,
                                               own_level=column.own_level)).counts["cases"]
            assert cells[(column.site.pk, category.pk)] == expected, (column.label, category.name)


def test_the_heat_map_has_a_column_for_the_citys_own_cases(client, scenario):
    """The columns are the districts, so the city's own cases (case.site = the city) need their own
    column; its cells count them and nothing of the districts', and its drill-down lists them."""
    from minsheng.metrics import dashboards
    from minsheng.metrics.engine import compute

    world = scenario.world
    Case.objects.update(category=world.category)
    selection = dashboards.select(world.supervisor, {"period": month()})
    columns = dashboards.heat_columns(selection)
    assert [(c.site, c.own_level) for c in columns][:2] == [(world.city, True), (world.district, False)]
    with override("zh-hans"):
        assert columns[0].label == "本级"
    with override("en"):
        assert columns[0].label == "Own level"
    top = world.category if world.category.parent_id is None else world.category.parent
    cells = dashboards.heat_cells(selection, columns, [top])
    city_own = Case.objects.filter(site=world.city).count()
    assert cells[(world.city.pk, top.pk)] == city_own == compute(
        selection.scope(category=top, own_level=True)).counts["cases"] == 5
    assert cells[(world.district.pk, top.pk)] == 1

    login(client, world.supervisor)
    html = dashboard(client).content.decode()
    own_links = [h for h in links_in(html) if "level=own" in h]
    assert own_links, "the own-level cells link to their cases"
    listed = client.get(own_links[0])
    assert listed.status_code == 200
    assert listed.context["behind"] == city_own
    assert {c.site_id for c in listed.context["page"].object_list} == {world.city.pk}


def links_in(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="(/staff/metrics/cases/\?[^"]+)"', html)]


def test_the_drill_down_of_the_own_level_leaves_out_the_districts_cases(client, scenario):
    world = scenario.world
    login(client, world.supervisor)
    everything = drill(client, figure="cases")
    own = drill(client, figure="cases", level="own")
    assert everything.context["behind"] == 6
    assert own.context["behind"] == 5
    assert scenario.district.pk not in {c.pk for c in own.context["page"].object_list}


def test_an_unknown_level_is_explained_not_a_500(client, scenario):
    login(client, scenario.world.supervisor)
    response = dashboard(client, level="<script>")
    assert response.status_code == 400
    assert "own" in response.content.decode()
    assert drill(client, figure="cases", level="nope").status_code == 400
