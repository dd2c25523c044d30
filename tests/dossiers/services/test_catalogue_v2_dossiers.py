"""Dossiers under catalogue v2: the time limit of the dossier's channel, procedures that take no
dossier until the province sets a limit, and documents grouped by case."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers.choices import DocumentKind, DossierAction, DossierChannel, DossierStatus
from dossiers.deadlines import VIETNAM_TZ, compute_due
from dossiers.documents.receipt import snapshot as receipt_snapshot
from dossiers.documents.receipt import time_limit_text
from dossiers.generator import generate_dossiers
from dossiers.models import Dossier, DossierCodeSequence, DossierEvent, DossierFile
from dossiers.selectors import work_calendar_for
from dossiers.services import (
    dossier_attach_file,
    dossier_create_draft,
    dossier_forward,
    dossier_receive,
    dossier_register_walk_in,
    dossier_request_supplement,
    dossier_resubmit,
    dossier_submit,
    dossier_update_draft,
)
from portal.roles import Role
from procedures.choices import Channel, TimeUnit
from procedures.models import ChannelTimeLimit, DocumentCase
from tests.dossiers.factories import DossierFactory, applicant_data
from tests.dossiers.moments import at
from tests.factories import ProcedureFactory, RequiredDocumentFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
# Friday 20/11/2026 16:00: after the 15:00 cut-off, so the clock starts on Monday 23/11 at 07:00.
FRIDAY_AFTER_CUTOFF = datetime(2026, 11, 20, 16, 0, tzinfo=VIETNAM_TZ)
THURSDAY_MORNING = datetime(2026, 11, 19, 10, 0, tzinfo=VIETNAM_TZ)

NO_LIMIT = (
    "Thủ tục này được công bố để tra cứu thông tin. Chưa tiếp nhận hồ sơ cho đến khi tỉnh quy "
    "định thời hạn giải quyết."
)
CHOOSE_CASE = "Vui lòng chọn trường hợp của hồ sơ."


def pdf(name="to-khai.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def limit(procedure, channel, amount, unit):
    return ChannelTimeLimit.objects.create(
        procedure=procedure, channel=channel, amount=amount, unit=unit
    )


def walk_in(procedure, officer, received_at=FRIDAY_AFTER_CUTOFF, **kwargs):
    return dossier_register_walk_in(
        procedure=procedure,
        applicant=applicant_data(),
        actor=officer,
        received_at=received_at,
        **kwargs,
    )


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def officer(agency):
    """A desk officer of the procedure's agency."""
    return UserFactory(role=Role.DESK_OFFICER, agency=agency)


@pytest.fixture
def citizen(db):
    return UserFactory(
        role=Role.CITIZEN,
        first_name="Nguyễn Văn",
        last_name="An",
        phone="0912345678",
        identity_number="008090001234",
    )


def add_cases(procedure):
    """Two cases: a mandatory form in every case, an optional paper, one mandatory document of
    each case."""
    common = RequiredDocumentFactory(
        procedure=procedure, position=1, name="Tờ khai đề nghị", is_mandatory=True
    )
    optional = RequiredDocumentFactory(
        procedure=procedure, position=2, name="Giấy ủy quyền", is_mandatory=False
    )
    in_person = DocumentCase.objects.create(
        procedure=procedure, position=1, title="Hội nghị tổ chức trực tiếp"
    )
    remote = DocumentCase.objects.create(
        procedure=procedure, position=2, title="Hội nghị tổ chức trực tuyến"
    )
    guest_list = RequiredDocumentFactory(
        procedure=procedure, case=in_person, position=3, name="Danh sách đại biểu"
    )
    network_plan = RequiredDocumentFactory(
        procedure=procedure, case=remote, position=4, name="Phương án kỹ thuật đường truyền"
    )
    return SimpleNamespace(
        procedure=procedure,
        common=common,
        optional=optional,
        in_person=in_person,
        remote=remote,
        guest_list=guest_list,
        network_plan=network_plan,
    )


@pytest.fixture
def cased(procedure):
    return add_cases(procedure)


# ---- the limit of the dossier's channel ---------------------------------------------------------


