"""How the public catalogue words time limits and fees (`{% load catalogue %}`)."""

from dataclasses import dataclass
from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procedures.choices import Channel, TimeUnit
from procedures.models import Fee, Procedure, TimeLimit

register = template.Library()

# ngettext needs the count before the amount is formatted, so each unit keeps its two forms.
_UNIT_FORMS = {
    TimeUnit.WORKING_DAYS: lambda n: ngettext("%(count)s working day", "%(count)s working days", n),
    TimeUnit.WORKING_HOURS: lambda n: ngettext(
        "%(count)s working hour", "%(count)s working hours", n
    ),
    TimeUnit.CALENDAR_DAYS: lambda n: ngettext("%(count)s day", "%(count)s days", n),
    TimeUnit.HOURS: lambda n: ngettext("%(count)s hour", "%(count)s hours", n),
    TimeUnit.MONTHS: lambda n: ngettext("%(count)s month", "%(count)s months", n),
}


@dataclass(frozen=True)
class ChannelLimit:
    """One line of the time limits a page shows: the channels it is for ("" for the general
    limit) and the limit."""

    label: str
    limit: TimeLimit


def _amount_and_count(amount: Decimal) -> tuple[str, int]:
    """The amount as the page writes it, and the number ngettext picks the form with (a
    fraction such as 1.5 takes the plural, as English does)."""
    if amount == amount.to_integral_value():
        whole = int(amount)
        return number_format(whole, force_grouping=True), whole
    return number_format(amount.normalize()), 2


@register.filter
def time_limit_text(limit: TimeLimit) -> str:
    """ "5 ngày làm việc", "1 working day", "Trong ngày", "Không quy định" …"""
    if limit.unit == TimeUnit.WITHIN_DAY:
        return _("Within the day")
    if not limit.is_set:
        return _("Not stated")
    forms = _UNIT_FORMS.get(limit.unit)
    text, count = _amount_and_count(limit.amount)
    if forms is None:
        return f"{text} {limit.unit}"
    return forms(count) % {"count": text}


@register.filter
def fee_amount_text(fee: Fee) -> str:
    """ "30.000 đồng", "50.000 – 200.000 đồng", "10 USD", "Miễn phí"; "" when only words say it."""
    if fee.amount is None:
        return ""
    low = number_format(fee.amount, force_grouping=True)
    is_vnd = fee.currency.upper() in ("", "VND")
    if fee.amount_max is not None and fee.amount_max != fee.amount:
        high = number_format(fee.amount_max, force_grouping=True)
        if is_vnd:
            return _("%(low)s – %(high)s VND") % {"low": low, "high": high}
        return f"{low} – {high} {fee.currency}"
    if fee.amount == 0:
        return _("Free of charge")
    if is_vnd:
        return _("%(amount)s VND") % {"amount": low}
    return f"{low} {fee.currency}"


@register.filter
def channel_time_limits(procedure: Procedure) -> list[ChannelLimit]:
    """The time limits to show. Without limits per channel: the general limit alone. With them:
    one line per channel that has its own, then one line for the channels it accepts that fall
    back to the general limit (so a long note is not repeated for each of them)."""
    rows = {row.channel: row for row in procedure.channel_time_limits.all()}
    if not rows:
        return [ChannelLimit("", procedure.general_time_limit)]
    labels = dict(Channel.choices)
    lines = [
        ChannelLimit(str(labels[channel]), rows[channel].time_limit)
        for channel in Channel.values
        if channel in rows
    ]
    rest = [
        str(labels[channel])
        for channel in Channel.values
        if channel not in rows and channel in procedure.submission_channels
    ]
    if rest:
        lines.append(ChannelLimit(", ".join(rest), procedure.general_time_limit))
    return lines


@register.filter
def accepts_dossiers(procedure: Procedure) -> bool:
    """False when no limit of the record is one a deadline can be computed from: the procedure
    is published for information and takes no dossier until the province sets its limit."""
    return procedure.has_usable_limit()
