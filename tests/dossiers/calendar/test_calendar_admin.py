"""Calendar administration: the CalendarDay and WorkingSession admins and the year view."""

from datetime import date, time
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.choices import CalendarDayKind
from dossiers.deadlines import DEFAULT_SESSIONS, Session
from dossiers.models import CalendarDay, WorkingSession
from dossiers.models.calendar import CalendarDaySource
from dossiers.selectors import work_calendar_for
from dossiers.services import calendar_day_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def year_url(year):
    return reverse("admin:dossiers_calendarday_year", args=[year])


def calendar_day_post(**overrides):
    data = {
        "date": "2026-12-31",
        "kind": CalendarDayKind.DAY_OFF,
        "agency": "",
        "reason": "Nghỉ cuối năm theo thông báo của tỉnh",
        "source_kind": CalendarDaySource.ADMIN,
        "source_document": "Thông báo 12/TB-UBND",
        "first_session_start": "",
        "first_session_end": "",
        "second_session_start": "",
        "second_session_end": "",
    }
    return data | overrides


def form_errors(response):
    return response.context["adminform"].form.errors


@pytest.fixture
def make_up_saturday():
    return calendar_day_create(
        day=date(2026, 8, 22),
        kind=CalendarDayKind.WORKING_DAY,
        reason="Làm việc bù cho thứ Hai 31/08/2026",
        source_document="Công văn 9859/VPCP-KGVX",
    )


def test_year_view_marks_holidays_and_the_make_up_day(admin_client, make_up_saturday):
    """The year view shows the make-up Saturday and the day off with their reasons."""
    calendar_day_create(
        day=date(2026, 8, 31), kind=CalendarDayKind.DAY_OFF, reason="Nghỉ Quốc khánh"
    )

    response = admin_client.get(year_url(2026))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("calendar-day--makeup") == 2  # the legend and 22/08
    assert (
        'title="22/08/2026: Làm việc bù cho thứ Hai 31/08/2026 (07:00–11:30, 13:30–17:00)"' in html
    )
    assert 'title="31/08/2026: Nghỉ Quốc khánh"' in html
    assert "dossiers/calendar.css" in html
    # 261 weekdays in 2026, less Monday 31/08, plus Saturday 22/08.
    assert response.context["overview"].working_days == 261
    assert [cell.day for cell in response.context["overview"].entries] == [
        date(2026, 8, 22),
        date(2026, 8, 31),
    ]
    assert f'href="{year_url(2025)}"' in html
    assert f'href="{year_url(2027)}"' in html


def test_year_view_has_twelve_month_tables(admin_client):
    """Each month is a table; weekends are rest days and weekdays working days."""
    response = admin_client.get(year_url(2026))

    months = response.context["overview"].months
    assert len(months) == 12
    first_week = months[0].weeks[0]  # 29/12/2025–04/01/2026
    assert [cell.status for cell in first_week] == [
        "",
        "",
        "",
        "working",
        "working",
        "rest",
        "rest",
    ]
    assert response.content.decode().count('<table class="calendar-month">') == 12


def test_year_view_of_an_agency_uses_its_calendar(admin_client, agency, make_up_saturday):
    """?agency= shows that agency's own rows and sessions; prev/next links keep the agency."""
    calendar_day_create(
        day=date(2026, 8, 22),
        kind=CalendarDayKind.DAY_OFF,
        agency=agency,
        reason="Sở không làm bù",
    )
    WorkingSession.objects.create(agency=agency, weekday=5, start=time(7, 30), end=time(11, 30))

    response = admin_client.get(year_url(2026), {"agency": agency.pk})

    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.agency == agency
    assert overview.uses_own_sessions
    assert [(cell.day, cell.status) for cell in overview.entries] == [
        (date(2026, 8, 22), "day_off")
    ]
    assert overview.weekly == {5: (Session(time(7, 30), time(11, 30)),)}
    assert f'href="{year_url(2027)}?agency={agency.pk}"' in response.content.decode()


def test_year_view_queries_do_not_grow_with_the_rows(admin_client, agency):
    """The rows of the year and their agencies are read in a fixed number of queries."""

    def count_queries():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(year_url(2026), {"agency": agency.pk}).status_code == 200
        return len(queries)

    calendar_day_create(
        day=date(2026, 3, 2), kind=CalendarDayKind.DAY_OFF, agency=agency, reason="1"
    )
    few = count_queries()
    for day in range(3, 7):
        calendar_day_create(
            day=date(2026, 3, day), kind=CalendarDayKind.DAY_OFF, agency=agency, reason=str(day)
        )

    assert count_queries() == few


def test_year_view_rejects_an_unknown_agency_and_year(admin_client):
    """A missing agency or a year out of range is a 404, not a 500."""
    assert admin_client.get(year_url(2026), {"agency": "999999"}).status_code == 404
    assert admin_client.get(year_url(2026), {"agency": "abc"}).status_code == 404
    assert admin_client.get(year_url(1500)).status_code == 404


