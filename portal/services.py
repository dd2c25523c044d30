import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from .roles import Role


@transaction.atomic
def citizen_register(
    *, full_name: str, email: str, phone: str, identity_number: str, password: str
):
    """Create a citizen account; it logs in with its e-mail or its phone number."""
    user_model = get_user_model()
    user = user_model(
        username=_free_username(email, phone),
        email=email,
        phone=phone,
        identity_number=identity_number,
        first_name=full_name,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=Role.CITIZEN))
    return user


def _free_username(*candidates: str) -> str:
    """The e-mail or the phone as username when it is a valid one nobody has, else a generated
    one: citizens never type it (they log in with the e-mail or the phone), but it is unique,
    at most 150 characters and limited to letters, digits and @.+-_."""
    user_model = get_user_model()
    field = user_model._meta.get_field(user_model.USERNAME_FIELD)
    for candidate in candidates:
        if not candidate or len(candidate) > field.max_length:
            continue
        try:
            for validator in field.validators:
                validator(candidate)
        except ValidationError:
            continue
        if not user_model._default_manager.filter(username__iexact=candidate).exists():
            return candidate
    return f"citizen-{uuid.uuid4().hex}"
