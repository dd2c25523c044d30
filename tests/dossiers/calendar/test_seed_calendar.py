"""seed_calendar: public holidays from the `holidays` package plus the announced 2026 arrangements."""

from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dossiers.choices import CalendarDayKind
from dossiers.deadlines import DEFAULT_SESSIONS, VIETNAM_TZ, compute_due
from dossiers.models import CalendarDay
from dossiers.models.calendar import CalendarDaySource
from dossiers.selectors import work_calendar_for
from dossiers.services import calendar_day_create
from dossiers.services.calendar import (
    ANNOUNCED_DAYS,
    calendar_announced_entries,
    calendar_package_entries,
    calendar_seed_entries,
)

pytestmark = pytest.mark.django_db

LABOUR_CODE = "Bộ luật Lao động 2019, Điều 112"
TET_2026 = "Công văn 9859/VPCP-KGVX"
NATIONAL_DAY_2026 = "Công văn 9859/VPCP-KGVX; CV 6620/UBND-VX"
NEW_YEAR_2026 = "Công văn 12729/VPCP-KGVX ngày 25/12/2025"
PREDICTED = CalendarDaySource.PACKAGE_PREDICTION
OFFICIAL = CalendarDaySource.OFFICIAL_LETTER
ROW_FIELDS = ("date", "kind", "reason", "source_document", "source_kind", "agency_id")


def seed(first, last):
    out = StringIO()
    call_command("seed_calendar", "--from", str(first), "--to", str(last), stdout=out)
    return out.getvalue()


def snapshot():
    return list(CalendarDay.objects.order_by("date", "agency_id").values_list(*ROW_FIELDS))


def rows_of(year, kind):
    return {
        row.date: row
        for row in CalendarDay.objects.filter(date__year=year, kind=kind, agency__isnull=True)
    }


def test_seed_is_idempotent():
    """A second run creates nothing and leaves the same rows."""
    first_output = seed(2024, 2030)
    rows = snapshot()

    second_output = seed(2024, 2030)

    assert snapshot() == rows
    assert f"{len(rows)} days created, 0 already present" in first_output
    assert f"0 days created, {len(rows)} already present" in second_output
    assert "0 package predictions replaced" in second_output
    assert not CalendarDay.objects.filter(agency__isnull=False).exists()


