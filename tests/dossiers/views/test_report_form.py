"""The report page's form shows the period on screen, and submitting it with one control changed
keeps the others: every control is filled from the period shown, not from the raw query."""

from datetime import date
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from dossiers.statistics import Period
from tests.dossiers.moments import at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class _FormValues(HTMLParser):
    """What a browser submits from the report form: each input's value and each select's
    selected option (or its first option when none is selected)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._in_form = False
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "report-form":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select, self._first_option = attrs["name"], None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = attrs.get("value", "")
                self.values.setdefault(self._select, self._first_option)
            if "selected" in attrs:
                self.values[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def form_values(response) -> dict[str, str]:
    parser = _FormValues()
    parser.feed(response.content.decode())
    return parser.values


@pytest.fixture
def leader_client(client, time_machine):
    time_machine.move_to(at(2026, 12, 3, 10, 0), tick=False)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_the_default_page_shows_the_current_month_in_its_form(leader_client):
    response = leader_client.get(reverse("dossiers:reports"))
    assert response.context["report"].period == Period.month(2026, 12)
    shown = {
        "period": "month",
        "year": "2026",
        "month": "12",
        "quarter": "4",
        "from": "01/12/2026",
        "to": "31/12/2026",
        "grouping": "agency",
    }
    form = response.context["form"]
    assert {name: form[name].value() for name in form.fields} == shown
    assert form_values(response) == shown


def test_changing_only_the_grouping_keeps_the_period(leader_client):
    shown = form_values(leader_client.get(reverse("dossiers:reports")))
    response = leader_client.get(reverse("dossiers:reports"), {**shown, "grouping": "field"})
    assert response.context["report"].period == Period.month(2026, 12)
    assert response.context["report"].grouping == "field"
    assert [m.message for m in response.context["messages"]] == []
    assert form_values(response) == {**shown, "grouping": "field"}


@pytest.mark.parametrize(
    ("query", "period", "kind_changed_to", "then"),
    [
        # A quarter's year, first month and dates are in the other controls: switching the
        # kind shows the same span (custom) or the month and year it starts with.
        (
            {"period": "quarter", "year": "2025", "quarter": "3"},
            Period.quarter(2025, 3),
            "custom",
            Period.quarter(2025, 3),
        ),
        (
            {"period": "custom", "from": "15/03/2026", "to": "02/04/2026"},
            Period(date(2026, 3, 15), date(2026, 4, 2)),
            "month",
            Period.month(2026, 3),
        ),
        ({"period": "year", "year": "2024"}, Period.year(2024), "quarter", Period.quarter(2024, 1)),
        (
            {"period": "month", "year": "2026", "month": "2"},
            Period.month(2026, 2),
            "year",
            Period.year(2026),
        ),
    ],
    ids=["quarter to custom", "custom to month", "year to quarter", "month to year"],
)
def test_every_control_keeps_the_period_when_another_changes(
    leader_client, query, period, kind_changed_to, then
):
    response = leader_client.get(reverse("dossiers:reports"), {**query, "grouping": "procedure"})
    assert response.context["report"].period == period
    shown = form_values(response)
    assert shown["grouping"] == "procedure"
    assert shown["from"] == period.first_day.strftime("%d/%m/%Y")
    assert shown["to"] == period.last_day.strftime("%d/%m/%Y")

    changed = leader_client.get(reverse("dossiers:reports"), {**shown, "period": kind_changed_to})
    assert changed.context["report"].period == then
    assert changed.context["report"].grouping == "procedure"
    assert [m.message for m in changed.context["messages"]] == []


def test_a_bad_period_shows_the_period_it_falls_back_to(leader_client):
    response = leader_client.get(
        reverse("dossiers:reports"), {"period": "month", "year": "abc", "grouping": "channel"}
    )
    assert response.status_code == 200
    assert response.context["report"].period == Period.month(2026, 12)
    values = form_values(response)
    assert (values["period"], values["year"], values["month"], values["grouping"]) == (
        "month",
        "2026",
        "12",
        "channel",
    )
    assert "error" in [m.level_tag for m in response.context["messages"]]


def test_the_drilldown_back_link_keeps_the_period(leader_client):
    response = leader_client.get(
        reverse("dossiers:report_dossiers"),
        {"period": "quarter", "year": "2026", "quarter": "2", "column": "received_new"},
    )
    back = response.context["back_query"]
    page = leader_client.get(f"{reverse('dossiers:reports')}?{back}")
    assert page.context["report"].period == Period.quarter(2026, 2)
