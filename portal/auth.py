from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .validators import normalize_phone


class EmailOrPhoneBackend(ModelBackend):
    """Log in with an e-mail address, a phone number or (for staff) a username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        user = self._find_user(username.strip())
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def _find_user(self, identifier: str):
        users = get_user_model()._default_manager
        if "@" in identifier:
            return users.filter(email__iexact=identifier).first()
        phone = normalize_phone(identifier)
        if phone.isdigit():
            user = users.filter(phone=phone).first()
            if user is not None:
                return user
        return users.filter(username=identifier).first()