def test_walk_in_due_date_uses_the_desk_limit_not_the_general_one(procedure, officer):
    """General limit 10 working days, at the desk 3: from Monday 23/11 07:00 the due time is
    Wednesday 25/11 at the close, and the dossier stores the desk's limit."""
    limit(procedure, Channel.DIRECT, Decimal("3"), TimeUnit.WORKING_DAYS)

    dossier = walk_in(procedure, officer)

    dossier.refresh_from_db()
    expected = compute_due(
        FRIDAY_AFTER_CUTOFF,
        Decimal("3"),
        TimeUnit.WORKING_DAYS,
        cutoff=True,
        calendar=work_calendar_for(procedure.agency),
    )
    assert dossier.due_at == expected.due_at == at(2026, 11, 25, 17, 0)
    assert dossier.appointment_at == dossier.due_at
    assert dossier.due_explanation == expected.explanation
    assert (dossier.time_limit_amount, dossier.time_limit_unit) == (Decimal("3"), "working_days")


def test_online_dossier_is_received_under_the_online_limit_in_clock_hours(
    procedure, officer, citizen
):
    """Online 24 hours (the desk keeps the general 10 working days): received Thursday 10:00,
    due Friday 10:00; the receipt says "24 giờ"."""
    limit(procedure, Channel.ONLINE, Decimal("24"), TimeUnit.HOURS)
    draft = dossier_create_draft(procedure=procedure, applicant=applicant_data(), user=citizen)
    submitted = dossier_submit(dossier=draft, actor=citizen)

    dossier = dossier_receive(dossier=submitted, actor=officer, received_at=THURSDAY_MORNING)

    dossier.refresh_from_db()
    assert dossier.due_at == at(2026, 11, 20, 10, 0)
    assert (dossier.time_limit_amount, dossier.time_limit_unit) == (Decimal("24"), "hours")
    receipt = dossier.documents.get(kind=DocumentKind.RECEIPT)
    assert receipt.snapshot["time_limit"] == "24 giờ"


def test_a_within_day_limit_is_due_at_the_close_and_reads_trong_ngay(procedure, officer):
    limit(procedure, Channel.DIRECT, None, TimeUnit.WITHIN_DAY)

    dossier = walk_in(procedure, officer, received_at=THURSDAY_MORNING)

    dossier.refresh_from_db()
    assert dossier.due_at == at(2026, 11, 19, 17, 0)
    assert dossier.time_limit_amount is None
    assert dossier.time_limit_unit == "within_day"
    receipt = dossier.documents.get(kind=DocumentKind.RECEIPT)
    assert receipt.snapshot["time_limit"] == "Trong ngày"


def test_a_months_limit_is_computed_by_the_months_rule(procedure, officer):
    limit(procedure, Channel.DIRECT, Decimal("3"), TimeUnit.MONTHS)

    dossier = walk_in(procedure, officer, received_at=THURSDAY_MORNING)

    expected = compute_due(
        THURSDAY_MORNING,
        Decimal("3"),
        TimeUnit.MONTHS,
        cutoff=True,
        calendar=work_calendar_for(procedure.agency),
    )
    dossier.refresh_from_db()
    assert dossier.due_at == expected.due_at
    assert timezone_date(dossier.due_at) >= date(2027, 2, 19)
    assert time_limit_text(dossier) == "3 tháng"


def timezone_date(moment):
    return moment.astimezone(VIETNAM_TZ).date()


@pytest.mark.parametrize(
    ("amount", "unit", "text"),
    [
        (Decimal("10"), TimeUnit.WORKING_DAYS, "10 ngày làm việc"),
        (Decimal("10.00"), TimeUnit.WORKING_DAYS, "10 ngày làm việc"),
        (Decimal("0.5"), TimeUnit.WORKING_DAYS, "0,5 ngày làm việc"),
        (Decimal("4"), TimeUnit.WORKING_HOURS, "4 giờ làm việc"),
        (Decimal("30"), TimeUnit.CALENDAR_DAYS, "30 ngày"),
        (Decimal("24"), TimeUnit.HOURS, "24 giờ"),
        (Decimal("3"), TimeUnit.MONTHS, "3 tháng"),
        (None, TimeUnit.WITHIN_DAY, "Trong ngày"),
        (Decimal("1"), TimeUnit.WITHIN_DAY, "Trong ngày"),
        (None, TimeUnit.NOT_STATED, ""),
        (None, "", ""),
    ],
)
def test_receipt_time_limit_text_speaks_every_unit(amount, unit, text):
    assert time_limit_text(Dossier(time_limit_amount=amount, time_limit_unit=unit)) == text


