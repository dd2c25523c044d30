"""Leaders' statistics (DESIGN.md "Statistics"): the Biểu 06 report, its drill-down
lists, the indicator cards and the frozen closed months.

Every figure is a conditional count in the database: `report_column_q` is the one definition of
each column, used both by the aggregate and by the drill-down list.
"""

from .columns import COLUMN_LABELS, COLUMNS, report_column_q
from .freeze import month_corrections_detect, month_freeze, previous_month
from .indicators import DEFAULT_TARGETS, Indicator, indicator_targets, indicators_build
from .periods import Period
from .report import (
    GROUPINGS,
    Correction,
    Report,
    ReportRow,
    frozen_cells,
    group_labels,
    report_build,
    report_corrections,
    report_drilldown,
    report_scope,
)

__all__ = [
    "COLUMNS",
    "COLUMN_LABELS",
    "Correction",
    "DEFAULT_TARGETS",
    "GROUPINGS",
    "Indicator",
    "Period",
    "Report",
    "ReportRow",
    "frozen_cells",
    "group_labels",
    "indicator_targets",
    "indicators_build",
    "month_corrections_detect",
    "month_freeze",
    "previous_month",
    "report_build",
    "report_column_q",
    "report_corrections",
    "report_drilldown",
    "report_scope",
]
