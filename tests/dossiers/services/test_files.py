"""Dossier files: the type comes from the content, the size is limited, content is deduplicated."""

import hashlib

import pytest
from django.core.exceptions import ValidationError

from dossiers import filetypes
from dossiers.choices import DossierAction, DossierStatus, FilePurpose
from dossiers.models import Dossier, DossierEvent, DossierFile
from dossiers.permissions import ActionForbidden
from dossiers.services import (
    dossier_attach_file,
    dossier_create_draft,
    dossier_receive,
    dossier_register_walk_in,
    dossier_remove_file,
    dossier_submit,
)
from dossiers.workflow import InvalidTransition
from tests.dossiers.factories import (
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    applicant_data,
    ooxml_bytes,
    upload,
)
from tests.factories import RequiredDocumentFactory
from tests.security.builders import cfb_bytes

pytestmark = pytest.mark.django_db

SIGNED_PDF = PDF_BYTES + b"<</Type /Sig /ByteRange [0 10 20 30]>>"


@pytest.fixture
def draft(lifecycle_office):
    return dossier_create_draft(
        procedure=lifecycle_office.procedure,
        applicant=applicant_data(),
        user=lifecycle_office.citizen,
    )


def attach(office, dossier, name, content, **kwargs):
    kwargs.setdefault("required_document", office.application_form)
    kwargs.setdefault("actor", office.citizen)
    return dossier_attach_file(dossier=dossier, upload=upload(name, content), **kwargs)


def file_events(dossier):
    return DossierEvent.objects.filter(
        dossier=dossier, action__in=[DossierAction.FILE_ATTACHED, DossierAction.FILE_REMOVED]
    ).count()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("to-khai.pdf", PDF_BYTES, "application/pdf"),
        ("anh.jpg", JPEG_BYTES, "image/jpeg"),
        ("anh.jpeg", JPEG_BYTES, "image/jpeg"),
        ("anh.png", PNG_BYTES, "image/png"),
        ("don.docx", ooxml_bytes("word"), filetypes.DOCX.content_type),
        ("bang.xlsx", ooxml_bytes("xl"), filetypes.XLSX.content_type),
        ("don.doc", cfb_bytes({"WordDocument": b"w"}), "application/msword"),
        ("bang.xls", cfb_bytes({"Workbook": b"w"}), "application/vnd.ms-excel"),
    ],
)
def test_accepted_types_are_stored_with_the_detected_type_and_sha256(
    lifecycle_office, draft, name, content, content_type
):
    dossier_file = attach(lifecycle_office, draft, name, content)

    dossier_file.refresh_from_db()
    assert dossier_file.content_type == content_type
    assert dossier_file.original_name == name
    assert dossier_file.size == len(content)
    assert dossier_file.sha256 == hashlib.sha256(content).hexdigest()
    assert dossier_file.uploaded_by == lifecycle_office.citizen
    assert dossier_file.purpose == FilePurpose.APPLICATION
    assert dossier_file.file.name.startswith(f"dossier_files/{draft.pk}/")
    assert name not in dossier_file.file.name
    with dossier_file.file.open("rb") as stored:
        assert stored.read() == content
    event = DossierEvent.objects.filter(dossier=draft).order_by("pk").last()
    assert event.action == DossierAction.FILE_ATTACHED
    assert event.data["sha256"] == dossier_file.sha256


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("to-khai.pdf", PNG_BYTES, "type_mismatch"),  # a PNG calling itself a PDF
        ("to-khai.pdf", b"just some text, not a PDF", "unsupported_type"),
        ("to-khai.docx", PDF_BYTES, "type_mismatch"),
        ("script.exe", b"MZ\x90\x00\x03", "unsupported_type"),
        ("ghi-chu.txt", b"hello", "unsupported_type"),
        ("nen.zip", b"PK\x03\x04" + b"\x00" * 30, "unsupported_type"),  # zip, not Office
        ("cu.doc", cfb_bytes({"Something": b"s"}), "unsupported_type"),
        ("anh.png.pdf", JPEG_BYTES, "type_mismatch"),
    ],
)
def test_disguised_and_unknown_files_are_refused(lifecycle_office, draft, name, content, code):
    with pytest.raises(ValidationError) as error:
        attach(lifecycle_office, draft, name, content)

    assert error.value.code == code
    assert not DossierFile.objects.exists()
    assert file_events(draft) == 0


def test_oversized_file_is_refused(lifecycle_office, draft, settings):
    settings.UPLOAD_MAX_FILE_SIZE = len(PDF_BYTES) - 1

    with pytest.raises(ValidationError) as error:
        attach(lifecycle_office, draft, "to-khai.pdf", PDF_BYTES)

    assert error.value.code == "too_large"
    assert not DossierFile.objects.exists()


def test_file_at_the_size_limit_is_accepted(lifecycle_office, draft, settings):
    settings.UPLOAD_MAX_FILE_SIZE = len(PDF_BYTES)

    assert attach(lifecycle_office, draft, "to-khai.pdf", PDF_BYTES).size == len(PDF_BYTES)


