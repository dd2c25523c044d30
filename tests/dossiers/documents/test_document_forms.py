"""Mẫu 02–05 and the stop notice as PDFs: each dossier is driven by the services to its
event, the form's snapshot taken there, and the PDF rendered from the JSON copy of the snapshot."""

import json
from dataclasses import dataclass

import pytest
from django.template.loader import render_to_string
from django.utils.timezone import localtime

from dossiers.choices import DossierAction, DossierOutcome, ReturnMethod
from dossiers.deadlines import VIETNAM_TZ
from dossiers.documents import document_number, document_pdf, document_snapshot, form_for
from dossiers.documents.registry import document_template_context
from dossiers.documents.render import layout
from dossiers.models import Dossier, DossierEvent
from dossiers.services import (
    dossier_assign,
    dossier_complete,
    dossier_complete_step,
    dossier_extend,
    dossier_forward,
    dossier_receive,
    dossier_refuse,
    dossier_request_supplement,
    dossier_return,
    dossier_withdraw,
)
from tests.dossiers.moments import at
from tests.dossiers.pdf_checks import (
    assert_a4,
    assert_noto_serif_embedded,
    cut_off_text,
    reader,
    stamp,
    text,
)
from tests.dossiers.staff_setup import Office, submitted_dossier

pytestmark = pytest.mark.django_db

NAME = "Nguyễn Thị Hương"
ADDRESS = "Số 5 đường Trần Hưng Đạo, phường Minh Xuân, tỉnh Tuyên Quang"
IDENTITY = "008190004321"
LONG_ADDRESS = "Thôn Đồng Phú, xã Yên Thuận, huyện Hàm Yên, tỉnh Tuyên Quang " * 5
LONG_REASON = (
    "Hồ sơ cần xin ý kiến của Bộ Ngoại giao và các cơ quan có liên quan về nội dung, thành phần "
    "đại biểu quốc tế tham dự hội nghị; " * 8
)
# One unbroken "word" longer than the line: it must wrap, not run off the page.
UNBROKEN = "Giấy-xác-nhận-" * 20


