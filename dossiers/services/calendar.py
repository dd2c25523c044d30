"""Writes of the working calendar."""

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
from ..selectors import work_calendar_changed

LABOUR_CODE_SOURCE = "Bộ luật Lao động 2019, Điều 112"
SWAP_SOURCE = "Bộ luật Lao động 2019, Điều 112; hoán đổi ngày làm việc theo thông báo của Chính phủ"
CULTURE_DAY_SOURCE = "Nghị quyết 80-NQ/TW"
TET_2026_SOURCE = "Công văn 9859/VPCP-KGVX"
NATIONAL_DAY_2026_SOURCE = "Công văn 9859/VPCP-KGVX; CV 6620/UBND-VX"


@dataclass(frozen=True)
class CalendarEntry:
    """A country-wide calendar day the seed would create."""

    day: date
    kind: str
    reason: str
    source_document: str


# The Government's announced arrangement for public servants (DOMAIN.md §9). It wins over the
# `holidays` package on the same date; a reason given here is used only when the package has no
# name for the date.
ANNOUNCED_DAYS = (
    *(
        CalendarEntry(
            date(2026, 2, day), CalendarDayKind.DAY_OFF, "Tết Nguyên đán", TET_2026_SOURCE
        )
        for day in range(16, 21)
    ),
    CalendarEntry(
        date(2026, 8, 22),
        CalendarDayKind.WORKING_DAY,
        "Làm việc bù cho thứ Hai 31/08/2026",
        NATIONAL_DAY_2026_SOURCE,
    ),
    CalendarEntry(
        date(2026, 8, 31),
        CalendarDayKind.DAY_OFF,
        "Nghỉ Quốc khánh (hoán đổi với thứ Bảy 22/08/2026)",
        NATIONAL_DAY_2026_SOURCE,
    ),
    CalendarEntry(
        date(2026, 9, 1), CalendarDayKind.DAY_OFF, "Quốc khánh", NATIONAL_DAY_2026_SOURCE
    ),
    CalendarEntry(
        date(2026, 9, 2), CalendarDayKind.DAY_OFF, "Quốc khánh", NATIONAL_DAY_2026_SOURCE
    ),
)


@dataclass(frozen=True)
class CalendarSeedResult:
    created: int
    existing: int
    # Dates whose existing row says otherwise than the seed (kept as they are: an admin's word
    # wins over the package).
    differing: list[date]


def calendar_public_holiday_entries(*, first_year: int, last_year: int) -> list[CalendarEntry]:
    """Country-wide days off and make-up working days of the years, in date order.

    Public holidays (the package's PUBLIC category, Vietnamese names) with their weekend
    substitutes and announced swaps, then ANNOUNCED_DAYS on top.
    """
    if first_year > last_year:
        raise ValueError(f"The first year {first_year} comes after the last year {last_year}.")
    years = range(first_year, last_year + 1)
    package = holidays.Vietnam(years=years, language="vi", categories=(PUBLIC,))
    worked = sorted(day for day in package.weekend_workdays if day.year in years)
    entries: dict[date, CalendarEntry] = {}
    for day, name in sorted(package.items()):
        swapped = any(_date_text(saturday) in name for saturday in worked)
        entries[day] = CalendarEntry(
            day, CalendarDayKind.DAY_OFF, name, _package_source(name, swapped=swapped)
        )
    for saturday in worked:
        swapped_for = [day for day, name in package.items() if _date_text(saturday) in name]
        reason = (
            f"Làm việc bù cho ngày {_date_text(swapped_for[0])}" if swapped_for else "Làm việc bù"
        )
        entries[saturday] = CalendarEntry(
            saturday, CalendarDayKind.WORKING_DAY, reason, SWAP_SOURCE
        )
    for announced in ANNOUNCED_DAYS:
        if announced.day.year not in years:
            continue
        name = package.get(announced.day) if announced.kind == CalendarDayKind.DAY_OFF else None
        entries[announced.day] = CalendarEntry(
            announced.day, announced.kind, name or announced.reason, announced.source_document
        )
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
    """Create the country-wide calendar days of the years that do not exist yet.

    Only missing dates are created: a date that already has a country-wide row keeps it untouched,
    whatever it says, so running the seed again (or after an admin's edit) changes nothing.
    """
    entries = calendar_public_holiday_entries(first_year=first_year, last_year=last_year)
    existing = {
        row.date: row
        for row in CalendarDay.objects.filter(
            agency__isnull=True, date__in=[entry.day for entry in entries]
        )
    }
    new_rows = []
    for entry in entries:
        if entry.day in existing:
            continue
        row = CalendarDay(
            date=entry.day,
            kind=entry.kind,
            reason=entry.reason,
            source_document=entry.source_document,
        )
        row.full_clean()
        new_rows.append(row)
    CalendarDay.objects.bulk_create(new_rows)
    # bulk_create sends no post_save signal.
    work_calendar_changed()
    differing = sorted(
        entry.day
        for entry in entries
        if entry.day in existing and existing[entry.day].kind != entry.kind
    )
    return CalendarSeedResult(created=len(new_rows), existing=len(existing), differing=differing)


def calendar_day_create(
    *,
    day: date,
    kind: str,
    reason: str,
    agency: Agency | None = None,
    source_document: str = "",
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
        first_session_start=pairs[0][0],
        first_session_end=pairs[0][1],
        second_session_start=pairs[1][0],
        second_session_end=pairs[1][1],
        created_by=created_by,
    )
    row.full_clean()
    row.save()
    return row
