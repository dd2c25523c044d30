"""The form of the leaders' report page: the report's parameters (`dossiers.statistics.params`)
with the look of the page's inputs."""

from django import forms

from ..statistics.params import GROUPING_LABELS, ReportParams, ReportQuery
from ..statistics.params import report_params as read_report_params

__all__ = ["GROUPING_LABELS", "ReportForm", "ReportParams", "report_params"]


class ReportForm(ReportQuery):
    """The parameters' rules (`ReportQuery`) with Bootstrap classes, ids and date placeholders."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("from", "to"):
            self.fields[name].widget.attrs["placeholder"] = "dd/mm/yyyy"
        for name, form_field in self.fields.items():
            css = "form-select" if isinstance(form_field.widget, forms.Select) else "form-control"
            form_field.widget.attrs.setdefault("class", css)
            form_field.widget.attrs.setdefault("id", f"report-{name}")


def report_params(data) -> ReportParams:
    """`dossiers.statistics.params.report_params` with the page's form bound in the result."""
    return read_report_params(data, form_class=ReportForm)