def test_year_view_is_closed_to_anonymous_visitors(client):
    """Anonymous visitors are sent to the admin login page."""
    response = client.get(year_url(2026))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_year_view_is_forbidden_to_staff_without_calendar_permission(client):
    """Staff who may not view calendar days get 403."""
    client.force_login(UserFactory(is_staff=True))

    assert client.get(year_url(2026)).status_code == 403


def test_changelist_links_to_the_year_view(admin_client, make_up_saturday):
    """The calendar day list links to this year's year view and filters by year."""
    response = admin_client.get(reverse("admin:dossiers_calendarday_changelist"), {"year": "2026"})

    assert response.status_code == 200
    assert response.context["year_view_url"].startswith("/admin/dossiers/calendarday/year/")
    assert response.context["year_view_url"] in response.content.decode()
    assert list(response.context["cl"].result_list) == [make_up_saturday]


def test_admin_add_form_creates_a_day_off_seen_by_the_next_calendar(admin_client, admin_user):
    """Adding a day off in the admin changes the next computation, and records who added it."""
    assert work_calendar_for().is_working_day(date(2026, 12, 31))

    response = admin_client.post(reverse("admin:dossiers_calendarday_add"), calendar_day_post())

    assert response.status_code == 302
    row = CalendarDay.objects.get()
    assert (row.date, row.kind, row.agency, row.created_by) == (
        date(2026, 12, 31),
        CalendarDayKind.DAY_OFF,
        None,
        admin_user,
    )
    assert not work_calendar_for().is_working_day(date(2026, 12, 31))


def test_admin_edit_and_delete_change_the_calendar(admin_client, make_up_saturday):
    """Editing and deleting a row in the admin are seen by the next computation."""
    assert work_calendar_for().is_working_day(date(2026, 8, 22))
    change_url = reverse("admin:dossiers_calendarday_change", args=[make_up_saturday.pk])

    response = admin_client.post(
        change_url,
        calendar_day_post(
            date="2026-08-22",
            kind=CalendarDayKind.WORKING_DAY,
            reason="Sáng thứ Bảy",
            first_session_start="07:30",
            first_session_end="11:30",
        ),
    )
    assert response.status_code == 302
    assert work_calendar_for().sessions_on(date(2026, 8, 22)) == (
        Session(time(7, 30), time(11, 30)),
    )

    delete_url = reverse("admin:dossiers_calendarday_delete", args=[make_up_saturday.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not work_calendar_for().is_working_day(date(2026, 8, 22))


def test_admin_rejects_a_second_country_wide_row_on_a_date(admin_client, make_up_saturday):
    """A duplicate date is a form error, not a server error."""
    response = admin_client.post(
        reverse("admin:dossiers_calendarday_add"), calendar_day_post(date="2026-08-22")
    )

    assert response.status_code == 200
    assert list(form_errors(response)) == ["__all__"]
    assert CalendarDay.objects.count() == 1


def test_admin_rejects_session_times_on_a_day_off(admin_client):
    """Session times on a day off are a form error on the field."""
    response = admin_client.post(
        reverse("admin:dossiers_calendarday_add"),
        calendar_day_post(first_session_start="07:00", first_session_end="11:00"),
    )

    assert response.status_code == 200
    assert list(form_errors(response)) == ["first_session_start"]
    assert not CalendarDay.objects.exists()


def session_post(**overrides):
    return {"agency": "", "weekday": "5", "start": "07:30", "end": "11:30"} | overrides


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (session_post(weekday="0", start="11:00", end="12:00"), "__all__"),  # overlaps 07:00–11:30
        (session_post(start="11:30", end="11:30"), "end"),
        (session_post(start="12:00", end="08:00"), "end"),
    ],
)
def test_admin_rejects_invalid_sessions(admin_client, data, field):
    """Overlapping sessions and a start not before the end are form errors, not 500s."""
    count = WorkingSession.objects.count()

    response = admin_client.post(reverse("admin:dossiers_workingsession_add"), data)

    assert response.status_code == 200
    assert list(form_errors(response)) == [field]
    assert WorkingSession.objects.count() == count


def test_admin_adds_a_saturday_session_to_the_default_schedule(admin_client):
    """A valid session saves and the default calendar then works Saturday mornings."""
    response = admin_client.post(reverse("admin:dossiers_workingsession_add"), session_post())

    assert response.status_code == 302
    assert work_calendar_for().sessions_on(date(2026, 11, 28)) == (
        Session(time(7, 30), time(11, 30)),
    )
    assert work_calendar_for().sessions_on(date(2026, 11, 27)) == DEFAULT_SESSIONS


