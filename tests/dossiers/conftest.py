"""Fixtures shared by the dossiers tests: the offices they run in.

Two set-ups exist, and the fixture's name says which one a test gets:
- `office`: the staff pages' agencies (tests/dossiers/staff_setup.build_office): province,
  department with its division, service centre, another province's centre, a procedure, and a
  user for each role.
- `lifecycle_office`: the services' set-up (tests/dossiers/factories.build_lifecycle_office): a
  procedure of three working days with its steps, another department and its centre.
- `lifecycle_office_with_day_off`: the same, with Wednesday 02/12/2026 a country-wide day off.
"""

from datetime import date

import pytest

from dossiers.choices import CalendarDayKind
from dossiers.models import CalendarDay
from tests.dossiers.factories import build_lifecycle_office
from tests.dossiers.staff_setup import build_office


@pytest.fixture
def office():
    return build_office()


@pytest.fixture
def lifecycle_office(db):
    return build_lifecycle_office()


@pytest.fixture
def lifecycle_office_with_day_off(db):
    # Explicit calendar rows: Wednesday 02/12 is a day off (country-wide).
    CalendarDay.objects.create(
        date=date(2026, 12, 2), kind=CalendarDayKind.DAY_OFF, reason="Nghỉ bù"
    )
    return build_lifecycle_office()