def test_the_pause_policy_resumes_an_hours_limit_in_clock_time(procedure, officer, time_machine):
    """24 clock hours from Thursday 10:00, paused at 11:00 with 23 hours left, resumed Friday
    09:00: due Saturday 08:00 (in working time it would have been Monday 23/11 08:00)."""
    procedure.supplement_policy = "pause"
    procedure.save()
    limit(procedure, Channel.DIRECT, Decimal("24"), TimeUnit.HOURS)
    time_machine.move_to(at(2026, 11, 19, 10, 0), tick=False)
    dossier = walk_in(procedure, officer, received_at=at(2026, 11, 19, 10, 0))
    dossier = dossier_forward(dossier=dossier, actor=officer)
    assert dossier.due_at == at(2026, 11, 20, 10, 0)
    time_machine.move_to(at(2026, 11, 19, 11, 0), tick=False)
    specialist = UserFactory(role=Role.SPECIALIST, agency=procedure.agency)
    dossier = dossier_request_supplement(
        dossier=dossier, actor=specialist, items=["Tờ khai"], reason="Thiếu chữ ký"
    )
    time_machine.move_to(at(2026, 11, 20, 9, 0), tick=False)

    # The applicant hands the paper in at the desk.
    dossier = dossier_resubmit(dossier=dossier, actor=officer)

    dossier.refresh_from_db()
    assert dossier.due_at == at(2026, 11, 21, 8, 0)
    assert dossier.appointment_at == dossier.due_at


# ---- no dossier while the limit is not set ------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit"),
    [
        (None, TimeUnit.NOT_STATED),
        (None, TimeUnit.WORKING_DAYS),
        (Decimal("0"), TimeUnit.WORKING_DAYS),
    ],
)
def test_walk_in_refused_while_the_limit_is_not_set(agency, field, officer, amount, unit):
    procedure = ProcedureFactory(
        agency=agency, field=field, time_limit_amount=amount, time_limit_unit=unit
    )

    with pytest.raises(ValidationError) as refused:
        walk_in(procedure, officer)

    assert refused.value.code == "no_time_limit"
    assert refused.value.messages == [NO_LIMIT]
    assert not Dossier.objects.exists()
    assert not DossierCodeSequence.objects.exists()


def test_a_channel_with_its_own_unset_limit_is_refused_while_the_others_work(
    procedure, officer, citizen
):
    """Online not stated, the desk keeps the general limit."""
    limit(procedure, Channel.ONLINE, None, TimeUnit.NOT_STATED)

    with pytest.raises(ValidationError) as refused:
        dossier_create_draft(procedure=procedure, applicant=applicant_data(), user=citizen)

    assert refused.value.code == "no_time_limit"
    assert refused.value.messages == [NO_LIMIT]
    assert not Dossier.objects.exists()
    dossier = walk_in(procedure, officer)
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.time_limit_amount == Decimal("10")


def test_a_closed_channel_keeps_its_own_message(agency, field, citizen):
    procedure = ProcedureFactory(agency=agency, field=field, accepts_online=False)

    with pytest.raises(ValidationError) as refused:
        dossier_create_draft(procedure=procedure, applicant=applicant_data(), user=citizen)

    assert refused.value.code == "channel_closed"
    assert refused.value.messages == ["Thủ tục này không tiếp nhận hồ sơ nộp trực tuyến."]


