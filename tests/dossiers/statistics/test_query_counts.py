"""Issue 13, point 7: the leaders' statistics pages run a fixed number of queries whatever the
number of dossiers. Each page is counted on N generated dossiers spread over several agencies
and procedures, then again after 3N more (4N in all): the counts must be equal."""

from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.generator import generate_dossiers
from dossiers.models import Dossier, FrozenReport
from dossiers.statistics import month_freeze
from portal.roles import Role
from procedures.exchange import catalogue_import_json
from procedures.models import Agency, AgencyKind
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
N = 60
YEAR = {"period": "year", "year": "2026"}


@pytest.fixture
def province():
    """The demo catalogue (one department, nine procedures) and two more departments under the
    province that the generated dossiers are spread over."""
    path = settings.BASE_DIR / "procedures" / "fixtures" / "demo_catalogue.json"
    catalogue_import_json(path.read_bytes())
    province = Agency.objects.get(kind=AgencyKind.PROVINCE)
    for name in ("Sở Tư pháp", "Sở Nội vụ"):
        AgencyFactory(name=name, kind=AgencyKind.DEPARTMENT, parent=province)
    return province


def add_dossiers(count: int, seed: int) -> None:
    """`count` more generated dossiers of 2026 (the demo department's nine procedures), two in
    three of them moved to the two other departments, so the report has several agencies."""
    before = set(Dossier.objects.values_list("pk", flat=True))
    generate_dossiers(
        count=count, seed=seed, start=date(2026, 1, 5), end=date(2026, 11, 25), now=NOW
    )
    others = list(
        Agency.objects.filter(kind=AgencyKind.DEPARTMENT, procedures__isnull=True).order_by("pk")
    )
    added = sorted(set(Dossier.objects.values_list("pk", flat=True)) - before)
    for index, agency in enumerate(others, start=1):
        Dossier.objects.filter(pk__in=added[index :: len(others) + 1]).update(agency=agency)


@pytest.fixture
def boss():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def leader(province):
    user = UserFactory(role=Role.LEADER)
    user.agency = province
    user.save(update_fields=["agency"])
    return user


def count_queries(client, url: str, query: dict) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
        # The XLSX and CSV bodies are built in the view; reading them changes nothing.
        _ = response.content
    assert response.status_code == 200, response.status_code
    return len(queries), response


def frozen(month: int) -> dict:
    """The query of a closed month frozen now, with its dossiers: its agency cells list the
    stored members. Frozen again when it was already (so it holds the dossiers of now)."""
    FrozenReport.objects.filter(year=2026, month=month).delete()
    month_freeze(year=2026, month=month)
    return {"period": "month", "year": "2026", "month": str(month)}


def drilldown_queries(frozen_month: dict) -> list[dict]:
    """The drill-down lists behind a few numbers of the year report: totals and one agency's,
    one field's and one procedure's cell, in flows and stocks (pauses and ratings are
    sub-queries of their own columns), plus a frozen month's cells."""
    first_agency = Agency.objects.filter(kind=AgencyKind.DEPARTMENT).order_by("pk").first()
    procedure_code = Dossier.objects.order_by("pk").values_list("procedure__code", flat=True)[0]
    return [
        {**YEAR, "column": "received_new", "grouping": "agency"},
        {**YEAR, "column": "resolved_total", "grouping": "agency", "key": first_agency.pk},
        {**YEAR, "column": "in_progress_total", "grouping": "procedure", "key": procedure_code},
        {**YEAR, "column": "in_progress_overdue", "grouping": "agency"},
        {**YEAR, "column": "resolved_late", "grouping": "field"},
        {**YEAR, "column": "ratings", "grouping": "channel", "key": "online"},
        {**frozen_month, "column": "resolved_total", "grouping": "agency"},
        {**frozen_month, "column": "received_new", "grouping": "agency", "key": first_agency.pk},
    ]


PAGES = {
    "report page, year by agency": ("dossiers:reports", {**YEAR, "grouping": "agency"}),
    "report page, year by procedure": ("dossiers:reports", {**YEAR, "grouping": "procedure"}),
    "xlsx, year by agency": ("dossiers:report_xlsx", {**YEAR, "grouping": "agency"}),
    "xlsx, year by field": ("dossiers:report_xlsx", {**YEAR, "grouping": "field"}),
    "csv, year by agency": ("dossiers:report_csv", {**YEAR, "grouping": "agency"}),
    "csv, year by procedure": ("dossiers:report_csv", {**YEAR, "grouping": "procedure"}),
}


def measure(client, frozen_month: dict) -> dict[str, int]:
    """Queries of every page (and the rows of each drill-down's first page), by label."""
    counts = {}
    pages = {**PAGES, "report page, frozen month": ("dossiers:reports", frozen_month)}
    for label, (name, query) in pages.items():
        counts[label], _response = count_queries(client, reverse(name), query)
    for query in drilldown_queries(frozen_month):
        number, response = count_queries(client, reverse("dossiers:report_dossiers"), query)
        label = "drill-down " + urlencode(query)
        counts[label] = number
        counts[label + " (rows)"] = len(response.context["page"].object_list)
    return counts


@pytest.mark.both_databases
@pytest.mark.parametrize("who", ["boss", "leader"])
def test_query_counts_do_not_grow_with_the_dossiers(client, province, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    add_dossiers(N, seed=1301)
    small = measure(client, frozen(8))  # August frozen with the first N dossiers
    add_dossiers(3 * N, seed=1302)
    large = measure(client, frozen(8))  # August frozen again, with all 4N

    # The data did grow: more dossiers behind the numbers, fuller first pages.
    assert Dossier.objects.count() == 4 * N
    assert Dossier.objects.values("agency").distinct().count() >= 3
    assert Dossier.objects.values("procedure").distinct().count() >= 5
    rows = {label: (small[label], large[label]) for label in small if label.endswith("(rows)")}
    # Every list has rows at N (an empty one skips its page query), and more of them at 4N.
    assert all(before > 0 for before, _after in rows.values()), rows
    assert sum(after for _before, after in rows.values()) > sum(
        before for before, _after in rows.values()
    ), rows
    queries = {
        label: (small[label], large[label]) for label in small if not label.endswith("(rows)")
    }
    grown = {label: pair for label, pair in queries.items() if pair[0] != pair[1]}
    assert not grown, grown


# PostgreSQL's planner only: not marked both_databases, so CI runs it on PostgreSQL alone.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL's planner")
def test_drilldown_of_a_period_reads_an_index_not_the_table(client, province, boss):
    """The first page of the dossiers received in a period (its count and its 50 rows) can be
    read through an index on `received_at`. Sequential scans are switched off so the planner
    picks an index whenever one serves the query, even on a test table this small; a
    "Seq Scan on dossiers_dossier" left in the plan means no index does."""
    add_dossiers(N, seed=1301)
    client.force_login(boss)
    query = {**YEAR, "column": "received_new", "grouping": "agency"}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dossiers:report_dossiers"), query)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 50
    statements = [q["sql"] for q in queries if 'FROM "dossiers_dossier"' in q["sql"]]
    assert len(statements) == 2, statements  # the count and the page
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            for sql in statements:
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(line for (line,) in cursor.fetchall())
                assert "Seq Scan on dossiers_dossier" not in plan, plan
                conditions = [
                    line for line in plan.splitlines() if line.strip().startswith("Index Cond:")
                ]
                assert any("received_at >=" in line for line in conditions), plan
        finally:
            cursor.execute("RESET enable_seqscan")
