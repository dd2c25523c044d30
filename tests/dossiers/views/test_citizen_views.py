"""Citizen screens: submit online, follow one's dossiers, download files, supplement, withdraw, rate."""

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers.choices import DossierAction, DossierOutcome, DossierStatus, FilePurpose
from dossiers.models import Dossier, DossierEvent, DossierFile, Rating
from dossiers.services import (
    dossier_attach_file,
    dossier_complete,
    dossier_create_draft,
    dossier_forward,
    dossier_receive,
    dossier_request_supplement,
    dossier_return,
    dossier_submit,
    dossier_update_draft,
)
from portal.roles import Role
from procedures.choices import AgencyKind
from tests.dossiers.factories import applicant_data
from tests.factories import AgencyFactory, RequiredDocumentFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 40


def pdf(name="to-khai.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def messages_of(response, level=None):
    found = list(get_messages(response.wsgi_request))
    return [m for m in found if level is None or m.level == level]


@pytest.fixture
def citizen(db):
    return UserFactory(
        role=Role.CITIZEN,
        first_name="Nguyễn Văn",
        last_name="An",
        phone="0912345678",
        identity_number="008090001234",
    )


@pytest.fixture
def other_citizen(db):
    return UserFactory(role=Role.CITIZEN, phone="0987654321")


@pytest.fixture
def centre(agency):
    centre = AgencyFactory(
        code="000.00.99.H62",
        name="Trung tâm Phục vụ hành chính công",
        kind=AgencyKind.SERVICE_CENTRE,
    )
    centre.serves.add(agency)
    return centre


@pytest.fixture
def desk_officer(centre):
    return UserFactory(role=Role.DESK_OFFICER, agency=centre)


@pytest.fixture
def leader(agency):
    return UserFactory(role=Role.LEADER, agency=agency)


@pytest.fixture
def form_doc(procedure):
    return RequiredDocumentFactory(
        procedure=procedure, name="Tờ khai", position=1, is_mandatory=True
    )


@pytest.fixture
def optional_doc(procedure):
    return RequiredDocumentFactory(
        procedure=procedure, name="Giấy ủy quyền", position=2, is_mandatory=False
    )


def draft_of(procedure, user):
    return dossier_create_draft(procedure=procedure, applicant=applicant_data(), user=user)


def submitted_of(procedure, user, document):
    dossier = draft_of(procedure, user)
    dossier_attach_file(dossier=dossier, required_document=document, upload=pdf(), actor=user)
    return dossier_submit(dossier=dossier, actor=user)


def returned_of(procedure, user, document, desk_officer, leader):
    dossier = submitted_of(procedure, user, document)
    dossier = dossier_receive(dossier=dossier, actor=desk_officer)
    dossier = dossier_forward(dossier=dossier, actor=desk_officer)
    dossier = dossier_complete(dossier=dossier, actor=leader, outcome=DossierOutcome.APPROVED)
    return dossier_return(dossier=dossier, actor=desk_officer, method="at_desk")


def applicant_post(**overrides):
    data = {
        "name": "Nguyễn Văn An",
        "identity_number": "008090001234",
        "phone": "0912 345 678",
        "email": "an.nguyen@example.vn",
        "address": "Phường Minh Xuân, tỉnh Tuyên Quang",
        "organisation": "",
    }
    data.update(overrides)
    return data


# ---- submitting online ---------------------------------------------------------------------------


def test_citizen_submits_a_dossier_from_start_to_code(client, citizen, procedure, form_doc):
    """Start, fill in, attach, review and submit: the dossier gets its code and the page says it."""
    client.force_login(citizen)
    start_url = reverse("dossiers:submit_start", kwargs={"code": procedure.code})

    page = client.get(start_url)
    assert page.status_code == 200
    key = page.context["idempotency_key"]
    response = client.post(start_url, {"idempotency_key": key})
    dossier = Dossier.objects.get(applicant_user=citizen)
    assert response.status_code == 302
    assert response.url == reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk})
    assert dossier.status == DossierStatus.DRAFT
    assert (dossier.applicant_name, dossier.applicant_phone, dossier.applicant_identity_number) == (
        "Nguyễn Văn An",
        "0912345678",
        "008090001234",
    )

    edit_url = reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk})
    assert client.get(edit_url).status_code == 200
    response = client.post(
        edit_url,
        {
            **applicant_post(address="Tổ 5, phường Minh Xuân"),
            f"document_{form_doc.pk}": pdf(),
            "save": "",
        },
    )
    assert response.status_code == 302
    assert response.url == edit_url
    dossier.refresh_from_db()
    assert dossier.applicant_address == "Tổ 5, phường Minh Xuân"
    attached = dossier.files.get()
    assert (attached.required_document, attached.original_name, attached.size) == (
        form_doc,
        "to-khai.pdf",
        len(PDF_BYTES),
    )
    page = client.get(edit_url)
    assert "to-khai.pdf" in page.content.decode()

    response = client.post(edit_url, {**applicant_post(), "review": ""})
    review_url = reverse("dossiers:draft_review", kwargs={"pk": dossier.pk})
    assert response.status_code == 302
    assert response.url == review_url
    assert client.get(review_url).status_code == 200

    response = client.post(review_url)
    dossier.refresh_from_db()
    assert response.status_code == 302
    assert response.url == reverse("dossiers:my_detail", kwargs={"pk": dossier.pk})
    assert dossier.status == DossierStatus.SUBMITTED
    assert dossier.code
    success = messages_of(response, message_levels.SUCCESS)
    assert len(success) == 1
    assert dossier.code in str(success[0])
    detail = client.get(response.url)
    assert detail.status_code == 200
    assert dossier.code in detail.content.decode()


