"""The people and agencies of the staff-screen tests (desk, department, control sheet).

A provincial service centre serves the Department of Foreign Affairs; the department has one
division. A second service centre serves nobody we care about. Dossiers are built through the
services, never by writing statuses.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse

from dossiers.choices import DossierOutcome, ReturnMethod
from dossiers.models import Dossier
from dossiers.services import (
    dossier_assign,
    dossier_complete,
    dossier_complete_step,
    dossier_create_draft,
    dossier_forward,
    dossier_receive,
    dossier_return,
    dossier_submit,
)
from portal.roles import Role
from procedures.choices import AgencyKind
from procedures.models import Agency, Procedure
from tests.dossiers.factories import applicant_data
from tests.factories import (
    AgencyFactory,
    ProcedureFactory,
    ProcedureStepFactory,
    RequiredDocumentFactory,
    UserFactory,
)


@dataclass
class Office:
    province: Agency
    department: Agency
    division: Agency
    centre: Agency
    other_centre: Agency
    procedure: Procedure
    desk: object
    other_desk: object
    specialist: object
    division_head: object
    leader: object
    citizen: object


def build_office() -> Office:
    province = AgencyFactory(
        code="000.00.00.H62", name="UBND tỉnh Tuyên Quang", kind=AgencyKind.PROVINCE
    )
    department = AgencyFactory(
        code="000.00.16.H62",
        name="Sở Ngoại vụ tỉnh Tuyên Quang",
        kind=AgencyKind.DEPARTMENT,
        parent=province,
    )
    division = AgencyFactory(
        code="000.01.16.H62", name="Phòng Lãnh sự", kind=AgencyKind.DIVISION, parent=department
    )
    centre = AgencyFactory(
        code="000.00.99.H62",
        name="Trung tâm Phục vụ hành chính công tỉnh",
        kind=AgencyKind.SERVICE_CENTRE,
        parent=province,
    )
    centre.serves.add(department)
    other_centre = AgencyFactory(
        code="000.00.98.H99", name="Trung tâm tỉnh khác", kind=AgencyKind.SERVICE_CENTRE
    )
    other_centre.serves.add(AgencyFactory(code="000.00.16.H99", name="Sở khác"))
    procedure = ProcedureFactory(
        code="1.000001", name="Cho phép tổ chức hội nghị, hội thảo quốc tế", agency=department
    )
    # Optional, so online dossiers can be sent without files; the walk-in receipt lists it.
    RequiredDocumentFactory(
        procedure=procedure,
        name="Văn bản đề nghị tổ chức hội nghị",
        is_mandatory=False,
        copy_count=1,
    )
    for position, (name, role, hours) in enumerate(
        [
            ("Tiếp nhận", Role.DESK_OFFICER, "4"),
            ("Thẩm định, dự thảo", Role.SPECIALIST, "56"),
            ("Lãnh đạo phòng xem xét", Role.DIVISION_HEAD, "8"),
            ("Lãnh đạo Sở ký duyệt", Role.LEADER, "8"),
            ("Trả kết quả", Role.DESK_OFFICER, "4"),
        ],
        start=1,
    ):
        ProcedureStepFactory(
            procedure=procedure,
            position=position,
            name=name,
            role=str(role),
            budget_hours=Decimal(hours),
        )
    return Office(
        province=province,
        department=department,
        division=division,
        centre=centre,
        other_centre=other_centre,
        procedure=procedure,
        desk=UserFactory(role=Role.DESK_OFFICER, agency=centre, first_name="Cán bộ Một cửa"),
        other_desk=UserFactory(
            role=Role.DESK_OFFICER, agency=other_centre, first_name="Cán bộ khác"
        ),
        specialist=UserFactory(role=Role.SPECIALIST, agency=division, first_name="Chuyên viên"),
        division_head=UserFactory(
            role=Role.DIVISION_HEAD, agency=division, first_name="Trưởng phòng"
        ),
        leader=UserFactory(role=Role.LEADER, agency=department, first_name="Giám đốc Sở"),
        citizen=UserFactory(role=Role.CITIZEN, first_name="Nguyễn Văn An"),
    )


def submitted_dossier(office: Office, **applicant) -> Dossier:
    """An online dossier sent to the desk by the citizen."""
    draft = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(**applicant), user=office.citizen
    )
    return dossier_submit(dossier=draft, actor=office.citizen)


def stamp(dossier: Dossier) -> str:
    """The hidden `updated_at` value a page showing `dossier` carries now."""
    dossier.refresh_from_db()
    return dossier.updated_at.isoformat()


def desk_post(client, dossier: Dossier, action: str, **fields):
    """POST one desk action with a fresh stale-check stamp (unless one is given)."""
    data = {
        "action": action,
        f"{action}-updated_at": fields.pop("updated_at", None) or stamp(dossier),
    }
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk}), data)


def department_post(client, dossier: Dossier, action: str, **fields):
    data = {
        "action": action,
        f"{action}-updated_at": fields.pop("updated_at", None) or stamp(dossier),
    }
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(reverse("dossiers:department_detail", kwargs={"pk": dossier.pk}), data)


def message_levels(response) -> list[str]:
    """The levels of the messages this request added (not those left from earlier ones)."""
    return [message.level_tag for message in response.wsgi_request._messages._queued_messages]


def forwarded_dossier(office: Office) -> Dossier:
    """A dossier received at the desk and forwarded: processing, at its first department step."""
    dossier = submitted_dossier(office)
    dossier = dossier_receive(dossier=dossier, actor=office.desk)
    return dossier_forward(dossier=dossier, actor=office.desk)


def returned_dossier(office: Office) -> Dossier:
    """The whole route through the services, ending with the result returned at the desk."""
    dossier = forwarded_dossier(office)
    dossier = dossier_assign(
        dossier=dossier, actor=office.division_head, assignee=office.specialist
    )
    dossier = dossier_complete_step(dossier=dossier, actor=office.specialist, note="Đủ điều kiện")
    dossier = dossier_complete_step(dossier=dossier, actor=office.division_head)
    dossier = dossier_complete(
        dossier=dossier, actor=office.leader, outcome=DossierOutcome.APPROVED
    )
    return dossier_return(dossier=dossier, actor=office.desk, method=ReturnMethod.AT_DESK)
