"""Mẫu 06: Sổ theo dõi hồ sơ, the register of one lĩnh vực over a period (DOMAIN §2.2).

The book lists every dossier received in the period, oldest first: STT | mã hồ sơ | tên TTHC |
tên tổ chức, cá nhân | địa chỉ, số điện thoại | cơ quan chủ trì giải quyết | nhận hồ sơ | hẹn trả
kết quả | trả kết quả | phương thức nhận kết quả | ký nhận. It is printed on landscape A4 with the
column headings repeated on every page and the pages numbered.

`register_context` reads a queryset the caller has already scoped to the requester (see
`dossiers.selectors.document_jobs.document_job_register_dossiers`); it never widens it. Moments
are printed as the other forms print them, hh:mm dd/mm/yyyy in local time.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from ..choices import ReturnMethod
from ..statistics import Period
from ..statistics.layout import period_text
from .base import agency_snapshot
from .forms import CURRENT_BASIS, form_for
from .render import render_pdf

TEMPLATE = "dossiers/documents/register.html"
# Rows between two progress reports: often enough for the bar to move, few enough UPDATEs.
PROGRESS_EVERY = 100
ITERATOR_CHUNK = 500
MOMENT_FORMAT = "%H:%M %d/%m/%Y"

# The register is a Vietnamese legal form: the ways of receiving the result as it prints them.
RETURN_METHOD_TEXT = {
    ReturnMethod.AT_DESK: "Trực tiếp tại Bộ phận Một cửa",
    ReturnMethod.POSTAL: "Dịch vụ bưu chính công ích",
    ReturnMethod.ONLINE: "Trực tuyến",
}

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RegisterRow:
    number: int
    code: str
    procedure: str
    applicant: str
    organisation: str
    address: str
    phone: str
    agency: str
    received: str
    appointment: str
    returned: str
    return_method: str

    @property
    def code_parts(self) -> list[str]:
        """The code cut after its hyphens, where a line may break when it has to."""
        return self.code.split("-")


def moment_text(value: datetime | None) -> str:
    return timezone.localtime(value).strftime(MOMENT_FORMAT) if value is not None else ""


def _row(number: int, dossier) -> RegisterRow:
    return RegisterRow(
        number=number,
        code=dossier.code or "",
        procedure=dossier.procedure.name,
        applicant=dossier.applicant_name,
        organisation=dossier.applicant_organisation,
        address=dossier.applicant_address,
        phone=dossier.applicant_phone,
        agency=dossier.agency.name,
        received=moment_text(dossier.received_at),
        appointment=moment_text(dossier.appointment_at),
        returned=moment_text(dossier.returned_at),
        return_method=RETURN_METHOD_TEXT.get(dossier.return_method, "")
        if dossier.returned_at
        else "",
    )


def register_rows(dossiers: QuerySet, *, progress: Progress | None = None) -> list[RegisterRow]:
    """One row per dossier of `dossiers` (already scoped), in order of reception.

    `progress(done, total)` is called before the first row, every PROGRESS_EVERY rows and once
    at the end with done == total == the number of rows built.
    """
    ordered = (
        # The caller's joins (a selector's current step, assignee…) are not printed.
        dossiers.select_related(None)
        .select_related("procedure", "agency")
        .only(
            "code",
            "procedure__name",
            "agency__name",
            "applicant_name",
            "applicant_organisation",
            "applicant_address",
            "applicant_phone",
            "received_at",
            "appointment_at",
            "returned_at",
            "return_method",
        )
        .order_by("received_at", "pk")
    )
    total = ordered.count() if progress is not None else 0
    if progress is not None:
        progress(0, total)
    rows: list[RegisterRow] = []
    for number, dossier in enumerate(ordered.iterator(chunk_size=ITERATOR_CHUNK), start=1):
        rows.append(_row(number, dossier))
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number, max(total, number))
    if progress is not None:
        # Rows received or deleted since the count: the final figures are the rows printed.
        progress(len(rows), len(rows))
    return rows


def register_context(
    *,
    dossiers: QuerySet,
    field,
    period: Period,
    issuer=None,
    as_of: datetime | None = None,
    basis: str = CURRENT_BASIS,
    progress: Progress | None = None,
) -> dict:
    """What the register prints: `dossiers` (scoped by the caller) received in `period` in the
    lĩnh vực `field`. `issuer` is the agency that keeps the book (the requester's); `as_of` the
    moment its figures were read, printed under the title."""
    received = dossiers.filter(
        procedure__field_id=field.pk, received_at__gte=period.t0, received_at__lt=period.t1
    )
    number, title = form_for("register", basis)
    return {
        "form_number": number,
        "form_title": title,
        "basis": basis,
        "issuer": agency_snapshot(issuer),
        "field": {"code": field.code, "name": field.name},
        "period_text": period_text(period),
        "as_of": moment_text(as_of),
        "rows": register_rows(received, progress=progress),
    }


def register_pdf(**kwargs) -> bytes:
    """The register as landscape A4 PDF bytes (arguments as `register_context`)."""
    return render_pdf(TEMPLATE, register_context(**kwargs))
