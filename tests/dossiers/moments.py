"""Moments in the office's time zone, as the tests write them."""

from datetime import datetime

from dossiers.deadlines import VIETNAM_TZ


def at(*args) -> datetime:
    """`datetime(*args)` in Asia/Ho_Chi_Minh: at(2026, 11, 26, 10, 0) is 10:00 local time."""
    return datetime(*args, tzinfo=VIETNAM_TZ)
