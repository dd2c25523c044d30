"""Personal data (Law 91/2025/QH15): no caching of private pages and downloads, production
refuses the development messaging backends, access records of staff openings shown to the
applicant, the applicant's data export, and closing an account."""

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.http import FileResponse, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from dossiers.choices import DocumentKind, DossierStatus
from dossiers.models import (
    AccessKind,
    AccessRecord,
    AppendOnlyError,
    Dossier,
    DossierEvent,
    DossierFile,
)
from dossiers.services import (
    dossier_attach_file,
    dossier_create_draft,
    dossier_receive,
    dossier_submit,
)
from dossiers.services.personal_data import access_record_create
from portal.middleware import PrivateCacheMiddleware
from portal.roles import Role
from tests.conftest import PASSWORD
from tests.dossiers.factories import PDF_BYTES, applicant_data, upload
from tests.dossiers.staff_setup import build_office
from tests.factories import UserFactory
from tests.portal.test_settings import _manage, _production_env

pytestmark = pytest.mark.django_db

OFFICER_NAME = "Trần Thị Bích Ngọc"
WHO_VIEWED = "Ai đã xem hồ sơ của tôi"
NO_STORE = "no-store, private"


@pytest.fixture
def office():
    office = build_office()
    office.desk.first_name = OFFICER_NAME
    office.desk.save(update_fields=["first_name"])
    return office


def _document(office):
    return office.procedure.documents.get()


def _submitted_with_file(office, citizen=None, *, name="Nguyễn Văn An", file_name="don.pdf"):
    citizen = citizen or office.citizen
    draft = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(name=name), user=citizen
    )
    dossier_attach_file(
        dossier=draft,
        required_document=_document(office),
        upload=upload(file_name, PDF_BYTES + name.encode()),
        actor=citizen,
    )
    return dossier_submit(dossier=draft, actor=citizen)


def _file_url(dossier):
    return reverse(
        "dossiers:file_download", kwargs={"pk": dossier.pk, "file_id": dossier.files.get().pk}
    )


# ---- Cache-Control ----------------------------------------------------------------------------


def test_authenticated_page_is_not_stored(client, office):
    client.force_login(office.citizen)

    response = client.get(reverse("dossiers:my_list"))

    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_file_download_is_not_stored(client, office):
    dossier = _submitted_with_file(office)
    client.force_login(office.citizen)

    response = client.get(_file_url(dossier))

    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE
    assert response["Content-Disposition"] == 'attachment; filename="don.pdf"'


def test_pdf_document_download_is_not_stored(client, office):
    dossier = dossier_receive(dossier=_submitted_with_file(office), actor=office.desk)
    receipt = dossier.documents.get(kind=DocumentKind.RECEIPT)
    client.force_login(office.citizen)

    response = client.get(
        reverse("dossiers:document_download", kwargs={"pk": dossier.pk, "document_id": receipt.pk})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == NO_STORE


@pytest.mark.parametrize("url_name", ["portal:home", "procedures:list", "dossiers:track"])
def test_anonymous_catalogue_pages_are_not_forced_private(client, office, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_procedure_page_for_anonymous_is_not_forced_private(client, office):
    response = client.get(reverse("procedures:detail", kwargs={"code": office.procedure.code}))

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    "response",
    [
        FileResponse(io.BytesIO(b"data")),
        HttpResponse(b"%PDF", headers={"Content-Disposition": 'inline; filename="a.pdf"'}),
    ],
    ids=["file", "inline-pdf"],
)
def test_any_download_is_private_even_without_a_login(response):
    """Whoever asks, a file or a response with Content-Disposition is never stored."""
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()

    result = PrivateCacheMiddleware(lambda request: response)(request)

    assert result["Cache-Control"] == NO_STORE


# ---- production refuses the development messaging backends ------------------------------------


@pytest.mark.parametrize(
    ("variable", "backend"),
    [
        ("SMS_BACKEND", "dossiers.notifications.backends.ConsoleSmsBackend"),
        ("SMS_BACKEND", "dossiers.notifications.backends.FileSmsBackend"),
        ("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"),
        ("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"),
    ],
)
def test_production_refuses_development_messaging_backends(tmp_path, variable, backend):
    """The process stops with ImproperlyConfigured naming the variable and the way out."""
    env = _production_env(
        tmp_path,
        SMS_BACKEND="dossiers.notifications.backends.LocmemSmsBackend",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        ALLOW_DEVELOPMENT_MESSAGING=None,
    )
    env[variable] = backend

    result = _manage(env, "check", "--settings=portal.settings.production")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{variable} is {backend}, a development backend" in result.stderr
    assert "ALLOW_DEVELOPMENT_MESSAGING=1" in result.stderr


def test_production_refuses_the_default_console_sms_backend(tmp_path):
    """Without SMS_BACKEND the console default would log the phones: refused as well."""
    env = _production_env(tmp_path, SMS_BACKEND=None, ALLOW_DEVELOPMENT_MESSAGING=None)

    result = _manage(env, "check", "--settings=portal.settings.production")

    assert result.returncode != 0
    assert "SMS_BACKEND is dossiers.notifications.backends.ConsoleSmsBackend" in result.stderr


def test_production_runs_with_development_messaging_when_allowed(tmp_path):
    env = _production_env(
        tmp_path,
        SMS_BACKEND="dossiers.notifications.backends.ConsoleSmsBackend",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        ALLOW_DEVELOPMENT_MESSAGING="1",
    )

    result = _manage(env, "check", "--settings=portal.settings.production")

    assert result.returncode == 0, result.stderr


# ---- access records ---------------------------------------------------------------------------


def test_desk_officer_opening_a_dossier_and_a_file_is_recorded(client, office):
    dossier = _submitted_with_file(office)
    dossier_file = dossier.files.get()
    client.force_login(office.desk)

    assert client.get(reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk})).status_code == 200
    assert client.get(_file_url(dossier)).status_code == 200

    records = list(AccessRecord.objects.filter(dossier=dossier).order_by("at", "pk"))
    assert [(r.what, r.user, r.role, r.agency, r.object_id, r.label) for r in records] == [
        (AccessKind.DOSSIER_PAGE, office.desk, Role.DESK_OFFICER, office.centre, None, ""),
        (
            AccessKind.FILE,
            office.desk,
            Role.DESK_OFFICER,
            office.centre,
            dossier_file.pk,
            "don.pdf",
        ),
    ]


