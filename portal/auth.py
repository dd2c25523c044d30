from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone

from .client_ip import client_ip
from .throttles import address_key, login_address_throttle, retry_text
from .validators import normalize_phone


def find_account(identifier: str):
    """The account an identifier typed at login names, or None.

    An identifier is an e-mail address (any case), a phone number (any usual spelling) or,
    for staff, a username; the e-mail and the phone win over a username that looks the same.
    """
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    users = get_user_model()._default_manager
    if "@" in identifier:
        user = users.filter(email__iexact=identifier).first()
    else:
        phone = normalize_phone(identifier)
        user = users.filter(phone=phone).first() if _is_phone_like(phone) else None
    return user or users.filter(username=identifier).first()


def login_key(identifier: str) -> str:
    """The one name a login attempt is counted under, however the identifier was written.

    The lockout (django-axes) counts failures per username and clears them when that username
    logs in, so an identifier naming an account becomes the account's username; any other
    identifier is normalised (e-mail lower-cased, phone as 0xxxxxxxxx) so that re-spelling it
    does not buy more attempts.
    """
    identifier = (identifier or "").strip()
    user = find_account(identifier)
    if user is not None:
        return user.get_username()
    if "@" in identifier:
        return identifier.lower()
    phone = normalize_phone(identifier)
    return phone if _is_phone_like(phone) else identifier


def _is_phone_like(value: str) -> bool:
    return value.isascii() and value.isdigit()


def axes_username(request, credentials=None):
    """For `AXES_USERNAME_CALLABLE`: the name django-axes counts an attempt under.

    The same account is found as `EmailOrPhoneBackend` finds it (an exact username first, then
    the e-mail or phone), so logins that do not go through the portal's forms (the Django
    admin) are also counted once per account, and a success clears them.
    """
    identifier = (credentials or {}).get("username")
    if identifier is None and request is not None:
        identifier = request.POST.get("username")
    if not identifier:
        return identifier
    identifier = identifier.strip()
    user = get_user_model()._default_manager.filter(username=identifier).first()
    return user.get_username() if user is not None else login_key(identifier)


class EmailOrPhoneBackend(ModelBackend):
    """Log in with an e-mail address, a phone number or (for staff) a username.

    The login forms pass the account's username (see `login_key`), so an exact username match
    is tried first; anything else is looked up as an identifier.

    Every failure also counts against the client's address across accounts
    (`portal.throttles.login_address_throttle`): past the limit, logins from that address are
    refused without a password check, whichever account they name (password spraying).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        throttle = login_address_throttle()
        address = address_key(request) if request is not None else None
        if address is not None and throttle.blocked_until(address):
            raise PermissionDenied("Too many failed logins from this address.")
        username = username.strip()
        users = get_user_model()._default_manager
        user = users.filter(username=username).first() or find_account(username)
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            get_user_model()().set_password(password)
        elif user.check_password(password) and self.user_can_authenticate(user):
            return user
        if address is not None:
            throttle.record_failure(address)
        return None


def login_blocked_until(request):
    """When logins from the request's address are allowed again, or None if they are."""
    return login_address_throttle().blocked_until(address_key(request))


def lockout_response(request, original_response=None, credentials=None):
    """For `AXES_LOCKOUT_CALLABLE`: the lockout page, saying when the lock ends.

    django-axes does not record attempts refused during a lockout, so the lock ends one
    cool-off after the last recorded failure of this account from this address.
    """
    cool_off = get_cool_off(request)
    last_failure = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials), ip_address=client_ip(request)
    ).aggregate(last=Max("attempt_time"))["last"]
    until = (last_failure or timezone.now()) + cool_off
    return render(
        request,
        "registration/locked_out.html",
        {"retry_text": retry_text(until), "cooloff_timedelta": cool_off},
        status=429,
    )
