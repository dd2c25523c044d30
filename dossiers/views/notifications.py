"""The bell's page: a user's in-app notifications, newest first, each marked read on request."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..notifications.backends import render_notification
from ..notifications.selectors import notification_list_for_user
from ..services.notifications import notification_mark_read

PAGE_SIZE = 20
MAX_ID = 2**63 - 1  # the largest primary key the databases hold


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
    """Mark one (`id`) or, without an id, all of the user's own notifications read; others' ids
    change nothing. A malformed id marks nothing (it never falls back to "all")."""
    if "id" not in request.POST:
        notification_mark_read(user=request.user, ids=None)
    else:
        field = forms.IntegerField(min_value=1, max_value=MAX_ID)
        try:
            notification_mark_read(user=request.user, ids=[field.clean(request.POST["id"])])
        except ValidationError:
            messages.error(request, _("This notification does not exist."))
    return redirect("dossiers:notification_list")
