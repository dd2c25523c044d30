"""Indicator cards: actual against target, targets from IndicatorTarget rows (admin)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from ..choices import DossierChannel, FilePurpose
from ..models import DossierFile, IndicatorCode, IndicatorTarget
from .columns import report_column_q
from .periods import Period
from .report import percent, report_scope

# Used when no IndicatorTarget row applies (the seed's 2025 targets; migration 0010 stores them).
DEFAULT_TARGETS: dict[str, Decimal] = {
    IndicatorCode.ON_TIME_RATE: Decimal("100"),
    IndicatorCode.SATISFACTION: Decimal("90"),
    IndicatorCode.ONLINE_SHARE: Decimal("50"),
    IndicatorCode.DIGITISED_SHARE: Decimal("80"),
    IndicatorCode.ELECTRONICALLY_CIRCULATED: Decimal("80"),
    IndicatorCode.DIGITALLY_SIGNED: Decimal("100"),
}


@dataclass
class Indicator:
    code: str
    label: str
    actual: Decimal | None  # percent, two decimals; None when nothing to measure
    target: Decimal  # percent
    met: bool | None  # None when actual is None


def indicator_targets(period: Period) -> dict[str, Decimal]:
    """The target of each indicator for `period`: the latest row valid on its last day."""
    targets = dict(DEFAULT_TARGETS)
    seen = set()
    rows = IndicatorTarget.objects.filter(valid_from__lte=period.last_day).order_by(
        "code", "-valid_from"
    )
    for code, target in rows.values_list("code", "target"):
        if code not in seen:
            seen.add(code)
            targets[code] = target
    return targets


def indicators_build(*, user, period: Period) -> list[Indicator]:
    """Six indicators over the dossiers `user` may see, in one aggregate query.

    - on_time_rate: (early + on time) / resolved in the period;
    - satisfaction: (very satisfied + satisfied) / ratings in the period;
    - online_share: received online / received new in the period;
    - digitised_share: dossiers received in the period that are digital — submitted online, or
      with at least one document digitised at the desk — over those received;
    - electronically_circulated: dossiers received in the period handled on electronic files (at
      least one file stored with the dossier) over those received;
    - digitally_signed: dossiers received in the period whose result is ready and carries a
      digitally signed result file, over those received in the period with a result ready.
    """
    received_new = report_column_q("received_new", period)
    files = DossierFile.objects.filter(dossier=OuterRef("pk"))
    has_file = Q(Exists(files))
    has_digitised = Q(Exists(files.filter(is_digitised=True)))
    has_signed_result = Q(Exists(files.filter(is_signed=True, purpose=FilePurpose.RESULT)))
    completed = Q(completed_at__isnull=False)
    figures = report_scope(user).aggregate(
        early=Count("pk", filter=report_column_q("resolved_early", period)),
        on_time=Count("pk", filter=report_column_q("resolved_on_time", period)),
        resolved=Count("pk", filter=report_column_q("resolved_total", period)),
        ratings=Count("pk", filter=report_column_q("ratings", period)),
        satisfied=Count("pk", filter=report_column_q("ratings_satisfied", period)),
        received=Count("pk", filter=received_new),
        online=Count("pk", filter=received_new & Q(channel=DossierChannel.ONLINE)),
        digitised=Count(
            "pk", filter=received_new & (Q(channel=DossierChannel.ONLINE) | has_digitised)
        ),
        circulated=Count("pk", filter=received_new & has_file),
        with_result=Count("pk", filter=received_new & completed),
        signed=Count("pk", filter=received_new & completed & has_signed_result),
    )
    actuals = {
        IndicatorCode.ON_TIME_RATE: percent(
            figures["early"] + figures["on_time"], figures["resolved"]
        ),
        IndicatorCode.SATISFACTION: percent(figures["satisfied"], figures["ratings"]),
        IndicatorCode.ONLINE_SHARE: percent(figures["online"], figures["received"]),
        IndicatorCode.DIGITISED_SHARE: percent(figures["digitised"], figures["received"]),
        IndicatorCode.ELECTRONICALLY_CIRCULATED: percent(
            figures["circulated"], figures["received"]
        ),
        IndicatorCode.DIGITALLY_SIGNED: percent(figures["signed"], figures["with_result"]),
    }
    targets = indicator_targets(period)
    return [
        Indicator(
            code=str(code),
            label=str(code.label),
            actual=actuals[code],
            target=targets[code],
            met=None if actuals[code] is None else actuals[code] >= targets[code],
        )
        for code in IndicatorCode
    ]
