"""Batch documents: the register (Mẫu 06) and the Biểu 06 report as PDF jobs."""

from django.urls import path

from .views import document_jobs

urlpatterns = [
    path("", document_jobs.document_jobs, name="document_jobs"),
    path("<int:pk>/", document_jobs.document_job, name="document_job"),
    path("<int:pk>/download/", document_jobs.document_job_download, name="document_job_download"),
]
