from django.urls import include, path

app_name = "dossiers"

# Citizen and staff screens live in separate modules; both share the "dossiers" namespace.
urlpatterns = [
    path("", include("dossiers.urls_citizen")),
    path("", include("dossiers.urls_staff")),
    path("", include("dossiers.urls_reports")),
    path("notifications/", include("dossiers.urls_notifications")),
    path("documents/", include("dossiers.urls_documents")),
]
