"""Leaders' statistics: the Biểu 06 report page, the dossiers behind each number, and
the XLSX / CSV exports. Every figure comes from `dossiers.statistics`; nothing is counted here."""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms.reports import GROUPING_LABELS, report_params
from ..permissions import DEPARTMENT_ROLES, REPORT_ROLES, has_any_role, may_see_drill_down_names
from ..reports_export import percent, report_csv, report_xlsx
from ..statistics import (
    COLUMN_LABELS,
    COLUMNS,
    GROUPINGS,
    Period,
    frozen_cells,
    indicators_build,
    report_build,
    report_drilldown,
)
from ..statistics.layout import layout_columns, report_header, table_layout
from .staff.access import staff_required

CHART_MONTHS = 12
PAGE_SIZE = 50


def _months_back(last_day: date, count: int) -> list[Period]:
    """The `count` calendar months ending with the month of `last_day`, oldest first."""
    year, month = last_day.year, last_day.month
    periods = []
    for _step in range(count):
        periods.append(Period.month(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods[::-1]


def _cell_link(base_query: dict, column: str, grouping: str, key) -> str:
    query = dict(base_query, column=column, grouping=grouping)
    if key is not ...:
        query["key"] = "" if key is None else key
    return f"{reverse('dossiers:report_dossiers')}?{urlencode(query)}"


def _table(report, base_query: dict) -> dict:
    """The rows of the page: each cell is (value, link or None)."""
    columns = layout_columns()

    def cells(row, key):
        out = []
        for column in columns:
            if column.is_rate:
                out.append({"value": percent(getattr(row, column.key)), "rate": True})
            else:
                out.append(
                    {
                        "value": row.counts.get(column.key, 0),
                        "column": column.key,
                        "href": _cell_link(base_query, column.key, report.grouping, key),
                    }
                )
        return out

    return {
        "header": report_header(period=report.period, grouping=report.grouping),
        "groups": table_layout(),
        "rows": [
            {"label": row.label, "key": row.key, "cells": cells(row, row.key)}
            for row in report.rows
        ],
        "total": {"cells": cells(report.total, ...)},
    }


def _chart_data(request, params, report) -> dict:
    months = _months_back(params.period.last_day, CHART_MONTHS)
    monthly = [report_build(user=request.user, period=month, grouping="agency") for month in months]
    if report.grouping == "procedure":
        by_procedure = report
    else:
        by_procedure = report_build(user=request.user, period=params.period, grouping="procedure")
    procedures = [row for row in by_procedure.rows if row.counts.get("resolved_total")]
    return {
        "months": [month.first_day.strftime("%m/%Y") for month in months],
        "early": [month.total.counts.get("resolved_early", 0) for month in monthly],
        "on_time": [month.total.counts.get("resolved_on_time", 0) for month in monthly],
        "late": [month.total.counts.get("resolved_late", 0) for month in monthly],
        "backlog": [month.total.counts.get("in_progress_total", 0) for month in monthly],
        "procedures": [str(row.label) for row in procedures],
        "procedure_rates": [float(percent(row.on_time_rate) or 0) for row in procedures],
        "labels": {
            "early": str(COLUMN_LABELS.get("resolved_early", _("Early"))),
            "on_time": str(COLUMN_LABELS.get("resolved_on_time", _("On time"))),
            "late": str(COLUMN_LABELS.get("resolved_late", _("Late"))),
            "backlog": str(COLUMN_LABELS.get("in_progress_total", _("In progress"))),
            "rate": _("On-time rate (%)"),
        },
    }


@staff_required(*REPORT_ROLES)
@require_http_methods(["GET"])
def reports(request):
    params = report_params(request.GET)
    for error in params.errors:
        messages.error(request, error)
    report = report_build(user=request.user, period=params.period, grouping=params.grouping)
    base_query = params.query()
    base_query.pop("grouping")
    export_query = urlencode(params.query())
    return render(
        request,
        "dossiers/reports/report.html",
        {
            "params": params,
            "form": params.form,
            "report": report,
            "table": _table(report, base_query),
            "grouping_label": GROUPING_LABELS.get(params.grouping, params.grouping),
            "indicators": indicators_build(user=request.user, period=params.period),
            "chart_data": _chart_data(request, params, report),
            "export_query": export_query,
        },
    )


@staff_required(*REPORT_ROLES)
@require_http_methods(["GET"])
def report_dossiers(request):
    params = report_params(request.GET)
    for error in params.errors:
        messages.error(request, error)
    column = request.GET.get("column", "")
    grouping = request.GET.get("grouping") or None
    # The grouping of the report the number came from: a total row's link carries it too.
    report_grouping = grouping if grouping in GROUPINGS else "agency"
    key = None
    error = None
    if column not in COLUMNS:
        error = _("Unknown column.")
    elif grouping is not None and grouping not in GROUPINGS:
        error = _("Unknown grouping.")
    elif "key" in request.GET:
        if grouping is None:
            error = _("A group needs a grouping.")
        else:
            # The API turns the raw key into the group's value ("" is the group without one).
            key = request.GET["key"]
    else:
        grouping = None  # the total row
    frozen = None
    if error:
        messages.error(request, error)
        page = None
    else:
        queryset = report_drilldown(
            user=request.user,
            period=params.period,
            column=column,
            grouping=grouping,
            key=key,
            report_grouping=report_grouping,
        ).select_related("procedure")
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        frozen = frozen_cells(params.period, grouping=grouping, report_grouping=report_grouping)
    query = {name: value for name, value in request.GET.items() if name != "page"}
    back = params.query()
    return render(
        request,
        "dossiers/reports/dossiers.html",
        {
            "page": page,
            "params": params,
            # Set when the list is the dossiers stored with a frozen month's number.
            "frozen": frozen,
            "column_label": COLUMN_LABELS.get(column, column),
            "grouping_label": GROUPING_LABELS.get(grouping, "") if grouping else "",
            "key": request.GET.get("key"),
            "query_string": urlencode(query),
            "back_query": urlencode(back),
            # The dossier page is a department screen: others (a catalogue administrator) see
            # the code without a link that would answer 403.
            "can_open_dossiers": has_any_role(request.user, DEPARTMENT_ROLES),
            # Who applied is personal data: only the leaders and division heads of the scope
            # read it here; others see the codes behind a number.
            "show_applicant_names": may_see_drill_down_names(request.user),
        },
    )


def _filename(params, extension: str) -> str:
    period = params.period
    return "bieu06_{}_{}_{}.{}".format(
        period.first_day.strftime("%Y%m%d"),
        period.last_day.strftime("%Y%m%d"),
        params.grouping,
        extension,
    )


@staff_required(*REPORT_ROLES)
@require_http_methods(["GET"])
def report_xlsx_view(request):
    params = report_params(request.GET)
    report = report_build(user=request.user, period=params.period, grouping=params.grouping)
    response = HttpResponse(
        report_xlsx(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(params, "xlsx")}"'
    return response


@staff_required(*REPORT_ROLES)
@require_http_methods(["GET"])
def report_csv_view(request):
    params = report_params(request.GET)
    report = report_build(user=request.user, period=params.period, grouping=params.grouping)
    response = HttpResponse("\ufeff" + report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(params, "csv")}"'
    return response
