"""Which procedure versions dossiers rely on.

`procedures` never imports `dossiers`; the dossiers app registers a counter here when it starts,
so the catalogue can refuse to change a version that dossiers were received under without
knowing what a dossier is.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_counters: list[Callable[[int], int]] = []


def register_usage_counter(counter: Callable[[int], int]) -> None:
    """`counter(procedure_pk)` returns how many rows of another app rely on that version."""
    if counter not in _counters:
        _counters.append(counter)


def dossiers_using(procedure_pk: int | None) -> int:
    if procedure_pk is None:
        return 0
    return sum(counter(procedure_pk) for counter in _counters)


class VersionInUseError(ValidationError):
    """A change to a procedure version that dossiers rely on: make a new version instead."""

    def __init__(self, *, code: str, version: int, count: int):
        super().__init__(
            _(
                "Version %(version)s of procedure %(code)s is used by %(count)d dossier(s), so it "
                "cannot be changed: create a new version instead."
            )
            % {"version": version, "code": code, "count": count},
            code="version_in_use",
        )
        self.count = count
