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
def test_a_catalogue_administrator_is_refused_files_and_documents(client, received, where):
    """403 on the files and issued documents (their role reads no dossier), and the
    applicant's own page stays a 404 as for anyone who did not apply."""
    office, dossier = received
    agency = office.department if where == "department" else office.centre
    client.force_login(UserFactory(role=Role.CATALOGUE_ADMIN, agency=agency, is_staff=True))

    file_url, document_url, page_url = urls_of(dossier)
    assert client.get(file_url).status_code == 403
    assert client.get(document_url).status_code == 403
    assert client.get(page_url).status_code == 404


def test_the_refusal_tells_nothing_about_which_ids_exist(client, received):
    office, dossier = received
    client.force_login(UserFactory(role=Role.CATALOGUE_ADMIN, agency=office.department))
    missing = dossier.pk + 1000
    for url in (
        reverse("dossiers:file_download", kwargs={"pk": missing, "file_id": 1}),
        reverse("dossiers:document_download", kwargs={"pk": missing, "document_id": 1}),
    ):
        assert client.get(url).status_code == 403, url


def test_staff_of_another_agency_and_other_citizens_still_get_404(client, received):
    office, dossier = received
    file_url, document_url, _page = urls_of(dossier)
    for user in (office.other_desk, UserFactory(role=Role.CITIZEN)):
        client.force_login(user)
        assert client.get(file_url).status_code == 404
        assert client.get(document_url).status_code == 404


def test_a_catalogue_administrator_opens_the_files_of_their_own_application(client):
    office = build_office()
    admin = UserFactory(role=Role.CATALOGUE_ADMIN, agency=office.department, is_staff=True)
    draft = dossier_create_draft(procedure=office.procedure, applicant=applicant_data(), user=admin)
    dossier_file = dossier_attach_file(
        dossier=draft,
        required_document=office.procedure.documents.get(),
        upload=upload("don.pdf", PDF_BYTES),
        actor=admin,
    )
    client.force_login(admin)

    url = reverse("dossiers:file_download", kwargs={"pk": draft.pk, "file_id": dossier_file.pk})
    assert client.get(url).status_code == 200


def test_the_applicant_and_the_desk_still_open_them(client, received):
    office, dossier = received
    file_url, document_url, _page = urls_of(dossier)
    for user in (office.citizen, office.desk):
        client.force_login(user)
        assert client.get(file_url).status_code == 200
        assert client.get(document_url).status_code == 200
