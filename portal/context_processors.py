from dossiers.notifications.selectors import notification_unread_count
from procedures.selectors import agency_serving_portal


def portal(request):
    context = {"serving_agency": agency_serving_portal()}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # The bell: one COUNT, only for signed-in users.
        context["unread_notifications"] = notification_unread_count(user=user)
    return context
