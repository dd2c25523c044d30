"""The leaders' report pages: access, period and grouping parameters, the Biểu 06
table against `report_build`, and the drill-down lists behind the numbers."""

import html
import re
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dossiers.forms.reports import report_params
from dossiers.generator import generate_dossiers
from dossiers.statistics import Period, report_build
from dossiers.statistics.layout import layout_columns
from portal.roles import Role
from procedures.exchange import catalogue_import_json
from procedures.models import Procedure
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
OCTOBER = {"period": "month", "year": "2026", "month": "10"}
CELL = re.compile(r'<a href="(?P<href>[^"]+)" data-column="(?P<column>[a-z_]+)">(?P<value>\d+)</a>')


@pytest.fixture
def catalogue():
    path = settings.BASE_DIR / "procedures" / "fixtures" / "demo_catalogue.json"
    catalogue_import_json(path.read_bytes())


@pytest.fixture
def dossiers(catalogue):
    generate_dossiers(count=250, seed=6, start=date(2026, 7, 1), end=date(2026, 11, 25), now=NOW)


@pytest.fixture
def boss():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def leader(catalogue):
    agency = Procedure.objects.filter(is_published=True).order_by("code").first().agency
    user = UserFactory(role=Role.LEADER)
    user.agency = agency
    user.save(update_fields=["agency"])
    return user


def _section(content: str, tag: str) -> str:
    return content.split(f"<{tag}>", 1)[1].split(f"</{tag}>", 1)[0]


def _cells(fragment: str) -> list[tuple[str, str, int]]:
    return [
        (html.unescape(m["href"]), m["column"], int(m["value"])) for m in CELL.finditer(fragment)
    ]


# ---- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reports", "report_dossiers", "report_xlsx", "report_csv"])
def test_anonymous_visitors_go_to_the_login_page(client, name):
    response = client.get(reverse(f"dossiers:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:staff_login"))


@pytest.mark.parametrize(
    "role", [Role.CITIZEN, Role.DESK_OFFICER, Role.SPECIALIST, Role.DIVISION_HEAD]
)
@pytest.mark.parametrize("name", ["reports", "report_dossiers", "report_xlsx", "report_csv"])
def test_other_roles_are_refused(client, role, name):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse(f"dossiers:{name}")).status_code == 403


@pytest.mark.parametrize("who", ["leader", "catalogue_admin", "superuser"])
def test_leaders_administrators_and_superusers_see_the_report(client, catalogue, who):
    if who == "superuser":
        user = UserFactory(is_superuser=True, is_staff=True)
    else:
        user = UserFactory(role=Role.LEADER if who == "leader" else Role.CATALOGUE_ADMIN)
    client.force_login(user)
    response = client.get(reverse("dossiers:reports"))
    assert response.status_code == 200
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC" in response.content.decode()


def test_the_workspace_links_leaders_to_the_report(client, leader):
    client.force_login(leader)
    response = client.get(reverse("portal:staff_home"))
    assert reverse("dossiers:reports") in response.content.decode()


# ---- parameters --------------------------------------------------------------------------------


def test_the_default_is_the_current_month_by_agency(rf):
    params = report_params(rf.get("/reports/").GET)
    today = timezone.localdate()
    assert params.period == Period.month(today.year, today.month)
    assert params.grouping == "agency"
    assert params.errors == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"period": "month", "year": "2026", "month": "2"}, Period.month(2026, 2)),
        ({"period": "quarter", "year": "2025", "quarter": "4"}, Period.quarter(2025, 4)),
        ({"period": "year", "year": "2024"}, Period.year(2024)),
        (
            {"period": "custom", "from": "15/03/2026", "to": "02/04/2026"},
            Period(date(2026, 3, 15), date(2026, 4, 2)),
        ),
    ],
)
def test_each_kind_of_period_is_read(rf, query, expected):
    params = report_params(rf.get("/reports/", {**query, "grouping": "field"}).GET)
    assert params.errors == []
    assert params.period == expected
    assert params.grouping == "field"
    assert report_params(rf.get("/", params.query()).GET).period == expected