def test_the_procedure_page_links_to_online_submission(client, procedure):
    """The catalogue's "submit online" button leads to the start of a dossier."""
    response = client.get(reverse("procedures:detail", kwargs={"code": procedure.code}))
    assert (
        reverse("dossiers:submit_start", kwargs={"code": procedure.code})
        in response.content.decode()
    )


def test_starting_a_dossier_needs_an_account(client, procedure):
    """Anonymous visitors are sent to the login page and nothing is created."""
    url = reverse("dossiers:submit_start", kwargs={"code": procedure.code})
    response = client.post(url, {"idempotency_key": "abc"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))
    assert not Dossier.objects.exists()


def test_a_double_click_on_start_creates_one_draft(client, citizen, procedure):
    """The same idempotency key posted twice gives the same draft."""
    client.force_login(citizen)
    url = reverse("dossiers:submit_start", kwargs={"code": procedure.code})
    key = client.get(url).context["idempotency_key"]
    first = client.post(url, {"idempotency_key": key})
    second = client.post(url, {"idempotency_key": key})
    assert first.url == second.url
    assert Dossier.objects.filter(applicant_user=citizen).count() == 1


def test_start_for_an_unknown_procedure_is_404(client, citizen):
    """A code that is not published: 404, nothing created."""
    client.force_login(citizen)
    url = reverse("dossiers:submit_start", kwargs={"code": "0.000000"})
    assert client.post(url, {"idempotency_key": "k"}).status_code == 404
    assert not Dossier.objects.exists()


def test_submit_without_the_mandatory_document_is_refused(client, citizen, procedure, form_doc):
    """Review → submit with no file for a mandatory document: back to editing, still a draft."""
    client.force_login(citizen)
    dossier = draft_of(procedure, citizen)
    response = client.post(reverse("dossiers:draft_review", kwargs={"pk": dossier.pk}))
    assert response.status_code == 302
    assert response.url == reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk})
    assert len(messages_of(response, message_levels.ERROR)) == 1
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.DRAFT
    assert dossier.code is None


