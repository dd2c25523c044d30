"""The citizen's own data (Law 91/2025/QH15): what the portal holds, a copy to download, and
closing the account."""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ..choices import DossierStatus
from ..models import Dossier
from ..services.personal_data import account_close, personal_data_export
from .errors import error_text


class AccountCloseForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand that my drafts are deleted, that my submitted dossiers stay with the "
            "agencies, and that I can no longer log in with this account."
        ),
    )
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("The password is not correct."), code="wrong_password")
        return password


def _is_staff(user) -> bool:
    return user.is_superuser or user.is_staff or user.is_staff_member


def _summary(user) -> dict:
    dossiers = Dossier.objects.filter(applicant_user=user)
    return {
        "drafts": dossiers.filter(status=DossierStatus.DRAFT).count(),
        "submitted": dossiers.exclude(status=DossierStatus.DRAFT).count(),
    }


@login_required
@require_http_methods(["GET"])
def my_data(request):
    """What the portal holds about the user, with the download and the account closing."""
    return render(
        request,
        "dossiers/citizen/my_data.html",
        {"summary": _summary(request.user), "can_close": not _is_staff(request.user)},
    )


@login_required
@require_POST
def my_data_download(request):
    """The ZIP of the user's data (POST: building it writes access records)."""
    archive = personal_data_export(user=request.user)
    filename = f"du-lieu-cua-toi-{timezone.localdate():%Y%m%d}.zip"
    return FileResponse(
        archive, as_attachment=True, filename=filename, content_type="application/zip"
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_close_view(request):
    """The confirmation step, then the closing; the user is logged out."""
    user = request.user
    if _is_staff(user):
        messages.error(request, _("A staff account is closed by an administrator, not here."))
        return redirect("dossiers:my_data")
    form = AccountCloseForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            closed = account_close(user=user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("dossiers:my_data")
        logout(request)
        messages.success(
            request,
            _(
                "Your account has been closed. %(drafts)d draft(s) were deleted; %(kept)d "
                "submitted dossier(s) stay with the agencies for their retention period."
            )
            % {"drafts": closed.drafts_deleted, "kept": closed.dossiers_kept},
        )
        return redirect("portal:home")
    return render(
        request,
        "dossiers/citizen/account_close.html",
        {"form": form, "summary": _summary(user)},
    )