def test_2026_days_off_and_make_up_day_are_exact():
    """2026 matches the Government's arrangements: 02/01 off and 10/01 worked, Tết 16–20/02,
    31/08–02/09 off, 22/08 worked."""
    seed(2026, 2026)

    assert sorted(rows_of(2026, CalendarDayKind.DAY_OFF)) == [
        date(2026, 1, 1),
        date(2026, 1, 2),  # swapped with Saturday 10/01 (the package misses it)
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
    assert sorted(rows_of(2026, CalendarDayKind.WORKING_DAY)) == [
        date(2026, 1, 10),
        date(2026, 8, 22),
    ]
    assert CalendarDay.objects.count() == 17


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
    new_year_off = days_off[date(2026, 1, 2)]
    new_year_make_up = rows_of(2026, CalendarDayKind.WORKING_DAY)[date(2026, 1, 10)]
    assert (new_year_off.reason, new_year_off.source_document) == (
        "Nghỉ Tết Dương lịch (hoán đổi với thứ Bảy 10/01/2026)",
        NEW_YEAR_2026,
    )
    assert (new_year_make_up.reason, new_year_make_up.source_document) == (
        "Làm việc bù cho thứ Sáu 02/01/2026",
        NEW_YEAR_2026,
    )
    assert new_year_make_up.session_times == []


def test_rows_record_whether_they_are_announced_or_predicted():
    """Announced days are official letters; every other seeded day is the package's prediction."""
    seed(2026, 2027)
    announced = {entry.day for entry in ANNOUNCED_DAYS}

    kinds = dict(CalendarDay.objects.values_list("date", "source_kind"))

    assert {day for day, kind in kinds.items() if kind == OFFICIAL} == announced
    assert {day for day, kind in kinds.items() if kind != OFFICIAL} == {
        day for day, kind in kinds.items() if kind == PREDICTED
    }
    assert kinds[date(2026, 1, 1)] == PREDICTED
    assert kinds[date(2026, 11, 24)] == PREDICTED
    assert {kind for day, kind in kinds.items() if day.year == 2027} == {PREDICTED}


def test_announced_days_are_one_list_with_official_letter_sources():
    """Every announced day names its official letter; the January 2026 swap is among them."""
    assert {entry.source_kind for entry in ANNOUNCED_DAYS} == {OFFICIAL}
    assert all(entry.source_document for entry in ANNOUNCED_DAYS)
    by_day = {entry.day: entry for entry in ANNOUNCED_DAYS}
    assert len(by_day) == len(ANNOUNCED_DAYS)
    assert by_day[date(2026, 1, 2)].kind == CalendarDayKind.DAY_OFF
    assert by_day[date(2026, 1, 10)].kind == CalendarDayKind.WORKING_DAY
    assert by_day[date(2026, 1, 2)].source_document == NEW_YEAR_2026


@pytest.mark.parametrize("order", ["predictions-first", "announcements-first"])
def test_announced_days_win_whatever_the_seeding_order(order):
    """Seeding predictions and announcements separately, in either order, gives the full seed."""
    seed(2025, 2027)
    expected = snapshot()
    CalendarDay.objects.all().delete()
    package = calendar_package_entries(first_year=2025, last_year=2027)
    announced = calendar_announced_entries(first_year=2025, last_year=2027)
    batches = [package, announced] if order == "predictions-first" else [announced, package]

    results = [calendar_seed_entries(entries=batch) for batch in batches]

    assert snapshot() == expected
    if order == "predictions-first":
        # The announced days the package also predicts (Tết, National Day) replace its rows.
        overlap = {entry.day for entry in package} & {entry.day for entry in announced}
        assert results[1].replaced == len(overlap) > 0
        assert results[1].differing == []
    else:
        assert [result.replaced for result in results] == [0, 0]
        # Predictions that the announced rows contradict are not worth a report.
        assert results[1].differing == []


def test_announced_day_replaces_a_different_prediction_of_its_date():
    """A predicted row (from an older seed or package) gives way to the announcement."""
    calendar_day_create(
        day=date(2026, 1, 10),
        kind=CalendarDayKind.DAY_OFF,
        reason="Dự đoán cũ",
        source_document=LABOUR_CODE,
        source_kind=PREDICTED,
    )

    output = seed(2026, 2026)

    row = CalendarDay.objects.get(date=date(2026, 1, 10))
    assert (row.kind, row.reason, row.source_document, row.source_kind) == (
        CalendarDayKind.WORKING_DAY,
        "Làm việc bù cho thứ Sáu 02/01/2026",
        NEW_YEAR_2026,
        OFFICIAL,
    )
    assert "16 days created, 0 already present (kept as they are), 1 package predictions" in output
    assert "kept" not in output.split("\n", 1)[1]


def test_prediction_never_overwrites_an_announced_row():
    """An official letter's row stays, even where the package predicts otherwise, unreported."""
    calendar_day_create(
        day=date(2026, 11, 24),
        kind=CalendarDayKind.WORKING_DAY,
        reason="Ngày Văn hóa Việt Nam không phải ngày nghỉ năm 2026",
        source_document="Công văn 1/VPCP-KGVX",
        source_kind=OFFICIAL,
    )
    before = snapshot()

    output = seed(2026, 2026)
    seed(2026, 2026)

    assert [row for row in snapshot() if row[0] == date(2026, 11, 24)] == before
    assert "kept 24/11/2026" not in output
    assert not work_calendar_for().is_working_day(date(2026, 1, 2))
    assert work_calendar_for().is_working_day(date(2026, 11, 24))


def test_announcement_keeps_an_administrators_row_and_reports_it():
    """An administrator's row wins over the announced list too; the difference is reported."""
    calendar_day_create(
        day=date(2026, 1, 2),
        kind=CalendarDayKind.WORKING_DAY,
        reason="Tỉnh vẫn làm việc",
        source_document="Quyết định của UBND tỉnh",
    )

    output = seed(2026, 2026)

    row = CalendarDay.objects.get(date=date(2026, 1, 2))
    assert (row.kind, row.source_kind) == (CalendarDayKind.WORKING_DAY, CalendarDaySource.ADMIN)
    assert "kept 02/01/2026" in output


def test_january_2026_swap_in_deadlines_computed_on_the_seeded_calendar():
    """Received Wednesday 31/12/2025 with 2 working days: Thursday 01/01 (New Year) and Friday
    02/01 (swapped day off) are skipped, so day D+1 is Monday 05/01 and the due is Tuesday 06/01;
    Saturday 10/01 counts as a working day."""
    seed(2025, 2026)
    calendar = work_calendar_for()

    due = compute_due(
        datetime(2025, 12, 31, 9, 0, tzinfo=VIETNAM_TZ),
        2,
        "working_days",
        cutoff=True,
        calendar=calendar,
    )
    after_cutoff = compute_due(
        datetime(2025, 12, 31, 15, 30, tzinfo=VIETNAM_TZ),
        1,
        "working_days",
        cutoff=True,
        calendar=calendar,
    )
    across_saturday = compute_due(
        datetime(2026, 1, 8, 10, 0, tzinfo=VIETNAM_TZ),
        2,
        "working_days",
        cutoff=True,
        calendar=calendar,
    )

    assert due.due_at == datetime(2026, 1, 6, 9, 0, tzinfo=VIETNAM_TZ)
    assert due.calendar_fingerprint == calendar.fingerprint
    assert after_cutoff.starts_at == datetime(2026, 1, 5, 7, 0, tzinfo=VIETNAM_TZ)
    assert after_cutoff.due_at == datetime(2026, 1, 5, 17, 0, tzinfo=VIETNAM_TZ)
    assert across_saturday.due_at == datetime(2026, 1, 10, 10, 0, tzinfo=VIETNAM_TZ)
    assert not calendar.is_working_day(date(2026, 1, 1))
    assert not calendar.is_working_day(date(2026, 1, 2))
    assert calendar.sessions_on(date(2026, 1, 10)) == DEFAULT_SESSIONS
    assert not calendar.is_working_day(date(2026, 1, 17))


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
    assert row.source_kind == CalendarDaySource.ADMIN
    assert "16 days created, 1 already present" in output
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
