"""Finding 3 of the hostile re-test: the catalogue administrator read every citizen's files and
official documents, and the drill-downs' applicant names, while every casework screen refused
them. Catalogue work gives no dossier reading; figures stay open to them, names do not."""

import pytest
from django.urls import reverse

from dossiers.choices import DocumentKind
from dossiers.services import (
    dossier_attach_file,
    dossier_create_draft,
    dossier_receive,
    dossier_submit,
)
from portal.roles import Role
from tests.dossiers.factories import PDF_BYTES, applicant_data, upload
from tests.dossiers.staff_setup import build_office
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    office = build_office()
    draft = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )
    dossier_attach_file(
        dossier=draft,
        required_document=office.procedure.documents.get(),
        upload=upload("don.pdf", PDF_BYTES),
        actor=office.citizen,
    )
    dossier = dossier_receive(
        dossier=dossier_submit(dossier=draft, actor=office.citizen), actor=office.desk
    )
    return office, dossier


def urls_of(dossier) -> list[str]:
    receipt = dossier.documents.get(kind=DocumentKind.RECEIPT)
    return [
        reverse(
            "dossiers:file_download", kwargs={"pk": dossier.pk, "file_id": dossier.files.get().pk}
        ),
        reverse("dossiers:document_download", kwargs={"pk": dossier.pk, "document_id": receipt.pk}),
        reverse("dossiers:my_detail", kwargs={"pk": dossier.pk}),
    ]


@pytest.mark.parametrize("where", ["department", "centre"])
def test_a_catalogue_administrator_opens_no_file_and_no_document(client, received, where):
    office, dossier = received
    agency = office.department if where == "department" else office.centre
    client.force_login(UserFactory(role=Role.CATALOGUE_ADMIN, agency=agency, is_staff=True))

    for url in urls_of(dossier):
        assert client.get(url).status_code == 404, url


def test_the_applicant_and_the_desk_still_open_them(client, received):
    office, dossier = received
    file_url, document_url, _page = urls_of(dossier)
    for user in (office.citizen, office.desk):
        client.force_login(user)
        assert client.get(file_url).status_code == 200
        assert client.get(document_url).status_code == 200
