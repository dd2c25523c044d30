"""Issued documents: each form is issued at its event, stored as a file of the dossier
with its hash, rebuilt byte for byte on request, and downloadable only by those who may see the
dossier."""

import hashlib
import json
from datetime import date, datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.timezone import localtime

from dossiers.choices import DocumentKind, FilePurpose
from dossiers.deadlines import VIETNAM_TZ
from dossiers.documents import form_for
from dossiers.generator import generate_dossiers
from dossiers.models import Dossier, DossierFile, IssuedDocument
from dossiers.services import dossier_receive
from dossiers.services.documents import (
    FORM_OF_ACTION,
    issued_document_regenerate,
    issued_document_store,
    issued_documents_backfill,
)
from dossiers.tasks import render_pending_documents_task
from tests.dossiers.documents.test_document_forms import CASES as FORM_CASES
from tests.dossiers.pdf_checks import stamp, text
from tests.dossiers.staff_setup import submitted_dossier
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAME = "Nguyễn Thị Hương"


@pytest.fixture
def received(office):
    dossier = submitted_dossier(office, name=NAME)
    return dossier_receive(dossier=dossier, actor=office.desk)


@pytest.fixture
def receipt(received):
    document = received.documents.get(kind=DocumentKind.RECEIPT)
    return issued_document_store(document_id=document.pk)


def _bytes(dossier_file: DossierFile) -> bytes:
    with dossier_file.file.open("rb") as handle:
        return handle.read()


def test_reception_issues_the_receipt_with_what_it_prints(received):
    document = received.documents.get()

    assert document.kind == DocumentKind.RECEIPT
    assert document.number == received.code
    assert document.event.action == "received"
    assert document.snapshot["applicant"]["name"] == NAME
    assert document.snapshot["appointment_at"] == localtime(received.appointment_at).isoformat()
    assert document.file is None  # rendered after commit


def test_rendering_stores_the_pdf_as_a_dossier_file_with_its_hash(received, receipt):
    stored = receipt.file
    data = _bytes(stored)

    assert stored.dossier_id == received.pk
    assert stored.purpose == FilePurpose.DOCUMENT
    assert stored.content_type == "application/pdf"
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert received.code in text(data)
    assert stamp(received.appointment_at) in text(data)
    # Rendering twice stores once.
    assert issued_document_store(document_id=receipt.pk).file_id == stored.pk
    assert DossierFile.objects.filter(purpose=FilePurpose.DOCUMENT).count() == 1


def test_regenerating_gives_the_same_bytes_even_after_the_dossier_changed(received, receipt):
    stored = _bytes(receipt.file)
    received.applicant_name = "Trần Văn Bình"
    received.save(update_fields=["applicant_name"])

    again = issued_document_regenerate(document=IssuedDocument.objects.get(pk=receipt.pk))

    assert again.identical
    assert again.data == stored
    assert NAME in text(again.data)  # the paper as issued, not as the dossier is now


def test_a_lost_file_is_rebuilt_identically(client, office, received, receipt):
    original = _bytes(receipt.file)
    receipt.file.file.storage.delete(receipt.file.file.name)
    client.force_login(office.citizen)

    response = client.get(_download_url(received, receipt))

    assert response.status_code == 200
    assert response.content == original
    assert _bytes(DossierFile.objects.get(pk=receipt.file_id)) == original


def _download_url(dossier, document) -> str:
    return reverse(
        "dossiers:document_download", kwargs={"pk": dossier.pk, "document_id": document.pk}
    )


def test_the_applicant_downloads_their_documents(client, office, received, receipt):
    client.force_login(office.citizen)

    page = client.get(reverse("dossiers:my_detail", kwargs={"pk": received.pk}))
    response = client.get(_download_url(received, receipt))

    assert _download_url(received, receipt) in page.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == _bytes(receipt.file)
    # The stored file is also reachable through the generic file view.
    file_url = reverse(
        "dossiers:file_download", kwargs={"pk": received.pk, "file_id": receipt.file_id}
    )
    assert client.get(file_url).status_code == 200


def test_a_citizen_cannot_download_another_citizens_documents(client, office, received, receipt):
    stranger = UserFactory(first_name="Lê Thị Lan")
    client.force_login(stranger)
    file_url = reverse(
        "dossiers:file_download", kwargs={"pk": received.pk, "file_id": receipt.file_id}
    )

    assert client.get(_download_url(received, receipt)).status_code == 404
    assert client.get(file_url).status_code == 404
    # Nor by guessing: their own dossier's URL with someone else's document id.
    own = submitted_dossier(office, name="Lê Thị Lan")
    own.applicant_user = stranger
    own.save(update_fields=["applicant_user"])
    assert client.get(_download_url(own, receipt)).status_code == 404