def test_staff_opening_an_issued_document_is_recorded(client, office):
    dossier = dossier_receive(dossier=_submitted_with_file(office), actor=office.desk)
    receipt = dossier.documents.get(kind=DocumentKind.RECEIPT)
    client.force_login(office.leader)

    response = client.get(
        reverse("dossiers:document_download", kwargs={"pk": dossier.pk, "document_id": receipt.pk})
    )

    assert response.status_code == 200
    record = AccessRecord.objects.get(dossier=dossier, what=AccessKind.DOCUMENT)
    assert (record.user, record.role, record.agency) == (
        office.leader,
        Role.LEADER,
        office.department,
    )
    assert record.object_id == receipt.pk
    assert record.label == f"giay-tiep-nhan-{dossier.code}.pdf"


def test_the_applicant_opening_their_own_dossier_is_not_recorded(client, office):
    dossier = _submitted_with_file(office)
    client.force_login(office.citizen)

    assert client.get(reverse("dossiers:my_detail", kwargs={"pk": dossier.pk})).status_code == 200
    assert client.get(_file_url(dossier)).status_code == 200

    assert not AccessRecord.objects.exists()


def test_a_refused_look_records_nothing(client, office):
    """A desk officer of another centre gets 404 and leaves no record."""
    dossier = _submitted_with_file(office)
    client.force_login(office.other_desk)

    assert client.get(reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk})).status_code == 404
    assert client.get(_file_url(dossier)).status_code == 404

    assert not AccessRecord.objects.exists()


def test_applicant_sees_who_viewed_by_role_agency_and_time(client, office):
    """The applicant's dossier page lists the opening with the officer's role and agency, not
    the officer's name."""
    dossier = _submitted_with_file(office)
    client.force_login(office.desk)
    client.get(reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk}))
    client.get(_file_url(dossier))
    client.force_login(office.citizen)

    page = client.get(reverse("dossiers:my_detail", kwargs={"pk": dossier.pk}))

    content = page.content.decode()
    assert WHO_VIEWED in content
    assert "Cán bộ Bộ phận Một cửa" in content
    assert office.centre.name in content
    assert "Đã mở hồ sơ" in content
    assert "Đã tải tệp" in content
    assert "“don.pdf”" in content
    assert OFFICER_NAME not in content
    assert [row.what for row in page.context["access_rows"]] == ["Đã tải tệp", "Đã mở hồ sơ"]
    assert page.context["access_total"] == 2


def test_another_citizen_sees_no_access_records(client, office):
    """Another citizen cannot open the dossier, and their own dossier shows none of its
    records."""
    dossier = _submitted_with_file(office)
    client.force_login(office.desk)
    client.get(reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk}))
    other = UserFactory(role=Role.CITIZEN)
    theirs = _submitted_with_file(office, other, name="Lê Văn Cường")
    client.force_login(other)

    assert client.get(reverse("dossiers:my_detail", kwargs={"pk": dossier.pk})).status_code == 404
    page = client.get(reverse("dossiers:my_detail", kwargs={"pk": theirs.pk}))

    assert page.status_code == 200
    assert page.context["access_rows"] == []
    content = page.content.decode()
    assert "Chưa có ai mở hồ sơ của bạn." in content
    assert "Cán bộ Bộ phận Một cửa" not in content
    assert "Đã mở hồ sơ" not in content


