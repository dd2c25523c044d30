"""Roles are Django groups with these names; the data migration 0002 creates them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen or organisation")
    DESK_OFFICER = "desk_officer", _("One-stop desk officer")
    SPECIALIST = "specialist", _("Specialist")
    DIVISION_HEAD = "division_head", _("Head of division")
    LEADER = "leader", _("Leader")
    CATALOGUE_ADMIN = "catalogue_admin", _("Catalogue administrator")


STAFF_ROLES = frozenset(
    {Role.DESK_OFFICER, Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER, Role.CATALOGUE_ADMIN}
)

# Model permissions each role gets on top of what its screens check. Only the catalogue
# administrator works in the Django admin.
ROLE_MODEL_PERMISSIONS = {
    Role.CATALOGUE_ADMIN: {
        "procedures": [
            "agency",
            "field",
            "procedure",
            "requireddocument",
            "procedurestep",
            "fee",
        ],
    },
}


def grant_role_permissions(sender=None, apps=None, using="default", **kwargs):
    """Give each role group its model permissions; safe to run after every migrate."""
    from django.contrib.auth.models import Group, Permission

    for role, by_app in ROLE_MODEL_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        for app_label, model_names in by_app.items():
            permissions = Permission.objects.using(using).filter(
                content_type__app_label=app_label, content_type__model__in=model_names
            )
            group.permissions.add(*permissions)
