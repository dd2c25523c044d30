"""Unit conversions shared by the calendar and the rules: microseconds, amounts, dates."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

_US = 1_000_000
_US_PER_HOUR = 3600 * _US
_ONE = Decimal(1)


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US + t.microsecond


def _us_of_day(dt: datetime) -> int:
    return ((dt.hour * 60 + dt.minute) * 60 + dt.second) * _US + dt.microsecond


def _check_count(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}.")


def _to_amount(value: object, name: str) -> Decimal:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}.")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}.")
        # repr() gives the shortest decimal that round-trips, so 0.1 stays 0.1.
        amount = Decimal(repr(value))
    else:
        raise TypeError(f"{name} must be an int, Decimal or float, got {value!r}.")
    if not amount.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}.")
    if amount < 0:
        raise ValueError(f"{name} must not be negative, got {value}.")
    return amount


def _hours_to_us(hours: Decimal) -> int:
    try:
        seconds = (hours * 3600).quantize(_ONE, rounding=ROUND_HALF_EVEN)
    except InvalidOperation as exc:
        raise ValueError(f"Amount of working time too large: {hours}.") from exc
    return int(seconds) * _US


def _fmt_date(d: date) -> str:
    return "%02d/%02d/%d" % (d.day, d.month, d.year)  # noqa: UP031
