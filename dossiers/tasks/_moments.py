"""The `now` argument the beat tasks take for replays and tests: an ISO 8601 moment."""

from datetime import datetime

from django.utils.dateparse import parse_datetime


def moment_from_iso(now: str | None) -> datetime | None:
    """The moment `now` names (ISO 8601 with its offset), or None (beat passes nothing)."""
    if now is None:
        return None
    moment = parse_datetime(now)
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"now must be an ISO 8601 moment with its offset, got {now!r}.")
    return moment
