from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

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
        user = users.filter(phone=phone).first() if phone.isdigit() else None
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
    return phone if phone.isdigit() else identifier


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
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        username = username.strip()
        users = get_user_model()._default_manager
        user = users.filter(username=username).first() or find_account(username)
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
