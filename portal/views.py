from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from procedures.selectors import procedure_list_published

from .forms import LoginForm, RegistrationForm, StaffLoginForm
from .services import citizen_register


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


@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("portal:after_login")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = citizen_register(
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                identity_number=form.cleaned_data["identity_number"],
                password=form.cleaned_data["password1"],
            )
        except (IntegrityError, ValidationError):
            # A double-clicked submit, or someone registering the same e-mail or phone at the
            # same instant: the database's unique constraints let exactly one account through.
            form.add_error(
                None,
                _(
                    "An account with this e-mail or phone number already exists. "
                    "Log in, or reset the password."
                ),
            )
        else:
            login(request, user, backend="portal.auth.EmailOrPhoneBackend")
            messages.success(request, _("Your account has been created. Welcome!"))
            return redirect("portal:after_login")
    return render(request, "registration/register.html", {"form": form})


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
    return render(request, "portal/staff_home.html")


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
