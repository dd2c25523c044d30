from django.urls import path

from .views import notifications

# Included by dossiers/urls.py under "notifications/", in the "dossiers" namespace.
urlpatterns = [
    path("", notifications.notification_list, name="notification_list"),
    path("read/", notifications.notification_read, name="notification_read"),
]
