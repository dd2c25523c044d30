"""The bell's page: a user's in-app notifications, newest first; opening them marks them read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..notifications.backends import render_notification
from ..notifications.selectors import notification_list_for_user
from ..services.notifications import notification_mark_read

PAGE_SIZE = 20


@login_required
def notification_list(request):
    page = Paginator(
        notification_list_for_user(user=request.user).select_related("dossier"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    items = [(item, render_notification(item)) for item in page.object_list]
    return render(request, "dossiers/notifications/list.html", {"page": page, "items": items})


@require_POST
@login_required
def notification_read(request):
    """Mark one (`id`) or all of the user's own notifications read; others' ids change nothing."""
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isdigit() else None
    notification_mark_read(user=request.user, ids=ids)
    return redirect("dossiers:notification_list")
