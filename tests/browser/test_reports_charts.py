"""The leaders' report in a real browser: Chart.js draws the three charts under the strict
Content-Security-Policy (data from json_script, no inline script), on a desktop and on a phone."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from dossiers.generator import generate_dossiers
from portal.roles import Role
from procedures.exchange import catalogue_import_json
from procedures.models import Procedure
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ["chart-monthly", "chart-backlog", "chart-procedures"]


@pytest.fixture
def leader():
    path = settings.BASE_DIR / "procedures" / "fixtures" / "demo_catalogue.json"
    catalogue_import_json(path.read_bytes())
    today = timezone.localdate()
    generate_dossiers(
        count=120,
        seed=3,
        start=today - timedelta(days=150),
        end=today - timedelta(days=1),
        now=timezone.now(),
    )
    user = UserFactory(role=Role.LEADER)
    user.agency = Procedure.objects.filter(is_published=True).order_by("code").first().agency
    user.save(update_fields=["agency"])
    return user


def _logged_in_page(chromium, live_server, user, **context_options):
    client = Client()
    client.force_login(user)
    context = chromium.new_context(
        locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **context_options
    )
    context.set_default_timeout(15_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def _charts_drawn(page) -> dict:
    return page.evaluate(
        """(ids) => Object.fromEntries(ids.map((id) => {
            const canvas = document.getElementById(id);
            const chart = window.Chart && window.Chart.getChart(canvas);
            return [id, {
                chart: Boolean(chart),
                width: canvas.width,
                height: canvas.height,
                points: chart ? chart.data.datasets.reduce((n, d) => n + d.data.length, 0) : 0,
            }];
        }))""",
        CHARTS,
    )


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_the_report_draws_its_three_charts(live_server, chromium, leader, viewport):
    context, page, errors = _logged_in_page(chromium, live_server, leader, viewport=viewport)
    try:
        page.goto(f"{live_server.url}/reports/")
        page.wait_for_function("() => window.Chart && Chart.getChart('chart-procedures')")
        drawn = _charts_drawn(page)
        for chart_id in CHARTS:
            assert drawn[chart_id]["chart"], chart_id
            assert drawn[chart_id]["width"] > 0 and drawn[chart_id]["height"] > 0, chart_id
        assert drawn["chart-monthly"]["points"] == 3 * 12
        assert drawn["chart-backlog"]["points"] == 12
        assert drawn["chart-procedures"]["points"] > 0
        # The table is still there, with the Biểu 06 headings and linked numbers.
        assert page.locator("#report-table thead tr").count() == 2
        assert page.locator("#report-table tfoot a").count() > 0
        # The period fields that do not apply are hidden by reports.js.
        assert page.locator("#report-quarter").is_hidden()
        page.select_option("#report-period", "custom")
        assert page.locator("#report-from").is_visible()
        # The phone layout does not overflow the page sideways (the table scrolls in its box).
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1
        assert errors == []
    finally:
        context.close()


def test_a_year_grouped_by_procedure_renders_too(live_server, chromium, leader):
    context, page, errors = _logged_in_page(chromium, live_server, leader)
    try:
        year = timezone.localdate().year
        page.goto(f"{live_server.url}/reports/?period=year&year={year}&grouping=procedure")
        page.wait_for_function("() => window.Chart && Chart.getChart('chart-procedures')")
        assert all(item["chart"] for item in _charts_drawn(page).values())
        assert errors == []
    finally:
        context.close()


def test_changing_only_the_grouping_keeps_the_period_shown(live_server, chromium, leader):
    context, page, errors = _logged_in_page(chromium, live_server, leader)
    try:
        today = timezone.localdate()
        page.goto(f"{live_server.url}/reports/")
        assert page.locator("#report-year").input_value() == str(today.year)
        assert page.locator("#report-month").input_value() == str(today.month)
        page.select_option("#report-grouping", "field")
        with page.expect_navigation():
            page.locator("#report-form button[type=submit]").click()
        assert f"month={today.month}" in page.url and f"year={today.year}" in page.url
        assert page.locator("#report-month").input_value() == str(today.month)
        assert page.locator("#report-grouping").input_value() == "field"
        assert f"{today:%m/%Y}" in page.locator(".official-header").inner_text()
        assert errors == []
    finally:
        context.close()