def test_staff_of_another_centre_cannot_download_and_anonymous_must_log_in(
    client, office, received, receipt
):
    client.force_login(office.other_desk)
    assert client.get(_download_url(received, receipt)).status_code == 404
    client.logout()
    response = client.get(_download_url(received, receipt))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_serving_desk_sees_and_regenerates_the_document(client, office, received, receipt):
    client.force_login(office.desk)
    detail = reverse("dossiers:desk_detail", kwargs={"pk": received.pk})

    page = client.get(detail).content.decode()
    response = client.post(
        reverse(
            "dossiers:document_regenerate",
            kwargs={"pk": received.pk, "document_id": receipt.pk},
        ),
        {"next": detail},
        follow=True,
    )

    assert _download_url(received, receipt) in page
    assert response.redirect_chain[-1][0] == detail
    assert receipt.file.sha256[:16] in response.content.decode()


def test_the_department_is_sent_back_to_its_own_dossier_page(client, office, received, receipt):
    """Without a `next`, a specialist lands on the department's page, not the desk's (which
    would answer 403)."""
    client.force_login(office.specialist)
    response = client.post(
        reverse(
            "dossiers:document_regenerate",
            kwargs={"pk": received.pk, "document_id": receipt.pk},
        ),
        follow=True,
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(
        "dossiers:department_detail", kwargs={"pk": received.pk}
    )


def test_citizens_cannot_regenerate(client, office, received, receipt):
    client.force_login(office.citizen)
    url = reverse(
        "dossiers:document_regenerate", kwargs={"pk": received.pk, "document_id": receipt.pk}
    )

    assert client.post(url).status_code == 403


def test_the_desk_receipt_pdf_is_the_issued_receipt(client, office, received, receipt):
    client.force_login(office.desk)

    response = client.get(reverse("dossiers:receipt_pdf", kwargs={"pk": received.pk}))

    assert response.content == _bytes(receipt.file)


def test_the_beat_sweep_renders_what_was_issued_and_a_redelivery_renders_nothing_twice(
    office, django_capture_on_commit_callbacks
):
    # Issuing publishes nothing to the broker (a Redis outage cannot fail the reception):
    # the only work the commit schedules is none at all.
    dossier = submitted_dossier(office, name=NAME)
    with django_capture_on_commit_callbacks() as callbacks:
        dossier = dossier_receive(dossier=dossier, actor=office.desk)
    assert callbacks == []
    document = dossier.documents.get()
    assert document.file is None

    assert render_pending_documents_task.apply().get() == {"stored": 1}
    assert render_pending_documents_task.apply().get() == {"stored": 0}

    document.refresh_from_db()
    assert NAME in text(_bytes(document.file))


@pytest.mark.parametrize("kind", list(FORM_CASES))
def test_each_form_is_issued_at_its_event_and_stored_with_its_hash(kind, office, time_machine):
    case = FORM_CASES[kind](office, time_machine)

    document = IssuedDocument.objects.get(dossier=case.dossier, kind=kind)
    stored = issued_document_store(document_id=document.pk).file
    data = _bytes(stored)

    assert document.event_id == case.event.pk
    assert document.issued_at == case.event.at
    assert document.number == case.number
    assert document.snapshot == json.loads(json.dumps(case.snapshot()))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert data == case.pdf(document.snapshot)
    assert form_for(kind)[1] in text(data)


def test_bulk_loaded_dossiers_get_their_documents_backfilled_once(office):
    generate_dossiers(
        count=40,
        seed=7,
        start=date(2026, 9, 1),
        end=date(2026, 10, 31),
        now=datetime(2026, 11, 2, 9, 0, tzinfo=VIETNAM_TZ),
        citizen=office.citizen,
    )
    dossiers = Dossier.objects.all()
    expected = sum(d.events.filter(action__in=FORM_OF_ACTION).count() for d in dossiers)

    assert issued_documents_backfill(dossiers=dossiers) == expected > 0
    assert issued_documents_backfill(dossiers=dossiers) == 0
    kinds = set(IssuedDocument.objects.values_list("kind", flat=True))
    assert {DocumentKind.RECEIPT, DocumentKind.CONTROL_SHEET} <= kinds
    # Every backfilled form renders (generated events carry no notes or items).
    for kind in kinds:
        document = IssuedDocument.objects.filter(kind=kind).first()
        data = _bytes(issued_document_store(document_id=document.pk).file)
        assert document.dossier.code in text(data)


def test_a_damaged_file_is_rebuilt_on_download(client, office, received, receipt):
    original = _bytes(receipt.file)
    storage, name = receipt.file.file.storage, receipt.file.file.name
    storage.delete(name)
    storage.save(name, ContentFile(b"%PDF-1.7 damaged"))
    client.force_login(office.desk)

    response = client.get(_download_url(received, receipt))

    assert response.content == original
    assert _bytes(DossierFile.objects.get(pk=receipt.file_id)) == original


def test_the_desk_receipt_page_shows_the_receipt_as_issued(client, office, received):
    received.applicant_name = "Trần Văn Bình"
    received.save(update_fields=["applicant_name"])
    client.force_login(office.desk)

    html = client.get(reverse("dossiers:receipt", kwargs={"pk": received.pk})).content.decode()

    assert NAME in html
    assert "Trần Văn Bình" not in html
