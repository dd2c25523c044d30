"""seed_calendar: public holidays from the `holidays` package plus the announced 2026 arrangement."""

from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dossiers.choices import CalendarDayKind
from dossiers.deadlines import DEFAULT_SESSIONS, VIETNAM_TZ
from dossiers.models import CalendarDay
from dossiers.selectors import work_calendar_for
from dossiers.services import calendar_day_create

pytestmark = pytest.mark.django_db

LABOUR_CODE = "Bộ luật Lao động 2019, Điều 112"
TET_2026 = "Công văn 9859/VPCP-KGVX"
NATIONAL_DAY_2026 = "Công văn 9859/VPCP-KGVX; CV 6620/UBND-VX"


def seed(first, last):
    out = StringIO()
    call_command("seed_calendar", "--from", str(first), "--to", str(last), stdout=out)
    return out.getvalue()


def rows_of(year, kind):
    return {
        row.date: row
        for row in CalendarDay.objects.filter(date__year=year, kind=kind, agency__isnull=True)
    }


def test_seed_is_idempotent():
    """A second run creates nothing and leaves the same rows."""
    first_output = seed(2024, 2030)
    rows = list(CalendarDay.objects.values_list("date", "kind", "reason", "source_document"))

    second_output = seed(2024, 2030)

    assert sorted(rows) == sorted(
        CalendarDay.objects.values_list("date", "kind", "reason", "source_document")
    )
    assert f"{len(rows)} days created, 0 already present" in first_output
    assert f"0 days created, {len(rows)} already present" in second_output
    assert not CalendarDay.objects.filter(agency__isnull=False).exists()


def test_2026_days_off_and_make_up_day_are_exact():
    """2026 matches the Government's arrangement: Tết 16–20/02, 31/08–02/09 off, 22/08 worked."""
    seed(2026, 2026)

    assert sorted(rows_of(2026, CalendarDayKind.DAY_OFF)) == [
        date(2026, 1, 1),
        date(2026, 2, 16),
        date(2026, 2, 17),
        date(2026, 2, 18),
        date(2026, 2, 19),
        date(2026, 2, 20),
        date(2026, 4, 26),  # Hùng Kings' day falls on a Sunday ...
        date(2026, 4, 27),  # ... and is taken on Monday
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 8, 31),
        date(2026, 9, 1),
        date(2026, 9, 2),
        date(2026, 11, 24),  # Vietnam Cultural Day, a public holiday from 2026 in the package
    ]
    assert sorted(rows_of(2026, CalendarDayKind.WORKING_DAY)) == [date(2026, 8, 22)]
    assert CalendarDay.objects.count() == 15


def test_2026_rows_name_their_reason_and_source():
    """Reasons are the Vietnamese holiday names; sources cite the law or the announcement."""
    seed(2026, 2026)
    days_off = rows_of(2026, CalendarDayKind.DAY_OFF)
    make_up = rows_of(2026, CalendarDayKind.WORKING_DAY)[date(2026, 8, 22)]

    assert (days_off[date(2026, 1, 1)].reason, days_off[date(2026, 1, 1)].source_document) == (
        "Tết Dương lịch",
        LABOUR_CODE,
    )
    assert days_off[date(2026, 2, 17)].reason == "Tết Nguyên Đán"
    assert {days_off[date(2026, 2, day)].source_document for day in range(16, 21)} == {TET_2026}
    assert {
        days_off[day].source_document
        for day in [date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)]
    } == {NATIONAL_DAY_2026}
    assert days_off[date(2026, 9, 2)].reason == "Quốc khánh"
    assert days_off[date(2026, 4, 27)].reason == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    assert days_off[date(2026, 4, 27)].source_document == LABOUR_CODE
    assert make_up.reason == "Làm việc bù cho thứ Hai 31/08/2026"
    assert make_up.source_document == NATIONAL_DAY_2026
    assert make_up.session_times == []


def test_package_swaps_of_earlier_years_keep_both_days():
    """A swap the package knows (2024: Saturday 04/05 worked for Monday 29/04) seeds both days."""
    seed(2024, 2025)

    assert rows_of(2024, CalendarDayKind.WORKING_DAY)[date(2024, 5, 4)].reason == (
        "Làm việc bù cho ngày 29/04/2024"
    )
    assert date(2024, 4, 29) in rows_of(2024, CalendarDayKind.DAY_OFF)
    assert sorted(rows_of(2025, CalendarDayKind.WORKING_DAY)) == [date(2025, 4, 26)]
    assert date(2025, 5, 2) in rows_of(2025, CalendarDayKind.DAY_OFF)


def test_seeded_calendar_skips_tet_and_works_the_make_up_saturday():
    """Deadlines computed on the seeded calendar jump over Tết and count Saturday 22/08."""
    seed(2026, 2026)
    calendar = work_calendar_for()

    friday_before_tet = datetime(2026, 2, 13, 9, 0, tzinfo=VIETNAM_TZ)
    assert calendar.add_working_days(friday_before_tet, 1) == datetime(
        2026, 2, 23, 9, 0, tzinfo=VIETNAM_TZ
    )
    assert calendar.sessions_on(date(2026, 8, 22)) == DEFAULT_SESSIONS
    assert not calendar.is_working_day(date(2026, 8, 31))


def test_seed_keeps_rows_an_admin_created():
    """An existing country-wide row is never changed, and a different one is reported."""
    calendar_day_create(
        day=date(2026, 11, 24),
        kind=CalendarDayKind.WORKING_DAY,
        reason="Văn bản hướng dẫn của tỉnh",
        source_document="Quyết định của UBND tỉnh",
    )

    output = seed(2026, 2026)

    row = CalendarDay.objects.get(date=date(2026, 11, 24))
    assert (row.kind, row.reason) == (CalendarDayKind.WORKING_DAY, "Văn bản hướng dẫn của tỉnh")
    assert "14 days created, 1 already present" in output
    assert "kept 24/11/2026" in output


def test_seed_drops_the_cached_calendar():
    """Seeding (a bulk insert without signals) is seen by the next calendar read."""
    assert work_calendar_for().is_working_day(date(2026, 9, 1))

    seed(2026, 2026)

    assert not work_calendar_for().is_working_day(date(2026, 9, 1))


def test_seed_rejects_a_reversed_range():
    """--from after --to is a command error and seeds nothing."""
    with pytest.raises(CommandError, match="first year 2030 comes after the last year 2024"):
        seed(2030, 2024)
    assert not CalendarDay.objects.exists()
