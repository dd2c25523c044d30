"""Writes of the working calendar.

Every country-wide calendar day records its source (`CalendarDaySource`). The seed writes two kinds:
the `holidays` package's predictions, and the days the Government announced (ANNOUNCED_DAYS, the
one list of them in code). Per date an announced day replaces a prediction, whatever order they
are seeded in; a prediction never replaces anything; an administrator's row is never touched.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

import holidays
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from holidays.constants import PUBLIC

from procedures.models import Agency

from ..choices import CalendarDayKind
from ..models import CalendarDay
from ..models.calendar import ANNOUNCED_SOURCES, CalendarDaySource
from ..selectors import work_calendar_changed

LABOUR_CODE_SOURCE = "Bộ luật Lao động 2019, Điều 112"
SWAP_SOURCE = "Bộ luật Lao động 2019, Điều 112; hoán đổi ngày làm việc theo thông báo của Chính phủ"
CULTURE_DAY_SOURCE = "Nghị quyết 80-NQ/TW"
TET_2026_SOURCE = "Công văn 9859/VPCP-KGVX"
NATIONAL_DAY_2026_SOURCE = "Công văn 9859/VPCP-KGVX; CV 6620/UBND-VX"
NEW_YEAR_2026_SOURCE = "Công văn 12729/VPCP-KGVX ngày 25/12/2025"


@dataclass(frozen=True)
class CalendarEntry:
    """A country-wide calendar day the seed would create, with its source."""

    day: date
    kind: str
    reason: str
    source_document: str
    source_kind: str

    @property
    def is_announced(self) -> bool:
        return self.source_kind in ANNOUNCED_SOURCES


# The Government's announced arrangements for public servants (DOMAIN.md §9), the days the
# `holidays` package does not know or may get wrong. Add each new announcement here. On its date
# an entry wins over the package; for a day off the package's name of the holiday, if it has one,
# is used as the reason.
ANNOUNCED_DAYS = (
    # New Year 2026: Friday 02/01 off, worked on Saturday 10/01 (the package misses it).
    CalendarEntry(
        date(2026, 1, 2),
        CalendarDayKind.DAY_OFF,
        "Nghỉ Tết Dương lịch (hoán đổi với thứ Bảy 10/01/2026)",
        NEW_YEAR_2026_SOURCE,
        CalendarDaySource.OFFICIAL_LETTER,
    ),
    CalendarEntry(
        date(2026, 1, 10),
        CalendarDayKind.WORKING_DAY,
        "Làm việc bù cho thứ Sáu 02/01/2026",
        NEW_YEAR_2026_SOURCE,
        CalendarDaySource.OFFICIAL_LETTER,
    ),
    *(
        CalendarEntry(
            date(2026, 2, day),
            CalendarDayKind.DAY_OFF,
            "Tết Nguyên đán",
            TET_2026_SOURCE,
            CalendarDaySource.OFFICIAL_LETTER,
        )
        for day in range(16, 21)
    ),
    CalendarEntry(
        date(2026, 8, 22),
        CalendarDayKind.WORKING_DAY,
        "Làm việc bù cho thứ Hai 31/08/2026",
        NATIONAL_DAY_2026_SOURCE,
        CalendarDaySource.OFFICIAL_LETTER,
    ),
    CalendarEntry(
        date(2026, 8, 31),
        CalendarDayKind.DAY_OFF,
        "Nghỉ Quốc khánh (hoán đổi với thứ Bảy 22/08/2026)",
        NATIONAL_DAY_2026_SOURCE,
        CalendarDaySource.OFFICIAL_LETTER,
    ),
    *(
        CalendarEntry(
            date(2026, 9, day),
            CalendarDayKind.DAY_OFF,
            "Quốc khánh",
            NATIONAL_DAY_2026_SOURCE,
            CalendarDaySource.OFFICIAL_LETTER,
        )
        for day in (1, 2)
    ),
)


@dataclass(frozen=True)
class CalendarSeedResult:
    created: int
    # Kept as they are: a row of a law, an official letter or an administrator, or any row where
    # the seed only has a prediction.
    existing: int
    # Dates whose kept row says otherwise than the seed, to check in the admin (an admin's word
    # wins over the seed; an announced row over a prediction, which is not reported).
    differing: list[date]
    # Package predictions replaced by an announced day.
    replaced: int = 0


def _years(first_year: int, last_year: int) -> range:
    if first_year > last_year:
        raise ValueError(f"The first year {first_year} comes after the last year {last_year}.")
    return range(first_year, last_year + 1)


def _package(years: range) -> holidays.HolidayBase:
    return holidays.Vietnam(years=years, language="vi", categories=(PUBLIC,))


def calendar_package_entries(*, first_year: int, last_year: int) -> list[CalendarEntry]:
    """The `holidays` package's prediction of the years, in date order.

    Public holidays (the package's PUBLIC category, Vietnamese names) with their weekend
    substitutes, and the swaps the package knows with their make-up working days.
    """
    years = _years(first_year, last_year)
    package = _package(years)
    worked = sorted(day for day in package.weekend_workdays if day.year in years)
    entries: dict[date, CalendarEntry] = {}
    predicted = CalendarDaySource.PACKAGE_PREDICTION
    for day, name in sorted(package.items()):
        swapped = any(_date_text(saturday) in name for saturday in worked)
        entries[day] = CalendarEntry(
            day, CalendarDayKind.DAY_OFF, name, _package_source(name, swapped=swapped), predicted
        )
    for saturday in worked:
        swapped_for = [day for day, name in package.items() if _date_text(saturday) in name]
        reason = (
            f"Làm việc bù cho ngày {_date_text(swapped_for[0])}" if swapped_for else "Làm việc bù"
        )
        entries[saturday] = CalendarEntry(
            saturday, CalendarDayKind.WORKING_DAY, reason, SWAP_SOURCE, predicted
        )
    return [entries[day] for day in sorted(entries)]


def calendar_announced_entries(*, first_year: int, last_year: int) -> list[CalendarEntry]:
    """ANNOUNCED_DAYS of the years, in date order; a day off takes the package's name if any."""
    years = _years(first_year, last_year)
    package = _package(years)
    entries = []
    for announced in sorted(ANNOUNCED_DAYS, key=lambda entry: entry.day):
        if announced.day.year not in years:
            continue
        name = package.get(announced.day) if announced.kind == CalendarDayKind.DAY_OFF else None
        entries.append(
            CalendarEntry(
                announced.day,
                announced.kind,
                name or announced.reason,
                announced.source_document,
                announced.source_kind,
            )
        )
    return entries


def calendar_public_holiday_entries(*, first_year: int, last_year: int) -> list[CalendarEntry]:
    """Country-wide days off and make-up working days of the years, in date order.

    The package's prediction, with the announced days in place of it on their dates.
    """
    entries = {
        entry.day: entry
        for entry in calendar_package_entries(first_year=first_year, last_year=last_year)
    }
    for announced in calendar_announced_entries(first_year=first_year, last_year=last_year):
        entries[announced.day] = announced
    return [entries[day] for day in sorted(entries)]


def _package_source(name: str, *, swapped: bool) -> str:
    if swapped:
        return SWAP_SOURCE
    # Vietnam Cultural Day (24/11, from 2026) is not one of the Labour Code's days.
    if "Văn hóa Việt Nam" in name:
        return CULTURE_DAY_SOURCE
    return LABOUR_CODE_SOURCE


def _date_text(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@transaction.atomic
def calendar_seed_public_holidays(*, first_year: int, last_year: int) -> CalendarSeedResult:
    """Seed the country-wide calendar days of the years: the package's prediction and the
    announced days (see `calendar_seed_entries` for what an existing row keeps)."""
    entries = calendar_public_holiday_entries(first_year=first_year, last_year=last_year)
    return calendar_seed_entries(entries=entries)


@transaction.atomic
def calendar_seed_entries(*, entries: Iterable[CalendarEntry]) -> CalendarSeedResult:
    """Write country-wide calendar days, the announced ones over predicted ones.

    Per date: a date without a country-wide row gets one; a row the package predicted is
    replaced by an announced entry (law or official letter); any other existing row is kept
    as it is, whatever it says. So the result does not depend on the order in which predictions
    and announcements are seeded, and running a seed again changes nothing.
    """
    chosen: dict[date, CalendarEntry] = {}
    for entry in entries:
        current = chosen.get(entry.day)
        if current is None or entry.is_announced or not current.is_announced:
            chosen[entry.day] = entry
    existing = {
        row.date: row
        for row in CalendarDay.objects.select_for_update().filter(
            agency__isnull=True, date__in=list(chosen)
        )
    }
    new_rows = []
    replaced = 0
    kept: list[tuple[CalendarEntry, CalendarDay]] = []
    for day in sorted(chosen):
        entry = chosen[day]
        row = existing.get(day)
        if row is None:
            row = CalendarDay(date=day)
            _fill(row, entry)
            row.full_clean()
            new_rows.append(row)
        elif entry.is_announced and row.source_kind == CalendarDaySource.PACKAGE_PREDICTION:
            _fill(row, entry)
            row.full_clean()
            row.save()
            replaced += 1
        else:
            kept.append((entry, row))
    CalendarDay.objects.bulk_create(new_rows)
    # bulk_create sends no post_save signal.
    work_calendar_changed()
    # A prediction that an announced row contradicts is simply wrong: nothing to check there.
    differing = [
        entry.day
        for entry, row in kept
        if row.kind != entry.kind and (entry.is_announced or not row.is_announced)
    ]
    return CalendarSeedResult(
        created=len(new_rows), existing=len(kept), differing=differing, replaced=replaced
    )


def _fill(row: CalendarDay, entry: CalendarEntry) -> None:
    row.kind = entry.kind
    row.reason = entry.reason
    row.source_document = entry.source_document
    row.source_kind = entry.source_kind
    # Seeded working days keep the hours of a normal day.
    row.first_session_start = row.first_session_end = None
    row.second_session_start = row.second_session_end = None


def calendar_day_create(
    *,
    day: date,
    kind: str,
    reason: str,
    agency: Agency | None = None,
    source_document: str = "",
    source_kind: str = CalendarDaySource.ADMIN,
    sessions: Iterable[tuple[time, time]] = (),
    created_by: AbstractBaseUser | None = None,
) -> CalendarDay:
    """Add a day off or a working day, country-wide or for one agency.

    `sessions` (at most two (start, end) pairs) only for a working day; none means the hours of a
    normal Monday.
    """
    pairs = list(sessions)
    if len(pairs) > 2:
        raise ValueError("A calendar day has at most two sessions.")
    pairs += [(None, None)] * (2 - len(pairs))
    row = CalendarDay(
        date=day,
        kind=kind,
        reason=reason,
        agency=agency,
        source_document=source_document,
        source_kind=source_kind,
        first_session_start=pairs[0][0],
        first_session_end=pairs[0][1],
        second_session_start=pairs[1][0],
        second_session_end=pairs[1][1],
        created_by=created_by,
    )
    row.full_clean()
    row.save()
    return row