def test_admin_lists_render(admin_client, make_up_saturday):
    """Both changelists and the add forms render for a superuser."""
    for name in [
        "admin:dossiers_calendarday_changelist",
        "admin:dossiers_calendarday_add",
        "admin:dossiers_workingsession_changelist",
        "admin:dossiers_workingsession_add",
    ]:
        assert admin_client.get(reverse(name)).status_code == 200, name


PREDICTED_LABEL = "chỉ dự đoán (gói holidays)"


def seed(first, last):
    call_command("seed_calendar", "--from", str(first), "--to", str(last), stdout=StringIO())


def test_year_view_flags_a_year_with_only_package_predictions(admin_client):
    """2027 has no announced day yet: the year view says its days are only predictions."""
    seed(2026, 2027)

    response = admin_client.get(year_url(2027))

    assert response.context["overview"].only_predicted is True
    html = response.content.decode()
    assert f"2027: {PREDICTED_LABEL}." in html
    assert html.count("calendar-entries__row--package_prediction") == len(
        response.context["overview"].entries
    )
    assert "Dự đoán (gói holidays)" in html


def test_year_view_does_not_flag_a_year_with_announced_days(admin_client):
    """2026 has official letters (January swap, Tết, National Day): no prediction-only warning,
    and each row shows its own source."""
    seed(2026, 2027)

    response = admin_client.get(year_url(2026))

    assert response.context["overview"].only_predicted is False
    html = response.content.decode()
    assert PREDICTED_LABEL not in html
    assert "Công văn 12729/VPCP-KGVX ngày 25/12/2025" in html
    assert "calendar-entries__row--official_letter" in html
    assert "calendar-entries__row--package_prediction" in html


def test_year_view_does_not_flag_a_year_without_days(admin_client):
    """A year with no rows at all says so, and is not called a prediction."""
    response = admin_client.get(year_url(2031))

    assert response.context["overview"].only_predicted is False
    assert PREDICTED_LABEL not in response.content.decode()


def test_an_administrators_row_makes_a_year_more_than_a_prediction(admin_client):
    """One day an administrator entered is enough to lift the warning."""
    seed(2027, 2027)
    calendar_day_create(
        day=date(2027, 2, 11), kind=CalendarDayKind.DAY_OFF, reason="Tết", source_document="CV"
    )

    response = admin_client.get(year_url(2027))

    assert response.context["overview"].only_predicted is False


def test_changelist_year_filter_marks_years_with_only_predictions(admin_client):
    """The year filter of the list says which years are only predicted."""
    seed(2026, 2027)

    response = admin_client.get(reverse("admin:dossiers_calendarday_changelist"))

    html = response.content.decode()
    assert f"2027 — {PREDICTED_LABEL}" in html
    assert f"2026 — {PREDICTED_LABEL}" not in html
    assert "Công văn" in html


def test_editing_a_predicted_day_makes_it_an_administrators_entry(admin_client):
    """An administrator who corrects a predicted day vouches for it; a later seed keeps it."""
    seed(2027, 2027)
    row = CalendarDay.objects.get(date=date(2027, 11, 24))
    assert row.source_kind == CalendarDaySource.PACKAGE_PREDICTION

    response = admin_client.post(
        reverse("admin:dossiers_calendarday_change", args=[row.pk]),
        calendar_day_post(
            date="2027-11-24",
            reason="Ngày Văn hóa Việt Nam (đã kiểm tra)",
            source_kind=CalendarDaySource.PACKAGE_PREDICTION,
            source_document=row.source_document,
        ),
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.reason, row.source_kind) == (
        "Ngày Văn hóa Việt Nam (đã kiểm tra)",
        CalendarDaySource.ADMIN,
    )


def test_admin_requires_the_source_document_of_an_official_letter(admin_client):
    """A day stated by an official letter must cite it; nothing is saved otherwise."""
    response = admin_client.post(
        reverse("admin:dossiers_calendarday_add"),
        calendar_day_post(source_kind=CalendarDaySource.OFFICIAL_LETTER, source_document=""),
    )

    assert response.status_code == 200
    assert list(form_errors(response)) == ["__all__"]
    assert not CalendarDay.objects.exists()


def test_admin_records_an_official_letter(admin_client):
    """An administrator can record an announced day as an official letter with its reference."""
    response = admin_client.post(
        reverse("admin:dossiers_calendarday_add"),
        calendar_day_post(
            source_kind=CalendarDaySource.OFFICIAL_LETTER,
            source_document="Công văn 1/VPCP-KGVX ngày 01/12/2026",
        ),
    )

    assert response.status_code == 302
    row = CalendarDay.objects.get()
    assert (row.source_kind, row.source_document) == (
        CalendarDaySource.OFFICIAL_LETTER,
        "Công văn 1/VPCP-KGVX ngày 01/12/2026",
    )