@pytest.mark.parametrize(
    "query",
    [
        {"period": "decade"},
        {"period": "month", "year": "2026", "month": "13"},
        {"period": "month", "year": "abc"},
        {"period": "quarter", "year": "2026", "quarter": "5"},
        {"period": "year", "year": "99999"},
        {"period": "custom", "from": "2026-03-01", "to": "31/03/2026"},
        {"period": "custom", "from": "31/03/2026", "to": "01/03/2026"},
        {"period": "custom", "from": "31/02/2026", "to": "01/03/2026"},
        {"period": "custom", "from": "01/03/2026"},
    ],
)
def test_bad_periods_give_a_message_and_the_current_month(client, boss, query):
    client.force_login(boss)
    response = client.get(reverse("dossiers:reports"), query)
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["report"].period == Period.month(today.year, today.month)
    levels = [message.level_tag for message in response.context["messages"]]
    assert "error" in levels


def test_a_bad_grouping_falls_back_to_agency(client, boss):
    client.force_login(boss)
    response = client.get(reverse("dossiers:reports"), {**OCTOBER, "grouping": "colour"})
    assert response.status_code == 200
    assert response.context["report"].grouping == "agency"
    assert response.context["report"].period == Period.month(2026, 10)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        ({"column": "nonsense"}, True),
        ({"column": "resolved_total", "grouping": "colour", "key": "1"}, True),
        ({"column": "resolved_total", "key": "1"}, True),
        ({"column": "resolved_total", "grouping": "agency", "key": "x"}, False),
        ({"column": "resolved_total", "grouping": "procedure", "key": "no-such-code"}, False),
    ],
)
def test_bad_drilldown_parameters_never_fail(client, boss, dossiers, query, refused):
    """Malformed parameters are refused with a message and list nothing; a key that names no
    group lists an empty page (never every dossier)."""
    client.force_login(boss)

    response = client.get(reverse("dossiers:report_dossiers"), {**OCTOBER, **query})

    assert response.status_code == 200
    messages = [m.level_tag for m in response.context["messages"]]
    if refused:
        assert response.context["page"] is None
        assert messages and set(messages) == {"error"}
    else:
        assert response.context["page"].paginator.count == 0
        assert messages == []


# ---- the figures -------------------------------------------------------------------------------


@pytest.mark.parametrize("grouping", ["agency", "field", "procedure", "channel"])
def test_the_page_shows_report_builds_numbers(client, boss, dossiers, grouping):
    client.force_login(boss)
    response = client.get(reverse("dossiers:reports"), {**OCTOBER, "grouping": grouping})
    content = response.content.decode()
    expected = report_build(user=boss, period=Period.month(2026, 10), grouping=grouping)
    assert expected.total.counts["resolved_total"] > 0
    counted = [column.key for column in layout_columns() if not column.is_rate]
    body_cells = _cells(_section(content, "tbody"))
    assert len(body_cells) == len(expected.rows) * len(counted)
    for index, row in enumerate(expected.rows):
        cells = body_cells[index * len(counted) : (index + 1) * len(counted)]
        assert [(column, value) for _href, column, value in cells] == [
            (column, row.counts[column]) for column in counted
        ]
    total_cells = _cells(_section(content, "tfoot"))
    assert [(column, value) for _href, column, value in total_cells] == [
        (column, expected.total.counts[column]) for column in counted
    ]
    # Two header rows: the Biểu 06 groups over their columns.
    head = _section(content, "thead")
    assert head.count("<tr>") == 2
    for heading in (
        "Số hồ sơ nhận giải quyết",
        "Số hồ sơ đã giải quyết",
        "Số lượng hồ sơ đang giải quyết",
    ):
        assert heading in head
    assert 'colspan="4">Số hồ sơ nhận giải quyết' in head
    assert 'colspan="3">Số lượng hồ sơ đang giải quyết' in head


