"""Whether a procedure can take dossiers at all: the query the admin filters with and the rule
the pages and services ask (TimeLimit.is_set) give the same answer for every kind of limit."""

from decimal import Decimal

import pytest

from procedures.choices import Channel, TimeUnit
from procedures.models import ChannelTimeLimit, Procedure
from tests.factories import ProcedureFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]

LIMITS = [
    (Decimal("5"), TimeUnit.WORKING_DAYS, True),
    (Decimal("0.5"), TimeUnit.WORKING_DAYS, True),
    (Decimal("0"), TimeUnit.WORKING_DAYS, False),
    (None, TimeUnit.WORKING_DAYS, False),
    (Decimal("24"), TimeUnit.HOURS, True),
    (Decimal("3"), TimeUnit.MONTHS, True),
    (None, TimeUnit.WITHIN_DAY, True),
    (None, TimeUnit.NOT_STATED, False),
    (Decimal("6"), TimeUnit.NOT_STATED, False),
]


@pytest.mark.parametrize(("amount", "unit", "usable"), LIMITS)
@pytest.mark.parametrize("where", ["general", "channel"])
def test_the_admin_filter_and_the_pages_agree(amount, unit, usable, where):
    if where == "general":
        procedure = ProcedureFactory(time_limit_amount=amount, time_limit_unit=unit)
    else:
        procedure = ProcedureFactory(time_limit_amount=None, time_limit_unit=TimeUnit.NOT_STATED)
        ChannelTimeLimit.objects.create(
            procedure=procedure, channel=Channel.ONLINE, amount=amount, unit=unit
        )

    procedure = Procedure.objects.get(pk=procedure.pk)
    assert procedure.has_usable_limit() is usable
    assert Procedure.objects.without_usable_limit().filter(pk=procedure.pk).exists() is not usable


@pytest.mark.parametrize(("amount", "unit", "usable"), LIMITS)
@pytest.mark.parametrize("row_channel", [None, Channel.DIRECT, Channel.ONLINE])
@pytest.mark.parametrize("open_at_desk", [True, False])
def test_the_walk_in_list_and_the_service_agree(amount, unit, usable, row_channel, open_at_desk):
    """The desk lists for a walk-in exactly the procedures the service takes one for: the
    channel open, and its own limit (else the general one) usable."""
    if row_channel is None:
        procedure = ProcedureFactory(
            time_limit_amount=amount, time_limit_unit=unit, accepts_direct=open_at_desk
        )
    else:
        # A usable general limit that a row of the desk's own would override.
        procedure = ProcedureFactory(
            time_limit_amount=Decimal("5"),
            time_limit_unit=TimeUnit.WORKING_DAYS,
            accepts_direct=open_at_desk,
        )
        ChannelTimeLimit.objects.create(
            procedure=procedure, channel=row_channel, amount=amount, unit=unit
        )

    procedure = Procedure.objects.get(pk=procedure.pk)
    listed = Procedure.objects.accepting(Channel.DIRECT).filter(pk=procedure.pk).exists()
    assert listed is procedure.accepts_channel(Channel.DIRECT)
    expected = open_at_desk and (usable if row_channel in (None, Channel.DIRECT) else True)
    assert listed is expected
