"""Roles are Django groups created by the migrations; the catalogue administrator's model
permissions are granted after every migrate."""

import pytest
from django.contrib.auth.models import Group, Permission

from portal.roles import STAFF_ROLES, Role, grant_role_permissions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLE_NAMES = {
    "citizen",
    "desk_officer",
    "specialist",
    "division_head",
    "leader",
    "catalogue_admin",
}


def _codenames(group_name):
    return set(
        Group.objects.get(name=group_name)
        .permissions.filter(content_type__app_label="procedures")
        .values_list("codename", flat=True)
    )


def test_the_six_role_groups_exist_after_migrations():
    """Migrating an empty database creates exactly one group per role."""
    names = list(Group.objects.filter(name__in=ROLE_NAMES).values_list("name", flat=True))
    assert sorted(names) == sorted(ROLE_NAMES)
    assert {role.value for role in Role} == ROLE_NAMES


def test_catalogue_admin_can_add_change_delete_and_view_procedures():
    """post_migrate grants the catalogue administrator the four model permissions on
    procedures.Procedure."""
    codenames = _codenames("catalogue_admin")
    assert {
        "add_procedure",
        "change_procedure",
        "delete_procedure",
        "view_procedure",
    } <= codenames


def test_catalogue_admin_user_has_the_procedure_permissions():
    """A user in the catalogue_admin group passes has_perm for procedures.change_procedure."""
    user = UserFactory(role=Role.CATALOGUE_ADMIN)
    for action in ("add", "change", "delete", "view"):
        assert user.has_perm(f"procedures.{action}_procedure")


def test_other_roles_get_no_model_permissions():
    """Only the catalogue administrator works in the Django admin; the other groups have no
    model permissions and their members cannot change procedures."""
    for name in ROLE_NAMES - {"catalogue_admin"}:
        assert not Group.objects.get(name=name).permissions.exists(), name
    leader = UserFactory(role=Role.LEADER)
    assert not leader.has_perm("procedures.change_procedure")


def test_granting_the_permissions_again_changes_nothing():
    """grant_role_permissions is idempotent: running it after a second migrate adds no rows."""
    group = Group.objects.get(name="catalogue_admin")
    before = set(group.permissions.values_list("pk", flat=True))
    grant_role_permissions()
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert Group.objects.filter(name="catalogue_admin").count() == 1


def test_grant_restores_a_removed_permission():
    """If a permission was removed from the group, the next post_migrate grants it again."""
    group = Group.objects.get(name="catalogue_admin")
    change = Permission.objects.get(
        content_type__app_label="procedures", codename="change_procedure"
    )
    group.permissions.remove(change)
    assert "change_procedure" not in _codenames("catalogue_admin")
    grant_role_permissions()
    assert "change_procedure" in _codenames("catalogue_admin")


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_every_staff_role_makes_a_staff_member(role):
    """Membership of any staff role group makes User.is_staff_member true and has_role answer."""
    user = UserFactory(role=role)
    assert user.is_staff_member
    assert user.has_role(role)
    assert not user.has_role(Role.CITIZEN)


def test_citizen_is_not_a_staff_member():
    """A citizen is not on the staff side; a user without any group is neither."""
    citizen = UserFactory(role=Role.CITIZEN)
    nobody = UserFactory()
    assert citizen.has_role(Role.CITIZEN)
    assert not citizen.is_staff_member
    assert not nobody.is_staff_member
    assert nobody.role_names == frozenset()