def test_submitting_a_review_page_made_stale_by_another_tab_is_refused(
    client, citizen, procedure, form_doc
):
    """The draft changed after the review page was shown: nothing is submitted, a message says so."""
    client.force_login(citizen)
    dossier = draft_of(procedure, citizen)
    dossier_attach_file(dossier=dossier, required_document=form_doc, upload=pdf(), actor=citizen)
    url = reverse("dossiers:draft_review", kwargs={"pk": dossier.pk})
    shown = client.get(url).context["dossier"].updated_at
    dossier_update_draft(dossier=dossier, applicant=applicant_data(address="Khác"), actor=citizen)
    response = client.post(url, {"updated_at": shown.isoformat()})
    assert response.status_code == 302
    assert response.url == url
    assert len(messages_of(response, message_levels.ERROR)) == 1
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.DRAFT


def test_the_review_page_carries_the_dossier_version(client, citizen, procedure, form_doc):
    """Submitting the form as shown, with its hidden version, works."""
    client.force_login(citizen)
    dossier = draft_of(procedure, citizen)
    dossier_attach_file(dossier=dossier, required_document=form_doc, upload=pdf(), actor=citizen)
    url = reverse("dossiers:draft_review", kwargs={"pk": dossier.pk})
    shown = client.get(url).context["dossier"].updated_at
    response = client.post(url, {"updated_at": shown.isoformat()})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED


def test_a_disguised_file_is_refused_and_nothing_is_attached(client, citizen, procedure, form_doc):
    """A program renamed .pdf is refused with a message; the applicant's details are still saved."""
    client.force_login(citizen)
    dossier = draft_of(procedure, citizen)
    edit_url = reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk})
    response = client.post(
        edit_url,
        {
            **applicant_post(address="Địa chỉ mới"),
            f"document_{form_doc.pk}": pdf("scan.pdf", EXE_BYTES),
            "review": "",
        },
    )
    assert response.status_code == 302
    assert response.url == edit_url
    assert len(messages_of(response, message_levels.ERROR)) == 1
    assert not DossierFile.objects.exists()
    dossier.refresh_from_db()
    assert dossier.applicant_address == "Địa chỉ mới"


def test_an_oversized_file_is_refused(client, citizen, procedure, form_doc, settings):
    """A file over UPLOAD_MAX_FILE_SIZE is refused with a message, nothing attached."""
    settings.UPLOAD_MAX_FILE_SIZE = 32
    client.force_login(citizen)
    dossier = draft_of(procedure, citizen)
    response = client.post(
        reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk}),
        {**applicant_post(), f"document_{form_doc.pk}": pdf(), "save": ""},
    )
    assert response.status_code == 302
    assert len(messages_of(response, message_levels.ERROR)) == 1
    assert not DossierFile.objects.exists()


def test_one_refused_file_keeps_the_accepted_one(
    client, citizen, procedure, form_doc, optional_doc
):
    """Two uploads, one disguised: the good one is attached, the bad one reported."""
    client.force_login(citizen)
    dossier = draft_of(procedure, citizen)
    response = client.post(
        reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk}),
        {
            **applicant_post(),
            f"document_{form_doc.pk}": pdf(),
            f"document_{optional_doc.pk}": pdf("uy-quyen.pdf", EXE_BYTES),
            "save": "",
        },
    )
    assert response.status_code == 302
    assert len(messages_of(response, message_levels.ERROR)) == 1
    assert list(dossier.files.values_list("required_document", flat=True)) == [form_doc.pk]


@pytest.mark.parametrize(
    ("input_name", "value"),
    [
        ("identity_number", "12345"),
        ("identity_number", "00809000123a"),
        ("phone", "12"),
        ("email", "x@"),
        ("name", ""),
    ],
)
def test_bad_applicant_details_show_form_errors(
    client, citizen, procedure, form_doc, input_name, value
):
    """Bad input is answered with the form and its errors, and nothing changes."""
    client.force_login(citizen)
    dossier = draft_of(procedure, citizen)
    response = client.post(
        reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk}),
        {**applicant_post(**{input_name: value}), f"document_{form_doc.pk}": pdf(), "save": ""},
    )
    assert response.status_code == 200
    assert input_name in response.context["form"].errors
    assert not DossierFile.objects.exists()
    assert not DossierEvent.objects.filter(
        dossier=dossier, action=DossierAction.DRAFT_UPDATED
    ).exists()