def test_submit_and_receive_refuse_a_dossier_whose_channel_has_no_limit(
    agency, field, officer, citizen
):
    """Drafts and submitted dossiers that exist under such a procedure (made before the rule, or
    by hand) are refused on submission and on reception: nothing changes."""
    procedure = ProcedureFactory(
        agency=agency, field=field, time_limit_amount=None, time_limit_unit=TimeUnit.NOT_STATED
    )
    draft = DossierFactory(procedure=procedure, applicant_user=citizen)
    submitted = DossierFactory(
        procedure=procedure, status=DossierStatus.SUBMITTED, code="000.00.16.H62-261119-0001"
    )

    with pytest.raises(ValidationError) as on_submit:
        dossier_submit(dossier=draft, actor=citizen)
    with pytest.raises(ValidationError) as on_receive:
        dossier_receive(dossier=submitted, actor=officer, received_at=THURSDAY_MORNING)

    assert on_submit.value.code == on_receive.value.code == "no_time_limit"
    draft.refresh_from_db()
    submitted.refresh_from_db()
    assert (draft.status, draft.code) == (DossierStatus.DRAFT, None)
    assert (submitted.status, submitted.received_at, submitted.due_at) == (
        DossierStatus.SUBMITTED,
        None,
        None,
    )
    assert not DossierEvent.objects.exists()


# ---- documents grouped by case: services ---------------------------------------------------------


def test_a_draft_of_a_procedure_with_cases_needs_one_of_its_cases(cased, citizen, agency, field):
    other = add_cases(ProcedureFactory(agency=agency, field=field))

    with pytest.raises(ValidationError) as missing:
        dossier_create_draft(procedure=cased.procedure, applicant=applicant_data(), user=citizen)
    with pytest.raises(ValidationError) as foreign:
        dossier_create_draft(
            procedure=cased.procedure,
            applicant=applicant_data(),
            user=citizen,
            document_case=other.in_person,
        )

    assert missing.value.code == "case_required"
    assert missing.value.messages == [CHOOSE_CASE]
    assert foreign.value.code == "invalid_case"
    assert not Dossier.objects.exists()


def draft_in(cased, citizen, case):
    return dossier_create_draft(
        procedure=cased.procedure, applicant=applicant_data(), user=citizen, document_case=case
    )


def test_only_the_mandatory_documents_of_every_case_and_the_chosen_case_are_required(
    cased, citizen
):
    draft = draft_in(cased, citizen, cased.in_person)
    dossier_attach_file(dossier=draft, required_document=cased.common, upload=pdf(), actor=citizen)

    with pytest.raises(ValidationError) as refused:
        dossier_submit(dossier=draft, actor=citizen)
    assert refused.value.code == "missing_documents"
    assert refused.value.params == {"names": "Danh sách đại biểu"}

    dossier_attach_file(
        dossier=draft, required_document=cased.guest_list, upload=pdf("ds.pdf"), actor=citizen
    )
    dossier = dossier_submit(dossier=draft, actor=citizen)

    assert dossier.status == DossierStatus.SUBMITTED
    assert dossier.document_case == cased.in_person


def test_a_document_of_another_case_is_refused_by_the_service(cased, citizen):
    draft = draft_in(cased, citizen, cased.in_person)

    with pytest.raises(ValidationError) as refused:
        dossier_attach_file(
            dossier=draft, required_document=cased.network_plan, upload=pdf(), actor=citizen
        )

    assert refused.value.code == "other_case"
    assert "trường hợp khác" in refused.value.messages[0]
    assert not draft.files.exists()


def test_a_draft_without_a_case_is_not_submitted(cased, citizen):
    draft = DossierFactory(procedure=cased.procedure, applicant_user=citizen)

    with pytest.raises(ValidationError) as refused:
        dossier_submit(dossier=draft, actor=citizen)

    assert refused.value.code == "case_required"
    draft.refresh_from_db()
    assert draft.status == DossierStatus.DRAFT


