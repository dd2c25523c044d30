from django.urls import path

from . import views

app_name = "procedures"

urlpatterns = [
    path("", views.procedure_list, name="list"),
    path("<str:code>/", views.procedure_detail, name="detail"),
    path(
        "<str:code>/documents/<int:document_id>/template/", views.document_template, name="template"
    ),
]