def test_an_attached_file_can_be_removed_from_a_draft(client, citizen, procedure, form_doc):
    """The remove button takes the file off the draft."""
    client.force_login(citizen)
    dossier = draft_of(procedure, citizen)
    attached = dossier_attach_file(
        dossier=dossier, required_document=form_doc, upload=pdf(), actor=citizen
    )
    response = client.post(
        reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk}), {"remove_file": attached.pk}
    )
    assert response.status_code == 302
    assert not dossier.files.exists()


def test_a_submitted_dossier_is_no_longer_editable(client, citizen, procedure, form_doc):
    """Opening the edit page of a submitted dossier leads to its detail page."""
    client.force_login(citizen)
    dossier = submitted_of(procedure, citizen, form_doc)
    response = client.get(reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk}))
    assert response.status_code == 302
    assert response.url == reverse("dossiers:my_detail", kwargs={"pk": dossier.pk})


def test_another_citizens_draft_cannot_be_edited(client, citizen, other_citizen, procedure):
    """Someone else's draft is a 404, and a POST changes nothing."""
    dossier = draft_of(procedure, citizen)
    client.force_login(other_citizen)
    url = reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, applicant_post(address="hack")).status_code == 404
    assert (
        client.post(reverse("dossiers:draft_review", kwargs={"pk": dossier.pk})).status_code == 404
    )
    dossier.refresh_from_db()
    assert (dossier.status, dossier.applicant_address) == (
        DossierStatus.DRAFT,
        "Phường Minh Xuân, tỉnh Tuyên Quang",
    )


# ---- my dossiers ---------------------------------------------------------------------------------


def test_my_list_shows_only_own_dossiers_newest_first(
    client, citizen, other_citizen, procedure, form_doc
):
    """A citizen's list holds their dossiers and nobody else's."""
    older = draft_of(procedure, citizen)
    newer = submitted_of(procedure, citizen, form_doc)
    draft_of(procedure, other_citizen)
    client.force_login(citizen)
    response = client.get(reverse("dossiers:my_list"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [newer, older]
    assert newer.code in response.content.decode()


def test_my_list_has_an_empty_state(client, citizen):
    """No dossiers yet: the page still answers, with nothing listed."""
    client.force_login(citizen)
    response = client.get(reverse("dossiers:my_list"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []


def test_my_list_survives_a_bad_page_number(client, citizen):
    """?page=abc is not a 500."""
    client.force_login(citizen)
    assert client.get(reverse("dossiers:my_list"), {"page": "abc"}).status_code == 200


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("other_citizen", 404), ("desk_officer", 404), ("owner", 200)],
)
def test_my_detail_permissions(
    client, citizen, other_citizen, desk_officer, procedure, form_doc, who, expected
):
    """Only the applicant sees their dossier page; everyone else gets the login page or a 404."""
    dossier = submitted_of(procedure, citizen, form_doc)
    users = {"other_citizen": other_citizen, "desk_officer": desk_officer, "owner": citizen}
    if who in users:
        client.force_login(users[who])
    response = client.get(reverse("dossiers:my_detail", kwargs={"pk": dossier.pk}))
    assert response.status_code == expected
    if who == "anonymous":
        assert response.url.startswith(reverse("portal:login"))


def test_my_detail_shows_the_timeline_and_files(client, citizen, procedure, form_doc):
    """The detail page lists the history and links each file for download."""
    dossier = submitted_of(procedure, citizen, form_doc)
    attached = dossier.files.get()
    client.force_login(citizen)
    response = client.get(reverse("dossiers:my_detail", kwargs={"pk": dossier.pk}))
    assert response.status_code == 200
    assert [event.action for event in response.context["events"]][-1] == DossierAction.SUBMITTED
    download = reverse("dossiers:file_download", kwargs={"pk": dossier.pk, "file_id": attached.pk})
    assert download in response.content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("other_citizen", 404),
        ("other_desk_officer", 404),
        ("owner", 200),
        ("desk_officer", 200),
    ],
)
def test_file_download_permissions(
    client, citizen, other_citizen, desk_officer, procedure, form_doc, who, expected
):
    """The applicant and the serving centre's desk download a file; others get login or 404."""
    dossier = submitted_of(procedure, citizen, form_doc)
    attached = dossier.files.get()
    other_centre = AgencyFactory(kind=AgencyKind.SERVICE_CENTRE)
    users = {
        "other_citizen": other_citizen,
        "other_desk_officer": UserFactory(role=Role.DESK_OFFICER, agency=other_centre),
        "owner": citizen,
        "desk_officer": desk_officer,
    }
    if who in users:
        client.force_login(users[who])
    response = client.get(
        reverse("dossiers:file_download", kwargs={"pk": dossier.pk, "file_id": attached.pk})
    )
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="to-khai.pdf"'
    if who == "anonymous":
        assert response.url.startswith(reverse("portal:login"))


