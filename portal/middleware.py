import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


PRIVATE_CACHE_CONTROL = "no-store, private"


def _is_download(response) -> bool:
    return isinstance(response, FileResponse) or response.has_header("Content-Disposition")


class PrivateCacheMiddleware:
    """`Cache-Control: no-store, private` on every response to a logged-in user and on every
    download (a file or a PDF), so neither a shared proxy nor the browser of a shared PC keeps
    a copy of personal data. Anonymous pages (the catalogue) stay cacheable.

    A response that already forbids storing (the admin's never_cache) is left as it is.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        private = (user is not None and user.is_authenticated) or _is_download(response)
        if private and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response


LAST_ACTIVITY_KEY = "staff_last_activity"


def is_staff_session(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or user.is_staff or user.is_staff_member)
    )


class StaffSessionMiddleware:
    """Staff sessions end when the browser closes and after STAFF_SESSION_IDLE_MINUTES without a
    request; citizens keep the normal session.

    The browser-close expiry is set on the response of the request that logged the staff member
    in (any login page, the admin's included) and on any staff request that lacks it. A request
    after the idle limit logs the user out and goes to the staff login page, which says why.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if is_staff_session(user):
            last = request.session.get(LAST_ACTIVITY_KEY)
            idle_limit = settings.STAFF_SESSION_IDLE_MINUTES * 60
            if last is not None and time.time() - last > idle_limit:
                return self._expired(request)
        response = self.get_response(request)
        # Read again: the view may have logged someone in or out.
        user = getattr(request, "user", None)
        if is_staff_session(user):
            self._touch(request)
        return response

    @staticmethod
    def _touch(request) -> None:
        session = request.session
        if not session.get_expire_at_browser_close():
            session.set_expiry(0)
        session[LAST_ACTIVITY_KEY] = time.time()

    @staticmethod
    def _expired(request):
        logout(request)
        messages.warning(
            request,
            _("Your session ended after %(minutes)d minutes without activity. Log in again.")
            % {"minutes": settings.STAFF_SESSION_IDLE_MINUTES},
        )
        login_url = reverse("portal:staff_login")
        if request.method == "GET":
            return redirect_to_login(request.get_full_path(), login_url)
        # The form posted is lost: coming back to it after logging in would post nothing.
        return redirect(login_url)
