import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dossiers.permissions import pages_open_to
from procedures.selectors import procedure_list_published

from .forms import LoginForm, RegistrationForm, StaffLoginForm
from .services import citizen_register

logger = logging.getLogger(__name__)


def home(request):
    featured = procedure_list_published()[:6]
    return render(request, "portal/home.html", {"featured": featured})


class CitizenLoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class StaffLoginView(auth_views.LoginView):
    form_class = StaffLoginForm
    template_name = "registration/staff_login.html"
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        # Only staff skip the form: a citizen who is logged in and opens this page wants to log
        # in as a staff member, not to be sent to a workspace that refuses them.
        user = request.user
        if user.is_authenticated and not (user.is_staff_member or user.is_superuser):
            self.redirect_authenticated_user = False
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return reverse("portal:staff_home")


# At most one "someone tried to register with your address" mail per account in this time.
REGISTRATION_NOTICE_INTERVAL = 60 * 60


@require_http_methods(["GET", "POST"])
def register(request):
    """Create a citizen account, answering the same whether the e-mail or phone is new.

    A page that said "this e-mail already has an account" would tell anyone who has an account
    here. A valid form always ends on the login page with one message; a new address gets its
    account, an address already in use gets none and its owner an e-mail instead.
    """
    if request.user.is_authenticated:
        return redirect("portal:after_login")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        owners = form.existing_accounts()
        if owners:
            # Hash anyway so the answer takes as long as creating an account does.
            make_password(form.cleaned_data["password1"])
        else:
            try:
                citizen_register(
                    full_name=form.cleaned_data["full_name"],
                    email=form.cleaned_data["email"],
                    phone=form.cleaned_data["phone"],
                    identity_number=form.cleaned_data["identity_number"],
                    password=form.cleaned_data["password1"],
                )
            except (IntegrityError, ValidationError):
                # A double-clicked submit, or someone registering the same e-mail or phone at
                # the same instant: the unique constraints let exactly one account through,
                # and the others are answered as for an address already in use.
                owners = form.existing_accounts()
                if not owners:
                    form.add_error(
                        None,
                        _("The account could not be created. Check the details and try again."),
                    )
                    return render(request, "registration/register.html", {"form": form})
        for owner in owners:
            _tell_owner_of_registration_attempt(request, owner)
        messages.success(
            request,
            _(
                "Your registration has been received. If the e-mail address or phone number "
                "had no account yet, your account is ready: log in below with it and your "
                "password. If it already had one, no new account was created: log in with "
                "that account, or reset its password."
            ),
        )
        return redirect("portal:login")
    return render(request, "registration/register.html", {"form": form})


def _tell_owner_of_registration_attempt(request, owner) -> None:
    """E-mail the owner of an account that someone tried to register again (after commit).

    Owners with a phone number only are not told: the portal has no SMS channel of its own.
    """
    if not owner.email or not cache.add(
        f"portal:registration-notice:{owner.pk}", 1, timeout=REGISTRATION_NOTICE_INTERVAL
    ):
        return
    site = settings.SITE_URL.rstrip("/")
    context = {
        "name": owner.get_full_name(),
        "login_url": site + reverse("portal:login"),
        "reset_url": site + reverse("portal:password_reset"),
    }
    subject = " ".join(
        loader.render_to_string("registration/registration_attempt_subject.txt", context).split()
    )
    body = loader.render_to_string("registration/registration_attempt_email.txt", context)
    transaction.on_commit(lambda: _send_registration_notice(subject, body, owner.email))


def _send_registration_notice(subject: str, body: str, address: str) -> None:
    # A mail server that is down must not turn the answer into an error page: that would tell
    # the visitor the address has an account.
    try:
        send_mail(subject, body, None, [address])
    except Exception:
        logger.exception("portal.registration_notice_failed")


@login_required
def after_login(request):
    """Send each person to the screen they work from."""
    if request.user.is_staff_member:
        return redirect("portal:staff_home")
    return redirect("portal:home")


@login_required
def staff_home(request):
    if not (request.user.is_staff_member or request.user.is_superuser):
        raise PermissionDenied(_("This page is for staff of the agencies."))
    return render(request, "portal/staff_home.html", {"pages": pages_open_to(request.user)})


def error_400(request, exception=None):
    return render(request, "400.html", status=400)


def error_403(request, exception=None):
    return render(request, "403.html", {"reason": _message(exception)}, status=403)


def error_404(request, exception=None):
    return render(request, "404.html", {"reason": _message(exception)}, status=404)


def error_500(request):
    # Rendered without the request: the context processors query the database, and the error
    # being reported may be that the database is down. 500.html is a self-contained page.
    return HttpResponseServerError(loader.render_to_string("500.html"))


def _message(exception) -> str:
    """The message a view raised on purpose (translated text), never a technical one."""
    if exception is None or not exception.args:
        return ""
    message = exception.args[0]
    return message if isinstance(message, str) and not message.startswith(("No ", "<")) else ""


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
