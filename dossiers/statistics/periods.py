"""Reporting periods: whole days in Asia/Ho_Chi_Minh, from t0 (00:00 of the first day) to t1
(00:00 of the day after the last). Stocks (in progress, overdue, awaiting supplement) are judged
at `as_of`: the period's end when it has passed, else now."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

REPORT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date

    def __post_init__(self):
        if self.last_day < self.first_day:
            raise ValueError("A period's last day cannot come before its first day.")

    @property
    def t0(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=REPORT_TZ)

    @property
    def t1(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=REPORT_TZ)

    def as_of(self, now: datetime | None = None) -> datetime:
        """The moment the period's stocks are judged at: min(t1, now) (DESIGN.md "Statistics").

        A period that has not ended yet is judged now, never at its future end: a dossier due
        next week is within its deadline in this month's report, not overdue."""
        now = now or timezone.now()
        return min(self.t1, now)

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        last = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last))

    @classmethod
    def quarter(cls, year: int, q: int) -> "Period":
        if q not in (1, 2, 3, 4):
            raise ValueError("A quarter is 1, 2, 3 or 4.")
        first_month = 3 * (q - 1) + 1
        return cls(date(year, first_month, 1), cls.month(year, first_month + 2).last_day)

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def as_month(self) -> tuple[int, int] | None:
        """(year, month) when the period is exactly one calendar month, else None."""
        if self.first_day.day == 1 and self == Period.month(
            self.first_day.year, self.first_day.month
        ):
            return self.first_day.year, self.first_day.month
        return None

    def __str__(self):
        return f"{self.first_day:%d/%m/%Y} – {self.last_day:%d/%m/%Y}"