def test_changing_the_case_keeps_the_common_files_and_drops_the_old_case_ones(
    cased, citizen, django_capture_on_commit_callbacks
):
    draft = draft_in(cased, citizen, cased.in_person)
    common_file = dossier_attach_file(
        dossier=draft, required_document=cased.common, upload=pdf(), actor=citizen
    )
    case_file = dossier_attach_file(
        dossier=draft, required_document=cased.guest_list, upload=pdf("ds.pdf"), actor=citizen
    )
    stored_name = case_file.file.name

    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossier_update_draft(
            dossier=draft,
            applicant=applicant_data(),
            actor=citizen,
            document_case=cased.remote,
        )

    dossier.refresh_from_db()
    assert dossier.document_case == cased.remote
    assert list(dossier.files.values_list("pk", flat=True)) == [common_file.pk]
    assert not case_file.file.storage.exists(stored_name)
    removed = DossierEvent.objects.get(dossier=dossier, action=DossierAction.FILE_REMOVED)
    assert removed.data["file"] == case_file.pk
    assert removed.data["reason"] == "case_changed"
    updated = DossierEvent.objects.filter(dossier=dossier, action=DossierAction.DRAFT_UPDATED).get()
    assert "document_case" in updated.data["fields"]


def test_updating_the_details_alone_keeps_the_case_and_the_files(cased, citizen):
    draft = draft_in(cased, citizen, cased.in_person)
    dossier_attach_file(
        dossier=draft, required_document=cased.guest_list, upload=pdf(), actor=citizen
    )

    dossier = dossier_update_draft(
        dossier=draft, applicant=applicant_data(name="Trần Thị Bình"), actor=citizen
    )

    assert dossier.document_case == cased.in_person
    assert dossier.files.count() == 1
    with pytest.raises(ValidationError) as refused:
        dossier_update_draft(
            dossier=dossier, applicant=applicant_data(), actor=citizen, document_case=None
        )
    assert refused.value.code == "case_required"


def test_walk_in_of_a_procedure_with_cases_needs_a_case_and_its_receipt_lists_that_case(
    cased, officer
):
    with pytest.raises(ValidationError) as refused:
        walk_in(cased.procedure, officer)
    assert refused.value.code == "case_required"
    assert not Dossier.objects.exists()

    dossier = walk_in(cased.procedure, officer, document_case=cased.remote)

    assert dossier.document_case == cased.remote
    receipt = dossier.documents.get(kind=DocumentKind.RECEIPT).snapshot
    assert receipt["case"] == "Hội nghị tổ chức trực tuyến"
    assert receipt["documents"] == [
        "Tờ khai đề nghị (1 bản chính)",
        "Giấy ủy quyền (1 bản chính)",
        "Phương án kỹ thuật đường truyền (1 bản chính)",
    ]


def test_the_receipt_of_an_online_dossier_lists_the_files_of_its_case(cased, citizen, officer):
    draft = draft_in(cased, citizen, cased.in_person)
    dossier_attach_file(dossier=draft, required_document=cased.common, upload=pdf(), actor=citizen)
    dossier_attach_file(
        dossier=draft, required_document=cased.guest_list, upload=pdf("ds.pdf"), actor=citizen
    )
    submitted = dossier_submit(dossier=draft, actor=citizen)
    # A scan of the other case's document, attached at the desk by mistake, is refused.
    with pytest.raises(ValidationError) as refused:
        dossier_attach_file(
            dossier=submitted,
            required_document=cased.network_plan,
            upload=pdf("pa.pdf"),
            actor=officer,
        )
    assert refused.value.code == "other_case"

    dossier = dossier_receive(dossier=submitted, actor=officer, received_at=THURSDAY_MORNING)

    receipt = dossier.documents.get(kind=DocumentKind.RECEIPT).snapshot
    assert receipt["case"] == "Hội nghị tổ chức trực tiếp"
    assert receipt["documents"] == [
        "Tờ khai đề nghị: to-khai.pdf",
        "Danh sách đại biểu: ds.pdf",
    ]


def test_a_procedure_without_cases_behaves_as_before(procedure, officer):
    RequiredDocumentFactory(procedure=procedure, position=1, name="Tờ khai", is_mandatory=True)
    RequiredDocumentFactory(procedure=procedure, position=2, name="Bản sao hộ chiếu", copy_count=1)

    dossier = walk_in(procedure, officer)

    assert dossier.document_case is None
    receipt = receipt_snapshot(dossier)
    assert receipt["case"] == ""
    assert receipt["documents"] == [
        "Tờ khai (1 bản chính)",
        "Bản sao hộ chiếu (1 bản chính, 1 bản sao)",
    ]


