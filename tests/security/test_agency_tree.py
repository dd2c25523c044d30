"""The agency tree (parent, agencies a service centre serves) decides which dossiers staff see:
only a superuser changes it, and every change, by admin or import, is recorded."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.roles import Role
from procedures.choices import AgencyKind
from procedures.exchange import catalogue_export, catalogue_import
from procedures.models import Agency, AgencyTreeChange
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    province = AgencyFactory(code="000.00.00.H62", name="UBND tỉnh", kind=AgencyKind.PROVINCE)
    department = AgencyFactory(code="000.00.16.H62", name="Sở Ngoại vụ", parent=province)
    other = AgencyFactory(code="000.00.17.H62", name="Sở Tư pháp", parent=province)
    centre = AgencyFactory(
        code="000.00.01.H62", name="Trung tâm", kind=AgencyKind.SERVICE_CENTRE, parent=province
    )
    centre.serves.add(department)
    return province, department, other, centre


def post_agency(client, agency, **changes):
    data = {
        "code": agency.code,
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "parent": agency.parent_id or "",
        "serves": [a.pk for a in agency.serves.all()],
        "address": "",
        "phone": "",
        "email": "",
        "working_hours_note": "",
        "is_active": "on",
        **changes,
    }
    return client.post(reverse("admin:procedures_agency_change", args=[agency.pk]), data)


def test_a_catalogue_administrator_cannot_change_whom_a_centre_serves(client, tree):
    _province, department, other, centre = tree
    client.force_login(UserFactory(role=Role.CATALOGUE_ADMIN, is_staff=True, agency=department))

    response = post_agency(client, centre, serves=[department.pk, other.pk], name="Trung tâm mới")

    assert response.status_code == 302
    centre.refresh_from_db()
    assert centre.name == "Trung tâm mới"  # the rest of the agency is still theirs to edit
    assert list(centre.serves.all()) == [department]
    assert not AgencyTreeChange.objects.exists()


def test_a_superuser_change_is_recorded_with_before_and_after(client, tree):
    province, department, other, centre = tree
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = post_agency(client, centre, serves=[department.pk, other.pk])

    assert response.status_code == 302
    change = AgencyTreeChange.objects.get()
    assert (change.agency, change.field_name, change.changed_by, change.source) == (
        centre,
        "serves",
        admin,
        "admin",
    )
    assert (change.old_value, change.new_value) == (
        "000.00.16.H62",
        "000.00.16.H62, 000.00.17.H62",
    )


def test_an_import_that_moves_an_agency_is_recorded(tree):
    province, department, other, _centre = tree
    data = catalogue_export()
    for record in data["agencies"]:
        if record["code"] == department.code:
            record["parent"] = other.code

    catalogue_import(data)

    change = AgencyTreeChange.objects.get()
    assert (change.agency, change.field_name, change.old_value, change.new_value) == (
        department,
        "parent",
        province.code,
        other.code,
    )
    assert change.source == "import" and change.changed_by is None
    assert Agency.objects.get(pk=department.pk).parent == other


def test_the_record_is_append_only(client, tree):
    _province, department, other, centre = tree
    change = AgencyTreeChange.objects.create(
        agency=centre, field_name="serves", old_value="a", new_value="b", source="admin"
    )
    with pytest.raises(ValidationError):
        change.save()
    with pytest.raises(ValidationError):
        change.delete()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:procedures_agencytreechange_change", args=[change.pk])
    assert client.post(url, {"new_value": "c"}).status_code == 403
