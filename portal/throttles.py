"""Failure counters in the shared cache: N failures within a window block the key for a while.

Used for what django-axes does not cover: failed logins per address across accounts (password
spraying) and dossier tracking per address and per dossier code. The counters live in the
default cache, which production requires to be shared (`CACHE_URL`): in per-process memory
every worker would allow the limit again.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import formats, timezone
from django.utils.translation import ngettext

from .client_ip import client_ip, throttle_address


@dataclass(frozen=True)
class Throttle:
    """`limit` failures for one key within `window` block the key for `window`.

    The count starts with the first failure and lapses with its window; reaching the limit
    sets a block that ends `window` after the last failure and clears the count, so the key
    gets `limit` new tries once the block ends.
    """

    name: str
    limit: int
    window: timedelta

    def _keys(self, key: str) -> tuple[str, str]:
        digest = hashlib.sha256(key.encode()).hexdigest()
        base = f"portal:throttle:{self.name}:{digest}"
        return f"{base}:count", f"{base}:until"

    def blocked_until(self, key: str) -> datetime | None:
        """When the block on `key` ends, or None when it is not blocked."""
        _count_key, until_key = self._keys(key)
        until = cache.get(until_key)
        if until is None:
            return None
        until = datetime.fromtimestamp(until, tz=UTC)
        return until if until > timezone.now() else None

    def record_failure(self, key: str) -> datetime | None:
        """Count one failure for `key`; when the block starts (or runs), when it ends."""
        count_key, until_key = self._keys(key)
        seconds = max(1, int(self.window.total_seconds()))
        cache.add(count_key, 0, timeout=seconds)
        try:
            count = cache.incr(count_key)
        except ValueError:  # the count lapsed between add and incr
            cache.set(count_key, 1, timeout=seconds)
            count = 1
        if count < self.limit:
            return None
        until = timezone.now() + self.window
        cache.set(until_key, until.timestamp(), timeout=seconds)
        cache.delete(count_key)
        return until

    def reset(self, key: str) -> None:
        cache.delete_many(self._keys(key))


def _minutes(name: str) -> timedelta:
    return timedelta(minutes=getattr(settings, name))


def login_address_throttle() -> Throttle:
    """Failed logins from one address, whichever accounts they name."""
    return Throttle(
        name="login-address",
        limit=settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        window=_minutes("LOGIN_ADDRESS_WINDOW_MINUTES"),
    )


def track_address_throttle() -> Throttle:
    """Failed dossier look-ups from one address, whichever codes they name."""
    return Throttle(
        name="track-address",
        limit=settings.TRACK_ADDRESS_FAILURE_LIMIT,
        window=_minutes("TRACK_WINDOW_MINUTES"),
    )


def track_code_throttle() -> Throttle:
    """Failed look-ups of one dossier code, from whichever addresses."""
    return Throttle(
        name="track-code",
        limit=settings.TRACK_CODE_FAILURE_LIMIT,
        window=_minutes("TRACK_WINDOW_MINUTES"),
    )


def address_key(request) -> str:
    """What a per-address throttle counts `request` under (see `client_ip.throttle_address`)."""
    return throttle_address(client_ip(request))


def retry_text(until: datetime) -> str:
    """The sentence saying when to try again (minutes left, local time) after `until`."""
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return ngettext(
        "Please try again in %(minutes)d minute, at %(time)s.",
        "Please try again in %(minutes)d minutes, at %(time)s.",
        minutes,
    ) % {
        "minutes": minutes,
        "time": formats.time_format(timezone.localtime(until), "H:i"),
    }
