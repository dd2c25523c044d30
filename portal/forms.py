from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .auth import login_blocked_until, login_key
from .throttles import retry_text
from .validators import (
    clean_personal_name,
    normalize_identity_number,
    normalize_phone,
    validate_identity_number,
    validate_phone,
)


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("E-mail or phone number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _(
            "The e-mail, phone number or password is not correct. Please try again; after "
            "several failed attempts the account is locked for a while."
        ),
        "inactive": _("This account has been disabled. Please contact the service centre."),
    }

    def clean_username(self):
        # Authenticate, and count failed attempts for the lockout, under one name per account:
        # `AN@example.vn`, `0912.345.678` and `+84 912 345 678` must not each get five tries.
        return login_key(self.cleaned_data["username"])

    def clean(self):
        # Too many failures from this address (any accounts): refuse before any password check.
        until = login_blocked_until(self.request) if self.request is not None else None
        if until is not None:
            raise forms.ValidationError(
                _(
                    "Too many failed logins from your network address. %(retry)s You can also "
                    "reset your password."
                ),
                code="address_throttled",
                params={"retry": retry_text(until)},
            )
        return super().clean()


class StaffLoginForm(LoginForm):
    username = forms.CharField(
        label=_("Username, e-mail or phone number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not (user.is_staff_member or user.is_superuser):
            raise forms.ValidationError(
                _("This login is for staff. Citizens log in on the citizen login page."),
                code="not_staff",
            )


class RegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    # 254 is what the user model's column holds.
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=20, required=False)
    identity_number = forms.CharField(
        label=_("Personal identity number"),
        max_length=12,
        required=False,
        help_text=_("12 digits; it fills your dossiers in for you."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_full_name(self):
        return clean_personal_name(self.cleaned_data["full_name"])

    # An e-mail or phone that already has an account is not an error here: the page must answer
    # the same whether it exists (the view tells the owner instead, see `existing_accounts`).
    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        validate_phone(phone)
        return normalize_phone(phone)

    def clean_identity_number(self):
        value = normalize_identity_number(self.cleaned_data["identity_number"])
        if value:
            validate_identity_number(value)
        return value

    def existing_accounts(self) -> list:
        """The accounts that already use the e-mail or the phone typed (at most two)."""
        users = get_user_model()._default_manager
        found = {}
        email, phone = self.cleaned_data.get("email"), self.cleaned_data.get("phone")
        if email:
            found.update((user.pk, user) for user in users.filter(email__iexact=email))
        if phone:
            found.update((user.pk, user) for user in users.filter(phone=phone))
        return list(found.values())

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and not self.errors:
            raise forms.ValidationError(
                _("Enter an e-mail address or a phone number (or both) to log in with."),
                code="no_identifier",
            )
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2",
                forms.ValidationError(
                    _("The two passwords do not match."), code="password_mismatch"
                ),
            )
        if password1 and not self.has_error("password2"):
            candidate = get_user_model()(
                email=cleaned.get("email") or "", first_name=cleaned.get("full_name") or ""
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