# ---- citizen screens -----------------------------------------------------------------------------


def test_the_submit_page_of_a_procedure_without_a_limit_says_so_and_starts_nothing(
    client, citizen, agency, field
):
    procedure = ProcedureFactory(
        agency=agency, field=field, time_limit_amount=None, time_limit_unit=TimeUnit.NOT_STATED
    )
    client.force_login(citizen)
    url = reverse("dossiers:submit_start", kwargs={"code": procedure.code})

    page = client.get(url)
    response = client.post(url, {"idempotency_key": "k1"})

    assert page.status_code == 200
    html = page.content.decode()
    assert NO_LIMIT in html
    assert 'name="idempotency_key"' not in html
    assert response.status_code == 302
    assert response.url == reverse("procedures:detail", kwargs={"code": procedure.code})
    assert messages_of(response) == [NO_LIMIT]
    assert not Dossier.objects.exists()


def test_starting_a_dossier_asks_for_the_case(client, citizen, cased):
    client.force_login(citizen)
    url = reverse("dossiers:submit_start", kwargs={"code": cased.procedure.code})

    page = client.get(url)
    without = client.post(url, {"idempotency_key": "k1"})
    chosen = client.post(url, {"idempotency_key": "k2", "document_case": cased.remote.pk})

    html = page.content.decode()
    assert html.count('name="document_case"') == 2
    assert "Hội nghị tổ chức trực tiếp" in html
    assert "Hội nghị tổ chức trực tuyến" in html
    assert without.status_code == 200
    assert without.context["case_form"].errors == {"document_case": [CHOOSE_CASE]}
    dossier = Dossier.objects.get()
    assert chosen.status_code == 302
    assert chosen.url == reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk})
    assert dossier.document_case == cased.remote


def applicant_post(**overrides):
    data = {
        "name": "Nguyễn Văn An",
        "identity_number": "008090001234",
        "phone": "0912345678",
        "email": "an.nguyen@example.vn",
        "address": "Phường Minh Xuân, tỉnh Tuyên Quang",
        "organisation": "",
    }
    data.update(overrides)
    return data


def field_name(document) -> str:
    return f"document_{document.pk}"


def test_the_draft_offers_the_documents_of_every_case_and_its_own(client, citizen, cased):
    draft = draft_in(cased, citizen, cased.in_person)
    client.force_login(citizen)

    page = client.get(reverse("dossiers:draft_edit", kwargs={"pk": draft.pk}))

    form = page.context["form"]
    assert [row["document"] for row in page.context["rows"]] == [
        cased.common,
        cased.optional,
        cased.guest_list,
    ]
    assert field_name(cased.network_plan) not in form.fields
    assert form["document_case"].value() == cased.in_person.pk
    assert "Phương án kỹ thuật đường truyền" not in page.content.decode()


def test_changing_the_case_on_the_draft_page_keeps_common_files(client, citizen, cased):
    draft = draft_in(cased, citizen, cased.in_person)
    common_file = dossier_attach_file(
        dossier=draft, required_document=cased.common, upload=pdf(), actor=citizen
    )
    dossier_attach_file(
        dossier=draft, required_document=cased.guest_list, upload=pdf("ds.pdf"), actor=citizen
    )
    client.force_login(citizen)
    url = reverse("dossiers:draft_edit", kwargs={"pk": draft.pk})

    # "Review" pressed together with the change: the page comes back with the new documents.
    response = client.post(
        url,
        {
            **applicant_post(),
            "document_case": cased.remote.pk,
            field_name(cased.guest_list): pdf("ds-2.pdf"),
            "review": "",
        },
    )

    assert response.status_code == 302
    assert response.url == url
    draft.refresh_from_db()
    assert draft.document_case == cased.remote
    assert list(draft.files.values_list("pk", flat=True)) == [common_file.pk]
    assert messages_of(response) == [
        "Đã chuyển sang trường hợp “Hội nghị tổ chức trực tuyến”. Các tệp của thành phần hồ sơ "
        "thuộc trường hợp trước đã được gỡ bỏ: ds.pdf.",
        "Chưa đính kèm được “ds-2.pdf” (Danh sách đại biểu): thành phần hồ sơ này không thuộc "
        "trường hợp bạn đã chọn.",
    ]
    page = client.get(url)
    assert [row["document"] for row in page.context["rows"]] == [
        cased.common,
        cased.optional,
        cased.network_plan,
    ]