def test_empty_file_is_refused(lifecycle_office, draft):
    with pytest.raises(ValidationError) as error:
        attach(lifecycle_office, draft, "to-khai.pdf", b"")
    assert error.value.code == "empty"


def test_the_same_content_twice_for_one_document_is_recognised(lifecycle_office, draft):
    first = attach(lifecycle_office, draft, "to-khai.pdf", PDF_BYTES)
    again = attach(lifecycle_office, draft, "to-khai (1).pdf", PDF_BYTES)

    assert again.pk == first.pk
    assert DossierFile.objects.count() == 1
    assert file_events(draft) == 1


def test_the_same_content_for_another_document_is_a_new_file(lifecycle_office, draft):
    first = attach(lifecycle_office, draft, "to-khai.pdf", PDF_BYTES)
    other = attach(
        lifecycle_office,
        draft,
        "khac.pdf",
        PDF_BYTES,
        required_document=lifecycle_office.other_paper,
    )

    assert other.pk != first.pk
    assert other.sha256 == first.sha256


def test_a_document_of_another_procedure_is_refused(lifecycle_office, draft):
    foreign = RequiredDocumentFactory()

    with pytest.raises(ValidationError) as error:
        attach(lifecycle_office, draft, "to-khai.pdf", PDF_BYTES, required_document=foreign)
    assert error.value.code == "invalid_document"


def test_a_signed_pdf_is_marked_signed(lifecycle_office, draft):
    assert attach(lifecycle_office, draft, "ky-so.pdf", SIGNED_PDF).is_signed is True
    assert (
        attach(lifecycle_office, draft, "thuong.pdf", PDF_BYTES, required_document=None).is_signed
        is False
    )


def test_desk_scans_are_marked_digitised(lifecycle_office):
    dossier = dossier_register_walk_in(
        procedure=lifecycle_office.procedure,
        applicant=applicant_data(),
        actor=lifecycle_office.desk,
    )

    scanned = attach(lifecycle_office, dossier, "scan.pdf", PDF_BYTES, actor=lifecycle_office.desk)
    assert scanned.is_digitised is True
    assert scanned.uploaded_by == lifecycle_office.desk


def test_removing_a_file_from_a_draft_deletes_it(lifecycle_office, draft):
    dossier_file = attach(lifecycle_office, draft, "to-khai.pdf", PDF_BYTES)
    storage, name = dossier_file.file.storage, dossier_file.file.name

    dossier_remove_file(dossier=draft, file_id=dossier_file.pk, actor=lifecycle_office.citizen)

    assert not DossierFile.objects.exists()
    event = DossierEvent.objects.filter(dossier=draft).order_by("pk").last()
    assert (event.action, event.data["name"]) == (DossierAction.FILE_REMOVED, "to-khai.pdf")
    # The stored file goes once the transaction commits (the test transaction never does).
    assert storage.exists(name)


def test_a_file_of_another_dossier_cannot_be_removed(lifecycle_office, draft):
    other = dossier_create_draft(
        procedure=lifecycle_office.procedure,
        applicant=applicant_data(),
        user=lifecycle_office.other_citizen,
    )
    foreign = attach(
        lifecycle_office, other, "to-khai.pdf", PDF_BYTES, actor=lifecycle_office.other_citizen
    )

    with pytest.raises(ValidationError) as error:
        dossier_remove_file(dossier=draft, file_id=foreign.pk, actor=lifecycle_office.citizen)
    assert error.value.code == "not_found"
    assert DossierFile.objects.filter(pk=foreign.pk).exists()


def test_files_cannot_be_removed_once_received(lifecycle_office):
    """The applicant's own file stays once the desk has received the dossier; staff never remove
    one."""
    draft = dossier_create_draft(
        procedure=lifecycle_office.procedure,
        applicant=applicant_data(),
        user=lifecycle_office.citizen,
    )
    own = attach(lifecycle_office, draft, "to-khai.pdf", PDF_BYTES, actor=lifecycle_office.citizen)
    dossier = dossier_submit(dossier=draft, actor=lifecycle_office.citizen)
    dossier = dossier_receive(dossier=dossier, actor=lifecycle_office.desk)
    scanned = attach(
        lifecycle_office,
        dossier,
        "scan.pdf",
        PDF_BYTES,
        actor=lifecycle_office.desk,
        required_document=None,
    )

    with pytest.raises(InvalidTransition):
        dossier_remove_file(dossier=dossier, file_id=own.pk, actor=lifecycle_office.citizen)
    with pytest.raises(ActionForbidden):
        dossier_remove_file(dossier=dossier, file_id=scanned.pk, actor=lifecycle_office.desk)
    assert set(dossier.files.values_list("pk", flat=True)) == {own.pk, scanned.pk}
    assert Dossier.objects.get(pk=dossier.pk).status == DossierStatus.RECEIVED


def test_sniff_leaves_the_stream_at_its_start():
    stream = upload("a.pdf", PDF_BYTES)
    stream.read(3)

    assert filetypes.sniff(stream) is filetypes.PDF
    assert stream.tell() == 0