def fresh(dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def last_event(dossier, action) -> DossierEvent:
    return DossierEvent.objects.filter(dossier=dossier, action=action).latest("at", "pk")


@dataclass
class Case:
    """A dossier at the event of form `kind`, and what that form must print."""

    kind: str
    dossier: Dossier
    event: DossierEvent
    expected: list[str]
    pages: int = 1

    def snapshot(self) -> dict:
        return document_snapshot(self.kind, fresh(self.dossier), self.event)

    @property
    def number(self) -> str:
        return document_number(self.kind, self.dossier)

    def pdf(self, snapshot: dict) -> bytes:
        return document_pdf(self.kind, snapshot, number=self.number)

    def layout(self, snapshot: dict):
        return layout(*document_template_context(self.kind, snapshot, number=self.number))


# ---- dossiers driven to each event (Monday 30/11/2026 onwards) --------------------------------


def _received(office: Office, time_machine) -> Dossier:
    """Sent online at 07:45, received at the desk at 08:00."""
    time_machine.move_to(at(2026, 11, 30, 7, 45), tick=False)
    dossier = submitted_dossier(office, name=NAME, address=ADDRESS, identity_number=IDENTITY)
    time_machine.move_to(at(2026, 11, 30, 8, 0), tick=False)
    return dossier_receive(dossier=dossier, actor=office.desk)


def _processing(office: Office, time_machine) -> Dossier:
    dossier = _received(office, time_machine)
    time_machine.move_to(at(2026, 11, 30, 8, 30), tick=False)
    return dossier_forward(dossier=dossier, actor=office.desk)


SUPPLEMENT_ITEMS = [
    "Bản sao Quyết định thành lập tổ chức có chứng thực",
    "Danh sách đại biểu nước ngoài dự kiến mời",
]
SUPPLEMENT_REASON = "Văn bản đề nghị chưa nêu rõ thành phần đại biểu quốc tế."


def supplement_case(office: Office, time_machine) -> Case:
    office.division.phone = "0207 3822 111"
    office.division.save(update_fields=["phone"])
    dossier = _processing(office, time_machine)
    time_machine.move_to(at(2026, 11, 30, 9, 15), tick=False)
    dossier = dossier_request_supplement(
        dossier=dossier, actor=office.specialist, items=SUPPLEMENT_ITEMS, reason=SUPPLEMENT_REASON
    )
    event = last_event(dossier, DossierAction.SUPPLEMENT_REQUESTED)
    return Case(
        "supplement",
        dossier,
        event,
        [
            stamp(event.at),
            *(f"{number}. {item}" for number, item in enumerate(SUPPLEMENT_ITEMS, start=1)),
            f"Lý do: {SUPPLEMENT_REASON}",
            "thời gian giải quyết tạm dừng kể từ 09:15 30/11/2026",
            "NGƯỜI HƯỚNG DẪN",
            "điện tử) Chuyên viên",
            "Phòng Lãnh sự, số điện thoại 0207 3822 111",
            ADDRESS,
        ],
    )


REFUSAL_REASON = "Thủ tục không thuộc thẩm quyền giải quyết của Sở Ngoại vụ tỉnh Tuyên Quang."


def refusal_case(office: Office, time_machine) -> Case:
    time_machine.move_to(at(2026, 11, 30, 7, 45), tick=False)
    dossier = submitted_dossier(office, name=NAME, address=ADDRESS, identity_number=IDENTITY)
    time_machine.move_to(at(2026, 11, 30, 8, 10), tick=False)
    dossier = dossier_refuse(dossier=dossier, actor=office.desk, reason=REFUSAL_REASON)
    event = last_event(dossier, DossierAction.REFUSED)
    return Case(
        "refusal",
        dossier,
        event,
        [
            IDENTITY,
            ADDRESS,
            "an.nguyen@example.vn",
            "Cho phép tổ chức hội nghị, hội thảo quốc tế",
            f"Thời gian nộp hồ sơ: {stamp(dossier.submitted_at)}",
            f"Thời gian từ chối: {stamp(event.at)}",
            REFUSAL_REASON,
            "NGƯỜI NỘP HỒ SƠ",
            "NGƯỜI TIẾP NHẬN HỒ SƠ",
            "Cán bộ Một cửa",
        ],
    )


EXTENSION_REASON = "Cần xin ý kiến thẩm định của Bộ Ngoại giao."
NEW_APPOINTMENT = at(2026, 12, 21, 16, 0)


def apology_case(office: Office, time_machine) -> Case:
    dossier = _processing(office, time_machine)
    previous = dossier.appointment_at
    time_machine.move_to(at(2026, 12, 1, 9, 0), tick=False)
    dossier = dossier_extend(
        dossier=dossier,
        actor=office.leader,
        new_appointment_at=NEW_APPOINTMENT,
        reason=EXTENSION_REASON,
    )
    event = last_event(dossier, DossierAction.EXTENDED)
    return Case(
        "apology",
        dossier,
        event,
        [
            f"Kính gửi: {NAME}",
            IDENTITY,
            "Cho phép tổ chức hội nghị, hội thảo quốc tế",
            f"Ngày {dossier.received_at:%d/%m/%Y}, Sở Ngoại vụ tỉnh Tuyên Quang tiếp nhận",
            f"Thời gian hẹn trả kết quả: {stamp(previous)}",
            "không thể trả kết quả giải quyết hồ sơ của Ông/Bà/Tổ chức đúng thời hạn",
            f"Lý do: {EXTENSION_REASON}",
            "trân trọng xin lỗi",
            f"Thời gian hẹn trả kết quả mới: {stamp(NEW_APPOINTMENT)}",
            "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ",
            "Giám đốc Sở",
        ],
    )


def _returned(office: Office, time_machine) -> Dossier:
    """Received Monday 08:00, through the three department steps, returned Wednesday 10:00."""
    dossier = _processing(office, time_machine)
    time_machine.move_to(at(2026, 11, 30, 9, 0), tick=False)
    dossier = dossier_assign(
        dossier=dossier, actor=office.division_head, assignee=office.specialist
    )
    time_machine.move_to(at(2026, 12, 1, 10, 0), tick=False)
    dossier = dossier_complete_step(dossier=dossier, actor=office.specialist, note="Đủ điều kiện")
    time_machine.move_to(at(2026, 12, 1, 14, 0), tick=False)
    dossier = dossier_complete_step(dossier=dossier, actor=office.division_head)
    time_machine.move_to(at(2026, 12, 2, 9, 0), tick=False)
    dossier = dossier_complete(
        dossier=dossier, actor=office.leader, outcome=DossierOutcome.APPROVED
    )
    time_machine.move_to(at(2026, 12, 2, 10, 0), tick=False)
    return dossier_return(dossier=dossier, actor=office.desk, method=ReturnMethod.AT_DESK)


def control_sheet_case(office: Office, time_machine) -> Case:
    dossier = _returned(office, time_machine)
    event = last_event(dossier, DossierAction.RETURNED)
    steps = list(dossier.steps.order_by("position"))
    return Case(
        "control_sheet",
        dossier,
        event,
        [
            f"Thời gian nhận hồ sơ: {stamp(dossier.received_at)}",
            f"Thời gian trả kết quả: {stamp(dossier.appointment_at)}",
            "Cơ quan, bộ phận giải quyết: Sở Ngoại vụ tỉnh Tuyên Quang",
            "Thời gian giao, nhận hồ sơ",
            f"Tiếp nhận hồ sơ Trung tâm Phục vụ hành chính công tỉnh {stamp(dossier.received_at)}"
            f" 1. Giao: {NAME} 2. Nhận: Cán bộ Một cửa",
            *(f"{step.name} Phòng Lãnh sự {stamp(step.started_at)}" for step in steps[:2]),
            f"{steps[2].name} Sở Ngoại vụ tỉnh Tuyên Quang {stamp(steps[2].started_at)}",
            "1. Giao: Cán bộ Một cửa 2. Nhận: Chuyên viên",
            "1. Giao: Chuyên viên 2. Nhận: Trưởng phòng",
            "1. Giao: Trưởng phòng 2. Nhận: Giám đốc Sở",
            f"Trước hạn Hạn: {stamp(steps[0].due_at)} Xong: {stamp(steps[0].finished_at)}"
            " Đủ điều kiện",
            f"Trả kết quả Trung tâm Phục vụ hành chính công tỉnh {stamp(dossier.completed_at)}"
            " 1. Giao: Giám đốc Sở 2. Nhận: Cán bộ Một cửa",
            f"Hạn: {stamp(dossier.due_at)} Xong: {stamp(dossier.returned_at)}",
            "Trước hạn",
        ],
    )


WITHDRAWAL_REASON = "Đơn vị đã hoãn tổ chức hội nghị sang năm sau, không còn nhu cầu giải quyết."


def stop_notice_case(office: Office, time_machine) -> Case:
    dossier = _received(office, time_machine)
    time_machine.move_to(at(2026, 11, 30, 10, 20), tick=False)
    dossier = dossier_withdraw(dossier=dossier, actor=office.citizen, reason=WITHDRAWAL_REASON)
    event = last_event(dossier, DossierAction.WITHDRAWN)
    return Case(
        "stop_notice",
        dossier,
        event,
        [
            f"Kính gửi: {NAME}",
            IDENTITY,
            "Cho phép tổ chức hội nghị, hội thảo quốc tế",
            f"Thời gian tiếp nhận: {stamp(dossier.received_at)}",
            f"Thời gian dừng giải quyết: {stamp(event.at)}",
            f"Hồ sơ được dừng giải quyết theo đề nghị của Ông/Bà/Tổ chức {NAME}",
            f"Lý do: {WITHDRAWAL_REASON}",
            "ĐẠI DIỆN CƠ QUAN, ĐƠN VỊ",
        ],
    )


CASES = {
    "supplement": supplement_case,
    "refusal": refusal_case,
    "apology": apology_case,
    "control_sheet": control_sheet_case,
    "stop_notice": stop_notice_case,
}


@pytest.fixture(params=list(CASES))
def case(request, office, time_machine) -> Case:
    return CASES[request.param](office, time_machine)


# ---- every form --------------------------------------------------------------------------------


def test_snapshot_is_json_safe_and_never_reads_the_clock(case, time_machine):
    snapshot = case.snapshot()

    assert json.loads(json.dumps(snapshot)) == snapshot
    time_machine.move_to(at(2027, 3, 1, 15, 0), tick=False)
    assert case.snapshot() == snapshot
    # Without an event, the form is taken at the dossier's latest one of its kind.
    assert document_snapshot(case.kind, fresh(case.dossier)) == snapshot
    assert snapshot["dated_at"] == localtime(case.event.at).isoformat()
    assert snapshot["code"] == case.dossier.code


def test_pdf_prints_the_form_in_noto_serif_on_a4_the_same_each_time(case):
    snapshot = json.loads(json.dumps(case.snapshot()))

    pdf = case.pdf(snapshot)

    printed = text(pdf)
    assert form_for(case.kind)[1] in printed
    assert f"Số: {case.dossier.code}/" in printed
    assert case.dossier.code in printed
    assert NAME in printed
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in printed
    assert f"ngày {case.event.at.astimezone(VIETNAM_TZ):%d} tháng" in printed
    for expected in case.expected:
        assert expected in printed, expected
    assert_noto_serif_embedded(pdf)
    assert_a4(pdf, pages=case.pages)
    assert case.pdf(json.loads(json.dumps(snapshot))) == pdf


def test_long_values_stay_inside_the_page(case):
    snapshot = case.snapshot()
    snapshot["applicant"]["address"] = LONG_ADDRESS
    snapshot["applicant"]["organisation"] = UNBROKEN
    snapshot["procedure_name"] = "Cho phép tổ chức hội nghị, hội thảo quốc tế " * 4
    if "reason" in snapshot:
        snapshot["reason"] = LONG_REASON + UNBROKEN
    if "items" in snapshot:
        snapshot["items"] = [item + " " + UNBROKEN for item in snapshot["items"]] * 3
    for row in snapshot.get("rows", []):
        row["note"] = LONG_REASON[:200] + UNBROKEN
        row["receiver_unit"] = UNBROKEN

    document = case.layout(snapshot)

    assert cut_off_text(document) == []


# ---- form by form -----------------------------------------------------------------------------


@pytest.fixture
def returned(office, time_machine) -> Case:
    return control_sheet_case(office, time_machine)


def test_control_sheet_with_many_rows_runs_over_pages_with_its_header_on_each(returned):
    snapshot = returned.snapshot()
    snapshot["rows"] = [
        {**row, "note": f"Lần {number}: " + LONG_REASON[:160]}
        for number, row in enumerate(snapshot["rows"] * 6, start=1)
    ]

    document = returned.layout(snapshot)
    pdf = returned.pdf(snapshot)

    assert len(document.pages) > 1
    assert cut_off_text(document) == []
    assert_a4(pdf, pages=len(document.pages))
    pages = [" ".join(page.extract_text().split()) for page in reader(pdf).pages]
    assert all("Thời gian giao, nhận hồ sơ" in page for page in pages)
    assert "Lần 30:" in pages[-1]


def test_live_control_sheet_is_dated_at_the_latest_event_not_now(office, time_machine):
    dossier = _processing(office, time_machine)
    forwarded = last_event(dossier, DossierAction.FORWARDED)
    time_machine.move_to(at(2026, 11, 30, 16, 0), tick=False)

    snapshot = document_snapshot("control_sheet", fresh(dossier))

    assert snapshot["dated_at"] == localtime(forwarded.at).isoformat()
    assert [row["step"] for row in snapshot["rows"]][0] == "Tiếp nhận hồ sơ"
    assert snapshot["rows"][1]["handed_over_at"] == localtime(forwarded.at).isoformat()
    assert snapshot["rows"][1]["finished_at"] is None
    assert snapshot["returned_at"] is None


def test_supplement_before_reception_says_the_clock_has_not_started(office, time_machine):
    time_machine.move_to(at(2026, 11, 30, 7, 45), tick=False)
    dossier = submitted_dossier(office, name=NAME)
    time_machine.move_to(at(2026, 11, 30, 8, 5), tick=False)
    dossier_request_supplement(
        dossier=dossier, actor=office.desk, items=SUPPLEMENT_ITEMS, reason=SUPPLEMENT_REASON
    )

    snapshot = document_snapshot("supplement", fresh(dossier))
    html = render_to_string(
        *document_template_context(
            "supplement", snapshot, number=document_number("supplement", dossier)
        )
    )

    assert snapshot["during_processing"] is False
    assert snapshot["issuer"]["name"] == "Trung tâm Phục vụ hành chính công tỉnh"
    assert "Hồ sơ chưa được tiếp nhận" in html
    assert "tạm dừng" not in html


def test_a_form_refuses_an_event_of_another_kind(office, time_machine):
    dossier = _received(office, time_machine)
    received = last_event(dossier, DossierAction.RECEIVED)

    with pytest.raises(ValueError):
        document_snapshot("refusal", dossier, received)
    with pytest.raises(DossierEvent.DoesNotExist):
        document_snapshot("apology", dossier)