def test_the_page_carries_the_chart_data_and_indicators(client, boss, dossiers):
    client.force_login(boss)
    response = client.get(reverse("dossiers:reports"), OCTOBER)
    data = response.context["chart_data"]
    assert len(data["months"]) == 12 and data["months"][-1] == "10/2026"
    september = report_build(user=boss, period=Period.month(2026, 9))
    assert data["early"][-2] == september.total.counts["resolved_early"]
    assert data["late"][-2] == september.total.counts["resolved_late"]
    assert data["backlog"][-2] == september.total.counts["in_progress_total"]
    assert data["procedures"]
    content = response.content.decode()
    assert 'id="report-data"' in content
    assert "<style" not in content and " style=" not in content
    assert content.count('class="card h-100 indicator-card"') == len(response.context["indicators"])


def _drilldown_count(client, href) -> int:
    response = client.get(href)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def test_every_total_links_to_exactly_its_dossiers(client, boss, dossiers):
    client.force_login(boss)
    content = client.get(reverse("dossiers:reports"), OCTOBER).content.decode()
    cells = _cells(_section(content, "tfoot"))
    assert len(cells) == len([c for c in layout_columns() if not c.is_rate])
    for href, column, value in cells:
        query = parse_qs(urlsplit(href).query)
        assert query["column"] == [column] and "key" not in query
        assert _drilldown_count(client, href) == value, column


@pytest.mark.parametrize("grouping", ["agency", "procedure", "channel"])
def test_a_groups_numbers_link_to_exactly_its_dossiers(client, boss, dossiers, grouping):
    client.force_login(boss)
    content = client.get(
        reverse("dossiers:reports"), {**OCTOBER, "grouping": grouping}
    ).content.decode()
    counted = len([c for c in layout_columns() if not c.is_rate])
    first_row = _cells(_section(content, "tbody"))[:counted]
    assert first_row
    for href, column, value in first_row:
        assert "key" in parse_qs(urlsplit(href).query, keep_blank_values=True)
        assert _drilldown_count(client, href) == value, column


def test_the_drilldown_lists_the_dossiers(client, boss, dossiers):
    client.force_login(boss)
    response = client.get(
        reverse("dossiers:report_dossiers"), {**OCTOBER, "column": "resolved_total"}
    )
    page = response.context["page"]
    assert page.paginator.count > 0
    content = response.content.decode()
    assert page.object_list[0].code in content


def test_a_leader_sees_only_the_figures_of_their_agencies(client, leader, boss, dossiers):
    period = Period.month(2026, 10)
    client.force_login(leader)
    response = client.get(reverse("dossiers:reports"), OCTOBER)
    mine = response.context["report"].total.counts
    assert mine == report_build(user=leader, period=period).total.counts
    assert mine["received_total"] > 0

    stranger = UserFactory(role=Role.LEADER)
    stranger.agency = AgencyFactory(code="000.00.55.H99", name="Sở khác")
    stranger.save(update_fields=["agency"])
    client.force_login(stranger)
    response = client.get(reverse("dossiers:reports"), OCTOBER)
    assert response.context["report"].rows == []
    assert not any(response.context["report"].total.counts.values())
    assert report_build(user=boss, period=period).total.counts["received_total"] > 0


def test_drilldown_links_to_the_dossier_only_for_those_who_may_open_it(client, boss, dossiers):
    query = {**OCTOBER, "column": "resolved_total"}
    client.force_login(boss)
    listed = client.get(reverse("dossiers:report_dossiers"), query)
    first = listed.context["page"].object_list[0]
    link = reverse("dossiers:department_detail", kwargs={"pk": first.pk})
    assert link in listed.content.decode()
    assert client.get(link).status_code == 200

    assert first.applicant_name in listed.content.decode()

    admin = UserFactory(role=Role.CATALOGUE_ADMIN, agency=first.agency)
    client.force_login(admin)
    listed = client.get(reverse("dossiers:report_dossiers"), query)
    html = listed.content.decode()
    assert first.code in html
    assert link not in html
    # Figures and codes, but not who applied, and the dossier itself stays closed.
    assert first.applicant_name not in html
    assert client.get(link).status_code in (403, 404)
