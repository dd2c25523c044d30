"""Factories of dossier data. Dossiers in a given state come from the services, not from here."""

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.choices import DossierChannel
from dossiers.models import Dossier
from portal.roles import Role
from procedures.choices import AgencyKind, StepRole, SupplementPolicy, TimeUnit
from tests.factories import (
    AgencyFactory,
    ProcedureFactory,
    ProcedureStepFactory,
    RequiredDocumentFactory,
    UserFactory,
)


class DossierFactory(factory.django.DjangoModelFactory):
    """A draft dossier (the status every new Dossier row has)."""

    class Meta:
        model = Dossier

    procedure = factory.SubFactory(ProcedureFactory)
    agency = factory.SelfAttribute("procedure.agency")
    channel = DossierChannel.ONLINE
    applicant_name = "Nguyễn Văn An"
    applicant_identity_number = "008090001234"
    applicant_phone = "0912345678"
    applicant_email = "an.nguyen@example.vn"
    applicant_address = "Phường Minh Xuân, tỉnh Tuyên Quang"


def applicant_data(**overrides) -> dict[str, str]:
    data = {
        "name": "Nguyễn Văn An",
        "identity_number": "008090001234",
        "phone": "0912345678",
        "email": "an.nguyen@example.vn",
        "address": "Phường Minh Xuân, tỉnh Tuyên Quang",
    }
    data.update(overrides)
    return data


# ---- a whole office for lifecycle tests --------------------------------------------------------


@dataclass
class LifecycleOffice:
    """A department with a division, the service centre serving it, and someone in every role;
    plus a second department and a second centre that must see nothing of the first."""

    department: object
    division: object
    centre: object
    other_department: object
    other_centre: object
    procedure: object
    application_form: object  # mandatory required document
    other_paper: object  # optional required document
    desk: object
    other_desk: object
    specialist: object
    other_specialist: object
    division_head: object
    leader: object
    citizen: object
    other_citizen: object


def build_lifecycle_office(*, supplement_policy: str = SupplementPolicy.RESTART) -> LifecycleOffice:
    """Procedure: three working days with the 15:00 cut-off; steps desk 4 h (not copied to the
    dossier), specialist 12 h, head of division 4 h, leader 4 h."""
    # A transactional test before this one may have flushed the role groups of migration 0002.
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    province = AgencyFactory(code="000.00.00.H62", kind=AgencyKind.PROVINCE)
    department = AgencyFactory(
        code="000.00.16.H62", name="Sở Ngoại vụ", kind=AgencyKind.DEPARTMENT, parent=province
    )
    division = AgencyFactory(
        code="000.01.16.H62", name="Phòng Lãnh sự", kind=AgencyKind.DIVISION, parent=department
    )
    centre = AgencyFactory(
        code="000.00.99.H62", kind=AgencyKind.SERVICE_CENTRE, parent=province, name="TTPVHCC"
    )
    centre.serves.add(department)
    other_department = AgencyFactory(
        code="000.00.17.H62", kind=AgencyKind.DEPARTMENT, parent=province, name="Sở Tư pháp"
    )
    other_centre = AgencyFactory(
        code="000.00.98.H99", kind=AgencyKind.SERVICE_CENTRE, name="Trung tâm khác"
    )
    other_centre.serves.add(other_department)
    procedure = ProcedureFactory(
        agency=department,
        time_limit_amount=Decimal("3"),
        time_limit_unit=TimeUnit.WORKING_DAYS,
        cutoff_15h=True,
        supplement_policy=supplement_policy,
    )
    for position, (name, role, hours) in enumerate(
        [
            ("Tiếp nhận", StepRole.DESK_OFFICER, "4"),
            ("Thẩm định", StepRole.SPECIALIST, "12"),
            ("Trưởng phòng duyệt", StepRole.DIVISION_HEAD, "4"),
            ("Lãnh đạo Sở ký", StepRole.LEADER, "4"),
        ],
        start=1,
    ):
        ProcedureStepFactory(
            procedure=procedure, position=position, name=name, role=role, budget_hours=hours
        )
    application_form = RequiredDocumentFactory(
        procedure=procedure, position=1, name="Tờ khai", is_mandatory=True
    )
    other_paper = RequiredDocumentFactory(
        procedure=procedure, position=2, name="Giấy tờ khác", is_mandatory=False
    )

    def staff(role, agency):
        user = UserFactory(role=role)
        user.agency = agency
        user.save(update_fields=["agency"])
        return user

    return LifecycleOffice(
        department=department,
        division=division,
        centre=centre,
        other_department=other_department,
        other_centre=other_centre,
        procedure=procedure,
        application_form=application_form,
        other_paper=other_paper,
        desk=staff(Role.DESK_OFFICER, centre),
        other_desk=staff(Role.DESK_OFFICER, other_centre),
        specialist=staff(Role.SPECIALIST, division),
        other_specialist=staff(Role.SPECIALIST, other_department),
        division_head=staff(Role.DIVISION_HEAD, division),
        leader=staff(Role.LEADER, department),
        citizen=UserFactory(role=Role.CITIZEN),
        other_citizen=UserFactory(role=Role.CITIZEN),
    )


# Smallest real files of each accepted type.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def ooxml_bytes(main_part: str) -> bytes:
    """A minimal .docx ("word") or .xlsx ("xl") zip."""
    content_type = {
        "word": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "xl": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    }[main_part]
    part = "/word/document.xml" if main_part == "word" else "/xl/workbook.xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<Types><Override PartName="{part}" ContentType="{content_type}"/></Types>',
        )
        archive.writestr(part.lstrip("/"), "<x/>")
    return buffer.getvalue()


def ole_bytes(stream_name: str) -> bytes:
    """An OLE compound file header followed by a directory entry named `stream_name`."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + stream_name.encode("utf-16-le")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
