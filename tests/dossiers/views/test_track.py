"""Tracking a dossier by code and phone, open to anyone, with guessing throttled per address."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dossiers.services import (
    dossier_attach_file,
    dossier_create_draft,
    dossier_receive,
    dossier_submit,
)
from dossiers.views import citizen as citizen_views
from portal.roles import Role
from procedures.choices import AgencyKind
from tests.dossiers.factories import applicant_data
from tests.factories import AgencyFactory, RequiredDocumentFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/track/"
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


@pytest.fixture
def dossier(procedure, agency):
    citizen = UserFactory(role=Role.CITIZEN)
    document = RequiredDocumentFactory(procedure=procedure, is_mandatory=True)
    draft = dossier_create_draft(
        procedure=procedure, applicant=applicant_data(phone="0912345678"), user=citizen
    )
    dossier_attach_file(
        dossier=draft,
        required_document=document,
        upload=SimpleUploadedFile("a.pdf", PDF_BYTES, content_type="application/pdf"),
        actor=citizen,
    )
    submitted = dossier_submit(dossier=draft, actor=citizen)
    centre = AgencyFactory(kind=AgencyKind.SERVICE_CENTRE)
    centre.serves.add(agency)
    officer = UserFactory(role=Role.DESK_OFFICER, agency=centre)
    return dossier_receive(dossier=submitted, actor=officer)


def test_the_url_is_track():
    """The contract's address."""
    assert reverse("dossiers:track") == URL


def test_anyone_can_open_the_form(client):
    """No account needed."""
    response = client.get(URL)
    assert response.status_code == 200
    assert "dossier" not in response.context


@pytest.mark.parametrize("phone", ["0912345678", "+84 912 345 678", "0912.345.678"])
def test_the_right_pair_shows_the_dossier(client, dossier, phone):
    """Code + the applicant's phone in any spelling: status, times and timeline are shown."""
    response = client.post(URL, {"code": dossier.code, "phone": phone})
    assert response.status_code == 200
    assert response.context["dossier"] == dossier
    assert [event.action for event in response.context["events"]][-1] == "received"
    body = response.content.decode()
    assert timezone.localtime(dossier.appointment_at).strftime("%H:%M %d/%m/%Y") in body
    assert dossier.procedure.name in body


def test_a_wrong_phone_and_an_unknown_code_look_the_same(client, dossier):
    """Neither answer says whether the code exists."""
    wrong_phone = client.post(URL, {"code": dossier.code, "phone": "0900000000"})
    unknown = client.post(URL, {"code": "000.00.16.H62-991231-9999", "phone": "0912345678"})
    for response in (wrong_phone, unknown):
        assert response.status_code == 200
        assert response.context["not_found"] is True
        assert "dossier" not in response.context
        assert "events" not in response.context


def test_an_empty_form_shows_errors_and_is_not_counted(client, dossier):
    """Missing fields are form errors; they do not count as a failed lookup."""
    for _ in range(12):
        response = client.post(URL, {"code": "", "phone": ""})
        assert response.status_code == 200
        assert response.context["form"].errors
    assert client.post(URL, {"code": dossier.code, "phone": "0912345678"}).status_code == 200


def test_the_eleventh_failure_is_throttled_without_a_lookup(client, dossier, monkeypatch):
    """Ten failed lookups from one address within 15 minutes, then 429 even for the right pair."""
    for _ in range(10):
        response = client.post(URL, {"code": dossier.code, "phone": "0900000000"})
        assert response.status_code == 200
        assert response.context["not_found"] is True

    calls = []
    monkeypatch.setattr(
        citizen_views, "dossier_track", lambda **kwargs: calls.append(kwargs) or dossier
    )
    response = client.post(URL, {"code": dossier.code, "phone": "0912345678"})
    assert response.status_code == 429
    assert response.context["throttled"] is True
    assert "dossier" not in response.context
    assert calls == []


def test_the_throttle_is_per_address(client, dossier):
    """Another address is not blocked by the first one's failures."""
    for _ in range(10):
        client.post(URL, {"code": "X", "phone": "0900000000"}, REMOTE_ADDR="10.0.0.1")
    assert (
        client.post(URL, {"code": "X", "phone": "0900000000"}, REMOTE_ADDR="10.0.0.1").status_code
        == 429
    )
    response = client.post(
        URL, {"code": dossier.code, "phone": "0912345678"}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 200
    assert response.context["dossier"] == dossier


def test_the_throttle_ends_after_fifteen_minutes(client, dossier, time_machine):
    """The counter expires with its window."""
    time_machine.move_to("2026-11-26 09:00 +07:00", tick=False)
    for _ in range(10):
        client.post(URL, {"code": "X", "phone": "0900000000"})
    assert client.post(URL, {"code": dossier.code, "phone": "0912345678"}).status_code == 429
    time_machine.move_to("2026-11-26 09:16 +07:00", tick=False)
    assert client.post(URL, {"code": dossier.code, "phone": "0912345678"}).status_code == 200


def test_successful_lookups_are_not_counted(client, dossier):
    """Looking up one's own dossier many times never locks one out."""
    for _ in range(15):
        response = client.post(URL, {"code": dossier.code, "phone": "0912345678"})
        assert response.status_code == 200
