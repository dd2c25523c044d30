from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .roles import Role


@transaction.atomic
def citizen_register(
    *, full_name: str, email: str, phone: str, identity_number: str, password: str
):
    """Create a citizen account; it logs in with its e-mail or its phone number."""
    user_model = get_user_model()
    user = user_model(
        username=email or phone,
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
