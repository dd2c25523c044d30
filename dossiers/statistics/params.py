"""The period and grouping of the leaders' report: the parameters and the rules that read them.

Query parameters (shared by the page, the drill-down list, the exports and the Biểu 06 document
job): `period=month|quarter|year|custom`, `year=`, `month=`, `quarter=`, `from=dd/mm/yyyy`,
`to=dd/mm/yyyy`, `grouping=agency|field|procedure|channel`. Bad values never fail the request:
`report_params` returns the default (the current month, by agency) with a message.

`ReportQuery` validates with Django's form fields but renders nothing; the page's form
(`dossiers.forms.reports.ReportForm`) adds the widgets' look to it. Services read the parameters
here, never from the forms module.
"""

from dataclasses import dataclass, field
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .periods import Period
from .report import GROUPINGS

DATE_FORMAT = "%d/%m/%Y"
MIN_YEAR = 2000
MAX_YEAR = 2100
# A custom period longer than this is refused (it would be a multi-year report by mistake).
MAX_CUSTOM_DAYS = 3 * 366

PERIOD_CHOICES = [
    ("month", _("Month")),
    ("quarter", _("Quarter")),
    ("year", _("Year")),
    ("custom", _("Custom dates")),
]
GROUPING_LABELS = {
    "agency": _("Agency"),
    "field": _("Field"),
    "procedure": _("Procedure"),
    "channel": _("Channel"),
}


class ReportQuery(forms.Form):
    """Only validates; `report_params` turns it into a `Period` and a grouping."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    year = forms.IntegerField(
        label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR, required=False
    )
    month = forms.TypedChoiceField(
        label=_("Month"),
        choices=[(n, str(n)) for n in range(1, 13)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[(n, str(n)) for n in range(1, 5)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    grouping = forms.ChoiceField(
        label=_("Group by"),
        choices=[(key, GROUPING_LABELS.get(key, key)) for key in GROUPINGS],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these two are added here under their URL names.
        self.fields["from"] = forms.DateField(
            label=_("From"),
            input_formats=[DATE_FORMAT],
            required=False,
            widget=forms.DateInput(format=DATE_FORMAT),
        )
        self.fields["to"] = forms.DateField(
            label=_("To"),
            input_formats=[DATE_FORMAT],
            required=False,
            widget=forms.DateInput(format=DATE_FORMAT),
        )

    def clean(self):
        data = super().clean()
        kind = data.get("period") or "month"
        today = timezone.localdate()
        data["period"] = kind
        if data.get("year") is None and kind != "custom":
            data["year"] = today.year
        if kind == "month" and data.get("month") is None:
            data["month"] = today.month
        if kind == "quarter" and data.get("quarter") is None:
            data["quarter"] = (today.month - 1) // 3 + 1
        if kind == "custom":
            first, last = data.get("from"), data.get("to")
            if first is None or last is None:
                raise forms.ValidationError(_("A custom period needs both dates (dd/mm/yyyy)."))
            if first > last:
                raise forms.ValidationError(_("The first day comes after the last day."))
            if (last - first).days > MAX_CUSTOM_DAYS:
                raise forms.ValidationError(_("A custom period can cover at most three years."))
            if first.year < MIN_YEAR or last.year > MAX_YEAR:
                raise forms.ValidationError(_("The dates are out of range."))
        return data


@dataclass
class ReportParams:
    period: Period
    grouping: str
    kind: str
    # Bound to the period and grouping shown (`form_data`), never to the raw query: the page's
    # controls show the period on screen, and changing one of them keeps the others.
    form: ReportQuery
    errors: list[str] = field(default_factory=list)

    def query(self) -> dict[str, str]:
        """The parameters that give this period and grouping again (for links and exports)."""
        params = {"period": self.kind, "grouping": self.grouping}
        if self.kind == "custom":
            params["from"] = self.period.first_day.strftime(DATE_FORMAT)
            params["to"] = self.period.last_day.strftime(DATE_FORMAT)
        else:
            params["year"] = str(self.period.first_day.year)
            if self.kind == "month":
                params["month"] = str(self.period.first_day.month)
            elif self.kind == "quarter":
                params["quarter"] = str((self.period.first_day.month - 1) // 3 + 1)
        return params


def form_data(*, period: Period, kind: str, grouping: str) -> dict[str, str]:
    """Every control of the form filled from the period shown: its kind, and the year, month,
    quarter and dates that describe it, so switching the kind shows the same period again
    (a month's quarter, its year, its first and last days) and submitting keeps it."""
    first = period.first_day
    return {
        "period": kind,
        "year": str(first.year),
        "month": str(first.month),
        "quarter": str((first.month - 1) // 3 + 1),
        "from": first.strftime(DATE_FORMAT),
        "to": period.last_day.strftime(DATE_FORMAT),
        "grouping": grouping,
    }


def _bound(form_class: type[ReportQuery], **shown) -> ReportQuery:
    form = form_class(form_data(**shown))
    form.is_valid()
    return form


def default_period(today: date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period.month(today.year, today.month)


def report_params(data, *, form_class: type[ReportQuery] = ReportQuery) -> ReportParams:
    """The period and grouping asked for in `data` (a QueryDict), or the defaults plus messages.

    `form_class` is the `ReportQuery` (sub)class bound in the result: the page passes its form."""
    errors: list[str] = []
    grouping = data.get("grouping") or "agency"
    if grouping not in GROUPINGS:
        errors.append(str(_("Unknown grouping; the report is grouped by agency.")))
        grouping = "agency"
    data = data.copy()
    data["grouping"] = grouping  # a bad grouping alone keeps the period asked for
    form = form_class(data)
    if form.is_valid():
        cleaned = form.cleaned_data
        kind = cleaned["period"]
        if kind == "month":
            period = Period.month(cleaned["year"], cleaned["month"])
        elif kind == "quarter":
            period = Period.quarter(cleaned["year"], cleaned["quarter"])
        elif kind == "year":
            period = Period.year(cleaned["year"])
        else:
            period = Period(first_day=cleaned["from"], last_day=cleaned["to"])
        shown = {"period": period, "kind": kind, "grouping": grouping}
        return ReportParams(**shown, form=_bound(form_class, **shown), errors=errors)
    errors.append(str(_("The period is not valid; showing the current month instead.")))
    for messages in form.errors.values():
        errors.extend(str(message) for message in messages)
    shown = {"period": default_period(), "kind": "month", "grouping": grouping}
    return ReportParams(**shown, form=_bound(form_class, **shown), errors=errors)
