from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .roles import STAFF_ROLES, Role


class User(AbstractUser):
    """A person who logs in: a citizen, or a staff member who belongs to an agency."""

    # Stored normalised (digits, leading 0) so login by phone matches however it was typed.
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    identity_number = models.CharField(
        _("personal identity number"),
        max_length=12,
        blank=True,
        help_text=_("The 12-digit number on the citizen identity card."),
    )
    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_members",
        help_text=_("Staff only: the agency whose dossiers this person handles."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="portal_user_email_unique"
            ),
            models.UniqueConstraint(
                "phone", condition=~Q(phone=""), name="portal_user_phone_unique"
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.email or self.phone or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.role_names

    @property
    def is_staff_member(self) -> bool:
        """Works on the staff side of the portal (desk, department, leaders, catalogue)."""
        return bool(self.role_names & {str(role) for role in STAFF_ROLES})