def test_file_download_of_another_dossiers_file_is_404(client, citizen, procedure, form_doc):
    """A file id that belongs to another dossier is not served through this one."""
    mine = draft_of(procedure, citizen)
    theirs = submitted_of(procedure, UserFactory(), form_doc)
    client.force_login(citizen)
    url = reverse(
        "dossiers:file_download", kwargs={"pk": mine.pk, "file_id": theirs.files.get().pk}
    )
    assert client.get(url).status_code == 404


def test_file_download_of_a_missing_file_is_404(client, citizen, procedure, form_doc):
    """The row exists but the file is gone from the disk: 404, not 500."""
    dossier = submitted_of(procedure, citizen, form_doc)
    attached = dossier.files.get()
    attached.file.storage.delete(attached.file.name)
    client.force_login(citizen)
    response = client.get(
        reverse("dossiers:file_download", kwargs={"pk": dossier.pk, "file_id": attached.pk})
    )
    assert response.status_code == 404


# ---- supplement, withdraw, rate ------------------------------------------------------------------


def test_citizen_sends_a_requested_supplement(client, citizen, desk_officer, procedure, form_doc):
    """Asked for a supplement at reception, the citizen uploads it and the dossier goes back."""
    dossier = submitted_of(procedure, citizen, form_doc)
    dossier_request_supplement(
        dossier=dossier, actor=desk_officer, items=["Bản sao hộ chiếu"], reason="Thiếu hộ chiếu"
    )
    client.force_login(citizen)
    detail = client.get(reverse("dossiers:my_detail", kwargs={"pk": dossier.pk}))
    assert detail.context["supplement_form"] is not None
    assert "Bản sao hộ chiếu" in detail.content.decode()

    response = client.post(
        reverse("dossiers:supplement", kwargs={"pk": dossier.pk}),
        {"other": SimpleUploadedFile("ho-chieu.png", PNG_BYTES, content_type="image/png")},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED
    assert dossier.files.filter(
        purpose=FilePurpose.SUPPLEMENT, original_name="ho-chieu.png"
    ).exists()
    assert len(messages_of(response, message_levels.SUCCESS)) == 1


def test_a_supplement_without_files_is_refused(client, citizen, desk_officer, procedure, form_doc):
    """Sending the supplement form empty changes nothing."""
    dossier = submitted_of(procedure, citizen, form_doc)
    dossier_request_supplement(
        dossier=dossier, actor=desk_officer, items=["Ảnh"], reason="Thiếu ảnh"
    )
    client.force_login(citizen)
    response = client.post(reverse("dossiers:supplement", kwargs={"pk": dossier.pk}), {})
    assert response.status_code == 302
    assert len(messages_of(response, message_levels.ERROR)) == 1
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.NEEDS_SUPPLEMENT


def test_withdraw_asks_for_confirmation_then_withdraws(client, citizen, procedure, form_doc):
    """GET shows the confirmation; POST with a reason withdraws and records the reason."""
    dossier = submitted_of(procedure, citizen, form_doc)
    client.force_login(citizen)
    url = reverse("dossiers:withdraw", kwargs={"pk": dossier.pk})
    assert client.get(url).status_code == 200
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED

    response = client.post(url, {"reason": "Nộp nhầm thủ tục"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.WITHDRAWN
    event = dossier.events.get(action=DossierAction.WITHDRAWN)
    assert event.note == "Nộp nhầm thủ tục"


def test_withdraw_needs_a_reason(client, citizen, procedure, form_doc):
    """No reason: the form comes back with its error, the dossier stays open."""
    dossier = submitted_of(procedure, citizen, form_doc)
    client.force_login(citizen)
    response = client.post(reverse("dossiers:withdraw", kwargs={"pk": dossier.pk}), {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED


def test_withdrawing_a_returned_dossier_is_refused_with_a_message(
    client, citizen, desk_officer, leader, procedure, form_doc
):
    """A finished dossier cannot be withdrawn: an error message, no change."""
    dossier = returned_of(procedure, citizen, form_doc, desk_officer, leader)
    client.force_login(citizen)
    response = client.post(reverse("dossiers:withdraw", kwargs={"pk": dossier.pk}), {"reason": "x"})
    assert response.status_code == 302
    assert len(messages_of(response, message_levels.ERROR)) == 1
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RETURNED


def test_another_citizen_cannot_withdraw(client, citizen, other_citizen, procedure, form_doc):
    """Withdrawing someone else's dossier is a 404 and changes nothing."""
    dossier = submitted_of(procedure, citizen, form_doc)
    client.force_login(other_citizen)
    response = client.post(reverse("dossiers:withdraw", kwargs={"pk": dossier.pk}), {"reason": "x"})
    assert response.status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED


def test_rating_before_the_result_is_returned_is_refused(client, citizen, procedure, form_doc):
    """A dossier still in progress cannot be rated."""
    dossier = submitted_of(procedure, citizen, form_doc)
    client.force_login(citizen)
    response = client.post(
        reverse("dossiers:rate", kwargs={"pk": dossier.pk}), {"level": "satisfied"}
    )
    assert response.status_code == 302
    assert len(messages_of(response, message_levels.ERROR)) == 1
    assert not Rating.objects.exists()


def test_rating_after_return_is_recorded_once(
    client, citizen, desk_officer, leader, procedure, form_doc
):
    """After the result is returned the applicant rates once; a second rating is refused."""
    dossier = returned_of(procedure, citizen, form_doc, desk_officer, leader)
    client.force_login(citizen)
    detail = client.get(reverse("dossiers:my_detail", kwargs={"pk": dossier.pk}))
    assert detail.context["rating_form"] is not None
    url = reverse("dossiers:rate", kwargs={"pk": dossier.pk})

    response = client.post(url, {"level": "very_satisfied", "comment": "Nhanh gọn"})
    assert len(messages_of(response, message_levels.SUCCESS)) == 1
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.level, rating.comment, rating.rated_by) == (
        "very_satisfied",
        "Nhanh gọn",
        citizen,
    )

    response = client.post(url, {"level": "not_satisfied"})
    assert len(messages_of(response, message_levels.ERROR)) == 1
    assert Rating.objects.get(dossier=dossier).level == "very_satisfied"


def test_rating_with_an_unknown_level_is_refused(
    client, citizen, desk_officer, leader, procedure, form_doc
):
    """A level outside the choices is a message, not a 500."""
    dossier = returned_of(procedure, citizen, form_doc, desk_officer, leader)
    client.force_login(citizen)
    response = client.post(reverse("dossiers:rate", kwargs={"pk": dossier.pk}), {"level": "meh"})
    assert response.status_code == 302
    assert len(messages_of(response, message_levels.ERROR)) == 1
    assert not Rating.objects.exists()