def test_the_draft_page_refuses_a_missing_case(client, citizen, cased):
    draft = DossierFactory(procedure=cased.procedure, applicant_user=citizen)
    client.force_login(citizen)
    url = reverse("dossiers:draft_edit", kwargs={"pk": draft.pk})

    page = client.get(url)
    response = client.post(url, applicant_post())

    assert page.context["needs_case"] is True
    assert [row["document"] for row in page.context["rows"]] == [cased.common, cased.optional]
    assert response.status_code == 200
    assert response.context["form"].errors == {"document_case": [CHOOSE_CASE]}


def test_review_and_submit_with_the_documents_of_the_chosen_case(client, citizen, cased):
    draft = draft_in(cased, citizen, cased.remote)
    dossier_attach_file(dossier=draft, required_document=cased.common, upload=pdf(), actor=citizen)
    client.force_login(citizen)
    url = reverse("dossiers:draft_review", kwargs={"pk": draft.pk})

    page = client.get(url)
    refused = client.post(url)
    dossier_attach_file(
        dossier=draft, required_document=cased.network_plan, upload=pdf("pa.pdf"), actor=citizen
    )
    accepted = client.post(url)

    assert "Hội nghị tổ chức trực tuyến" in page.content.decode()
    assert [row["document"] for row in page.context["rows"]] == [
        cased.common,
        cased.optional,
        cased.network_plan,
    ]
    assert refused.url == reverse("dossiers:draft_edit", kwargs={"pk": draft.pk})
    assert "Phương án kỹ thuật đường truyền" in messages_of(refused)[0]
    assert "Danh sách đại biểu" not in messages_of(refused)[0]
    draft.refresh_from_db()
    assert accepted.url == reverse("dossiers:my_detail", kwargs={"pk": draft.pk})
    assert draft.status == DossierStatus.SUBMITTED


# ---- walk-in at the desk -------------------------------------------------------------------------


@pytest.fixture
def desk_client(client, office):
    client.force_login(office.desk)
    return client


def walk_in_post(procedure, **extra):
    return {
        "procedure": procedure.pk,
        "name": "Lê Văn Cường",
        "identity_number": "008090009999",
        "phone": "0912345678",
        "email": "",
        "address": "Phường Minh Xuân",
        "organisation": "",
        "idempotency_key": "walk-in-1",
        **extra,
    }


def test_the_walk_in_form_offers_no_procedure_without_a_desk_limit(desk_client, office):
    not_stated = ProcedureFactory(
        agency=office.department,
        name="Thủ tục chưa quy định thời hạn",
        time_limit_amount=None,
        time_limit_unit=TimeUnit.NOT_STATED,
    )
    online_only_limit = ProcedureFactory(agency=office.department)
    limit(online_only_limit, Channel.DIRECT, None, TimeUnit.NOT_STATED)
    url = reverse("dossiers:walk_in")

    page = desk_client.get(url)
    response = desk_client.post(url, walk_in_post(not_stated))

    offered = set(page.context["form"].fields["procedure"].queryset)
    assert office.procedure in offered
    assert not_stated not in offered
    assert online_only_limit not in offered
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"procedure"}
    assert not Dossier.objects.exists()