def test_access_records_are_append_only(office):
    dossier = _submitted_with_file(office)
    record = access_record_create(dossier=dossier, user=office.desk, what=AccessKind.DOSSIER_PAGE)
    record.label = "sửa"

    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.filter(pk=record.pk).update(label="x")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE dossiers_accessrecord SET label = 'x' WHERE id = %s", [record.pk])
    assert AccessRecord.objects.get(pk=record.pk).label == ""


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite keeps no delete trigger: Django empties tables with DELETE between tests.",
)
def test_database_refuses_to_delete_an_access_record_of_a_sent_dossier(office):
    dossier = _submitted_with_file(office)
    record = access_record_create(dossier=dossier, user=office.desk, what=AccessKind.DOSSIER_PAGE)

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM dossiers_accessrecord WHERE id = %s", [record.pk])
    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_access_record_admin_is_read_only(client, office):
    """Auditors list and filter the records; nobody adds, changes or deletes one."""
    dossier = _submitted_with_file(office)
    record = access_record_create(dossier=dossier, user=office.desk, what=AccessKind.DOSSIER_PAGE)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    base = "/admin/dossiers/accessrecord/"

    listing = client.get(base, {"what__exact": AccessKind.DOSSIER_PAGE})
    assert listing.status_code == 200
    assert dossier.code in listing.content.decode()
    change = client.get(f"{base}{record.pk}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert client.get(f"{base}add/").status_code == 403
    assert client.get(f"{base}{record.pk}/delete/").status_code == 403
    assert client.post(f"{base}{record.pk}/change/", {"label": "x"}).status_code == 403
    assert client.post(f"{base}{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessRecord.objects.get(pk=record.pk).label == ""


# ---- the applicant's data export --------------------------------------------------------------


def _download(client):
    response = client.post(reverse("dossiers:my_data_download"))
    assert response.status_code == 200
    return response, zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_data_export_holds_the_json_and_the_files_of_the_users_dossiers_only(client, office):
    mine = _submitted_with_file(office, file_name="don-cua-toi.pdf")
    draft = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )
    dossier_attach_file(
        dossier=draft,
        required_document=_document(office),
        upload=upload("nhap.pdf", PDF_BYTES + b"nhap"),
        actor=office.citizen,
    )
    other = UserFactory(role=Role.CITIZEN, first_name="Lê Văn Cường")
    _submitted_with_file(office, other, name="Lê Văn Cường", file_name="cua-nguoi-khac.pdf")
    client.force_login(office.desk)
    client.get(reverse("dossiers:desk_detail", kwargs={"pk": mine.pk}))
    client.force_login(office.citizen)

    response, archive = _download(client)

    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="du-lieu-cua-toi-')
    assert response["Cache-Control"] == NO_STORE
    names = set(archive.namelist())
    mine_file, draft_file = mine.files.get(), draft.files.get()
    assert names == {
        "du-lieu-cua-toi.json",
        f"ho-so/{mine.code}/{mine_file.pk}-don-cua-toi.pdf",
        f"ho-so/nhap-{draft.pk}/{draft_file.pk}-nhap.pdf",
    }
    assert archive.read(f"ho-so/{mine.code}/{mine_file.pk}-don-cua-toi.pdf") == (
        PDF_BYTES + b"Nguy\xe1\xbb\x85n V\xc4\x83n An"
    )
    data = json.loads(archive.read("du-lieu-cua-toi.json"))
    assert data["account"]["email"] == office.citizen.email
    assert [d["code"] for d in data["dossiers"]] == [mine.code, None]
    sent = data["dossiers"][0]
    assert sent["applicant"]["identity_number"] == "008090001234"
    assert [e["action"] for e in sent["events"]] == ["created", "file_attached", "submitted"]
    assert all(e["by_you"] for e in sent["events"])
    assert sent["files"][0]["in_archive"] == f"ho-so/{mine.code}/{mine_file.pk}-don-cua-toi.pdf"
    assert [(v["role"], v["agency"]) for v in sent["viewed_by"]] == [
        ("Cán bộ Bộ phận Một cửa", office.centre.name)
    ]
    text = archive.read("du-lieu-cua-toi.json").decode()
    assert "Lê Văn Cường" not in text
    assert "cua-nguoi-khac" not in text
    assert OFFICER_NAME not in text


def test_data_export_is_recorded_and_shown_as_your_own(client, office):
    dossier = _submitted_with_file(office)
    client.force_login(office.citizen)

    _download(client)

    record = AccessRecord.objects.get(dossier=dossier)
    assert (record.what, record.user, record.role) == (
        AccessKind.EXPORT,
        office.citizen,
        Role.CITIZEN,
    )
    page = client.get(reverse("dossiers:my_detail", kwargs={"pk": dossier.pk}))
    assert [row.by_you for row in page.context["access_rows"]] == [True]
    assert "Bạn" in page.content.decode()


def test_data_export_needs_a_post_by_a_logged_in_user(client, office):
    url = reverse("dossiers:my_data_download")

    assert client.post(url).url.startswith(reverse("portal:login"))
    client.force_login(office.citizen)
    assert client.get(url).status_code == 405


def test_my_data_page_offers_the_download_and_the_closing(client, office):
    _submitted_with_file(office)
    client.force_login(office.citizen)

    page = client.get(reverse("dossiers:my_data"))

    content = page.content.decode()
    assert page.status_code == 200
    assert "Dữ liệu của tôi" in content
    assert reverse("dossiers:my_data_download") in content
    assert reverse("dossiers:account_close") in content
    assert page["Cache-Control"] == NO_STORE


# ---- closing an account -----------------------------------------------------------------------


def _close(client, **data):
    data.setdefault("confirm", "on")
    data.setdefault("password", PASSWORD)
    return client.post(reverse("dossiers:account_close"), data)


def test_account_closing_asks_for_confirmation_first(client, office):
    """The page explains; a post without the box ticked or with a wrong password changes
    nothing."""
    _submitted_with_file(office)
    client.force_login(office.citizen)

    page = client.get(reverse("dossiers:account_close"))
    assert page.status_code == 200
    assert "Đóng tài khoản" in page.content.decode()

    assert _close(client, confirm="").status_code == 200
    wrong = _close(client, password="sai-mat-khau")
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["password"] == ["Mật khẩu không đúng."]
    office.citizen.refresh_from_db()
    assert office.citizen.is_active
    assert client.session["_auth_user_id"] == str(office.citizen.pk)


def test_account_closing_deletes_drafts_keeps_submitted_deactivates_and_logs_out(
    client, office, django_capture_on_commit_callbacks
):
    citizen = office.citizen
    email = citizen.email
    citizen.phone = "0934425312"
    citizen.identity_number = "008090001234"
    citizen.save()
    submitted = _submitted_with_file(office)
    draft = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=citizen
    )
    draft_file = dossier_attach_file(
        dossier=draft,
        required_document=_document(office),
        upload=upload("nhap.pdf", PDF_BYTES + b"nhap"),
        actor=citizen,
    )
    storage, stored_name = draft_file.file.storage, draft_file.file.name
    submitted_file = submitted.files.get()
    client.force_login(citizen)

    with django_capture_on_commit_callbacks(execute=True):
        response = _close(client)

    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert "_auth_user_id" not in client.session
    # The draft is gone with its file and history.
    assert not Dossier.objects.filter(pk=draft.pk).exists()
    assert not DossierFile.objects.filter(pk=draft_file.pk).exists()
    assert not DossierEvent.objects.filter(dossier_id=draft.pk).exists()
    assert not storage.exists(stored_name)
    # The submitted dossier stays as it was sent.
    submitted.refresh_from_db()
    assert submitted.status == DossierStatus.SUBMITTED
    assert submitted.applicant_name == "Nguyễn Văn An"
    assert submitted.applicant_identity_number == "008090001234"
    assert submitted_file.file.storage.exists(submitted_file.file.name)
    # The account is deactivated and emptied.
    citizen.refresh_from_db()
    assert not citizen.is_active
    assert not citizen.has_usable_password()
    assert (citizen.first_name, citizen.last_name, citizen.email) == ("", "", "")
    assert (citizen.phone, citizen.identity_number) == ("", "")
    assert citizen.username.startswith("closed-")
    assert not get_user_model().objects.filter(email__iexact=email).exists()


def test_old_credentials_no_longer_log_in(client, office):
    email = office.citizen.email
    client.force_login(office.citizen)
    _close(client)

    response = client.post(reverse("portal:login"), {"username": email, "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_staff_cannot_close_their_account_here(client, office):
    client.force_login(office.desk)

    response = _close(client)

    assert response.status_code == 302
    assert response.url == reverse("dossiers:my_data")
    office.desk.refresh_from_db()
    assert office.desk.is_active
    assert office.desk.first_name == OFFICER_NAME
