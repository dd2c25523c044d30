"""Leaders' statistics: the report, the dossiers behind a number, the exports."""

from django.urls import path

from .views import reports

urlpatterns = [
    path("reports/", reports.reports, name="reports"),
    path("reports/dossiers/", reports.report_dossiers, name="report_dossiers"),
    path("reports/export.xlsx", reports.report_xlsx_view, name="report_xlsx"),
    path("reports/export.csv", reports.report_csv_view, name="report_csv"),
]