def test_walk_in_of_a_procedure_with_cases_asks_for_the_case_then_prints_its_documents(
    desk_client, office
):
    cased = add_cases(ProcedureFactory(agency=office.department, name="Thủ tục có trường hợp"))
    other = add_cases(ProcedureFactory(agency=office.department, name="Thủ tục khác"))
    url = reverse("dossiers:walk_in")

    page = desk_client.get(url)
    without = desk_client.post(url, walk_in_post(cased.procedure))
    foreign = desk_client.post(url, walk_in_post(cased.procedure, document_case=other.in_person.pk))
    accepted = desk_client.post(
        url, walk_in_post(cased.procedure, document_case=cased.in_person.pk)
    )

    # Unbound, every case of the offered procedures, grouped by procedure.
    assert set(page.context["form"].fields["document_case"].queryset) == {
        cased.in_person,
        cased.remote,
        other.in_person,
        other.remote,
    }
    assert without.status_code == 200
    assert without.context["form"].errors == {"document_case": [CHOOSE_CASE]}
    # Once the procedure is known, only its cases are offered.
    assert set(without.context["form"].fields["document_case"].queryset) == {
        cased.in_person,
        cased.remote,
    }
    assert set(foreign.context["form"].errors) == {"document_case"}
    dossier = Dossier.objects.get()
    assert accepted.url == reverse("dossiers:receipt", kwargs={"pk": dossier.pk})
    assert dossier.document_case == cased.in_person
    receipt = desk_client.get(accepted.url).content.decode()
    assert "Hội nghị tổ chức trực tiếp" in receipt
    assert "Danh sách đại biểu" in receipt
    assert "Phương án kỹ thuật đường truyền" not in receipt


def test_walk_in_form_without_cases_has_no_case_field(desk_client, office):
    page = desk_client.get(reverse("dossiers:walk_in"))

    assert "document_case" not in page.context["form"].fields


# ---- generated data ------------------------------------------------------------------------------


NOW = datetime(2026, 11, 26, 10, 0, tzinfo=VIETNAM_TZ)


def test_the_generator_uses_only_channels_that_take_dossiers_and_picks_cases(agency, field):
    cased = add_cases(
        ProcedureFactory(agency=agency, field=field, accepts_postal=False, name="Có trường hợp")
    )
    limit(cased.procedure, Channel.DIRECT, Decimal("2"), TimeUnit.WORKING_DAYS)
    not_stated = ProcedureFactory(
        agency=agency, field=field, time_limit_amount=None, time_limit_unit=TimeUnit.NOT_STATED
    )
    desk_only = ProcedureFactory(agency=agency, field=field, accepts_postal=False)
    limit(desk_only, Channel.ONLINE, None, TimeUnit.NOT_STATED)

    counts = generate_dossiers(
        count=300, seed=5, start=date(2026, 9, 1), end=date(2026, 11, 25), now=NOW
    )

    assert counts.dossiers == 300
    dossiers = list(Dossier.objects.select_related("procedure", "agency"))
    assert not [d for d in dossiers if d.procedure_id == not_stated.pk]
    channels = {(d.procedure_id, d.channel) for d in dossiers}
    assert channels == {
        (cased.procedure.pk, DossierChannel.ONLINE),
        (cased.procedure.pk, DossierChannel.DIRECT),
        (desk_only.pk, DossierChannel.DIRECT),
    }
    for dossier in dossiers:
        if dossier.procedure_id == cased.procedure.pk:
            assert dossier.document_case_id in {cased.in_person.pk, cased.remote.pk}
        else:
            assert dossier.document_case_id is None
        if dossier.received_at is None:
            continue
        expected = dossier.procedure.time_limit_for(dossier.channel)
        assert (dossier.time_limit_amount, dossier.time_limit_unit) == (
            expected.amount,
            expected.unit,
        )
        due = compute_due(
            dossier.received_at,
            expected.amount,
            expected.unit,
            cutoff=dossier.procedure.cutoff_15h,
            calendar=work_calendar_for(dossier.agency),
        )
        assert dossier.due_at == due.due_at, dossier.code
    assert {d.time_limit_amount for d in dossiers if d.channel == DossierChannel.DIRECT} >= {
        Decimal("2")
    }


def test_the_generator_refuses_when_no_procedure_takes_dossiers(agency, field):
    ProcedureFactory(
        agency=agency, field=field, time_limit_amount=None, time_limit_unit=TimeUnit.NOT_STATED
    )

    with pytest.raises(ValueError, match="accepts dossiers"):
        generate_dossiers(
            count=10,
            seed=1,
            start=date(2026, 11, 1),
            end=date(2026, 11, 25),
            now=NOW - timedelta(days=1),
        )
    assert not Dossier.objects.exists()
    assert not DossierFile.objects.exists()
