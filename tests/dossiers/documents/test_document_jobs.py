"""Batch documents: the register (Mẫu 06) and the Biểu 06 report as landscape PDFs,
the job service (validation, scoping, failures, broker outage, sweep), the staff pages and one
run through a real Celery worker.

The worker test needs a broker and a database another process can open: with
CELERY_BROKER_URL=redis://… and DATABASE_URL=postgres://… it starts a PRIVATE redis-server and a
`celery -A portal worker` subprocess (tests/dossiers/worker_support.py); otherwise the same job
is built by the task run in this process.
"""

import hashlib
import os
import re
import socket
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from dossiers.choices import DocumentJobStatus, DocumentKind
from dossiers.documents import form_for
from dossiers.documents.register import (
    PROGRESS_EVERY,
    register_context,
    register_pdf,
    register_rows,
)
from dossiers.documents.register import (
    TEMPLATE as REGISTER_TEMPLATE,
)
from dossiers.documents.render import layout
from dossiers.documents.report import TEMPLATE as REPORT_TEMPLATE
from dossiers.documents.report import report_columns, report_context, report_pdf
from dossiers.generator import generate_dossiers
from dossiers.models import DocumentJob, Dossier
from dossiers.selectors.document_jobs import document_job_register_dossiers
from dossiers.services.document_job_queue import BUILD_TASK, enqueue_document_job
from dossiers.services.document_jobs import (
    QUEUED_GRACE,
    document_job_request,
    document_job_run,
    document_jobs_sweep,
)
from dossiers.statistics import Period, report_build
from dossiers.tasks import build_document_job_task
from portal.celery import app
from portal.roles import Role
from procedures.choices import AgencyKind
from procedures.exchange import catalogue_import_json
from procedures.models import Agency, Field
from tests.dossiers.pdf_checks import (
    A4_LANDSCAPE,
    assert_a4,
    assert_noto_serif_embedded,
    cut_off_text,
    reader,
    stamp,
    text,
)
from tests.dossiers.worker_support import (
    REDIS_SERVER,
    ROOT,
    PrivateRedis,
    Worker,
    database_url,
    wait_until,
)
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, UserFactory

S = DocumentJobStatus
K = DocumentKind
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
REGISTER_PARAMS = {"from": "01/10/2026", "to": "31/10/2026"}
PAGE_NUMBER = re.compile(r"Trang (\d+)/(\d+)")


# ---- data --------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    """The demo catalogue (Sở Ngoại vụ, served by the provincial centre) plus a second
    department, Sở Tư pháp, with a procedure in the same lĩnh vực and one in a lĩnh vực of its own.
    Nobody at Sở Ngoại vụ or its centre may see Sở Tư pháp's dossiers."""
    path = settings.BASE_DIR / "procedures" / "fixtures" / "demo_catalogue.json"
    catalogue_import_json(path.read_bytes())
    province = Agency.objects.get(code="000.00.00.H62")
    justice = AgencyFactory(
        code="000.00.17.H62",
        name="Sở Tư pháp tỉnh Tuyên Quang",
        kind=AgencyKind.DEPARTMENT,
        parent=province,
    )
    ProcedureFactory(
        code="9.000101",
        name="Cấp phép hội thảo pháp luật quốc tế",
        agency=justice,
        field=Field.objects.get(code="NGOAIVU.HNHT"),
    )
    ProcedureFactory(
        code="9.000102",
        name="Cấp phiếu lý lịch tư pháp",
        agency=justice,
        field=FieldFactory(code="TUPHAP.LLTP", name="Lý lịch tư pháp"),
    )
    return justice


@pytest.fixture
def dossiers(catalogue):
    generate_dossiers(count=120, seed=7, start=date(2026, 10, 1), end=date(2026, 10, 31), now=NOW)


@pytest.fixture
def field(catalogue):
    return Field.objects.get(code="NGOAIVU.HNHT")


@pytest.fixture
def department(catalogue):
    return Agency.objects.get(code="000.00.16.H62")


@pytest.fixture
def leader(department):
    return UserFactory(role=Role.LEADER, agency=department, first_name="Giám đốc Sở")


@pytest.fixture
def desk(catalogue):
    centre = Agency.objects.get(code="000.00.01.H62")
    return UserFactory(role=Role.DESK_OFFICER, agency=centre, first_name="Cán bộ Một cửa")


@pytest.fixture
def justice_leader(catalogue):
    return UserFactory(role=Role.LEADER, agency=catalogue, first_name="Giám đốc Sở Tư pháp")


@pytest.fixture
def citizen(db):
    return UserFactory(role=Role.CITIZEN)


def in_register(user, field, period=OCTOBER):
    """The dossiers a register of `field` over `period` requested by `user` lists, in order."""
    return (
        document_job_register_dossiers(user=user)
        .filter(procedure__field=field, received_at__gte=period.t0, received_at__lt=period.t1)
        .order_by("received_at", "pk")
    )


def register_of(user, field, **extra) -> bytes:
    return register_pdf(
        dossiers=document_job_register_dossiers(user=user),
        field=field,
        period=OCTOBER,
        issuer=user.agency,
        as_of=NOW,
        **extra,
    )


def register_job(user, field) -> DocumentJob:
    return document_job_request(
        user=user, kind=K.REGISTER, params={"field": str(field.pk), **REGISTER_PARAMS}
    )


def on_build_publish(monkeypatch, handle):
    """Route each publish of the build task (sent by name) to `handle(args, **options)`."""
    real_send_task = app.send_task

    def send_task(name, args=None, *rest, **options):
        if name != BUILD_TASK:
            return real_send_task(name, args, *rest, **options)
        return handle(args, **options)

    monkeypatch.setattr(app, "send_task", send_task)


@pytest.fixture
def published(monkeypatch):
    """Publishes of the build task, recorded instead of sent."""
    calls = []
    on_build_publish(monkeypatch, lambda args, **kwargs: calls.append(args))
    return calls


# ---- the register (Mẫu 06) ---------------------------------------------------------------------


def test_register_prints_each_scoped_dossier_with_its_code_applicant_and_times(
    dossiers, leader, field
):
    expected = list(in_register(leader, field))
    returned = [d for d in expected if d.returned_at]
    assert len(expected) >= 30 and returned  # the generator's mix

    data = register_of(leader, field)
    flat = text(data)

    assert form_for("register")[1] in flat  # SỔ THEO DÕI HỒ SƠ
    assert "Mẫu số 06" in flat
    assert f"Lĩnh vực: {field.name}" in flat
    assert "Từ ngày 01/10/2026 đến ngày 31/10/2026" in flat
    for dossier in expected:
        assert dossier.code in flat
        assert dossier.applicant_name in flat  # Vietnamese diacritics survive
        assert stamp(dossier.received_at) in flat
        assert stamp(dossier.appointment_at) in flat
    for dossier in returned:
        assert stamp(dossier.returned_at) in flat
    # Row numbers run 1..n, in the order of reception.
    positions = [flat.index(dossier.code) for dossier in expected]
    assert positions == sorted(positions)
    # The same input gives the same bytes (the job stores the SHA-256 of what it rendered).
    assert register_of(leader, field) == data


def test_register_is_landscape_a4_with_noto_serif_embedded_and_nothing_cut_off(
    dossiers, leader, field
):
    data = register_of(leader, field)

    assert_a4(data, landscape=True)
    assert_noto_serif_embedded(data)
    context = register_context(
        dossiers=document_job_register_dossiers(user=leader),
        field=field,
        period=OCTOBER,
        issuer=leader.agency,
        as_of=NOW,
    )
    assert cut_off_text(layout(REGISTER_TEMPLATE, context)) == []


def test_register_runs_over_several_pages_each_with_the_headings_and_its_number(
    dossiers, leader, field
):
    pages = [
        " ".join(page.extract_text().split()) for page in reader(register_of(leader, field)).pages
    ]

    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        for heading in ("STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Tên tổ chức, cá nhân",
                        "Cơ quan chủ trì giải quyết", "Nhận hồ sơ", "Hẹn trả kết quả",
                        "Trả kết quả", "Phương thức nhận kết quả", "Ký nhận"):  # fmt: skip
            assert heading in page, (number, heading)
        assert PAGE_NUMBER.findall(page) == [(str(number), str(len(pages)))]
    # The running title names the book on every page after the first.
    for page in pages[1:]:
        assert f"Lĩnh vực: {field.name}" in page


def test_register_rows_report_progress_every_hundred_rows(dossiers):
    calls = []

    rows = register_rows(
        Dossier.objects.exclude(received_at=None), progress=lambda *c: calls.append(c)
    )

    total = Dossier.objects.exclude(received_at=None).count()
    assert total > PROGRESS_EVERY
    assert [row.number for row in rows] == list(range(1, total + 1))
    assert calls == [(0, total), (PROGRESS_EVERY, total), (total, total)]


def test_an_empty_register_says_so(catalogue, leader, field):
    flat = text(register_of(leader, field))

    assert "Không có hồ sơ nào được tiếp nhận trong kỳ." in flat


# ---- the Biểu 06 report ------------------------------------------------------------------------


def _numbers_after(flat: str, label: str, count: int) -> list[int]:
    found = re.search(re.escape(label) + rf"((?: \d+){{{count}}})", flat)
    assert found, label
    return [int(value) for value in found.group(1).split()]


@pytest.mark.parametrize("grouping", ["field", "agency"])
def test_report_pdf_prints_report_build_numbers_and_totals(dossiers, leader, grouping):
    report = report_build(user=leader, period=OCTOBER, grouping=grouping)
    columns = report_columns()
    assert report.rows and report.total.counts["received_total"] > 0

    data = report_pdf(report=report, issuer=leader.agency, as_of=NOW)
    flat = text(data)

    assert_a4(data, landscape=True)
    assert_noto_serif_embedded(data)
    assert form_for("report")[1] in flat
    assert "Biểu số 06/VPCP/KSTT" in flat
    assert "Kỳ báo cáo: Từ ngày 01/10/2026 đến ngày 31/10/2026" in flat
    assert _numbers_after(flat, "Tổng cộng", len(columns)) == [
        report.total.counts[column] for column in columns
    ]
    for row in report.rows:
        assert _numbers_after(flat, str(row.label), len(columns)) == [
            row.counts[column] for column in columns
        ]
    # Sở Tư pháp's dossiers never reach Sở Ngoại vụ's leader.
    assert "Sở Tư pháp" not in flat
    document = layout(
        REPORT_TEMPLATE, report_context(report=report, issuer=leader.agency, as_of=NOW)
    )
    assert len(document.pages) == len(reader(data).pages)
    assert cut_off_text(document) == []


# ---- the service: request ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "params", "errors"),
    [
        (K.REGISTER, {**REGISTER_PARAMS}, {"field": ["Choose a field."]}),
        (
            K.REGISTER,
            {"field": "lĩnh vực", **REGISTER_PARAMS},
            {"field": ["Choose a field."]},
        ),
        (
            K.REGISTER,
            {"field": "TUPHAP", **REGISTER_PARAMS},
            {"field": ["Choose one of the fields your agencies handle."]},
        ),
        (
            K.REGISTER,
            {"field": "HNHT", "from": "2026-10-01", "to": "31/10/2026"},
            {"from": ["Enter the first day as dd/mm/yyyy."]},
        ),
        (
            K.REGISTER,
            {"field": "HNHT", "from": "01/10/2026", "to": "31/02/2026"},
            {"to": ["Enter the last day as dd/mm/yyyy."]},
        ),
        (
            K.REGISTER,
            {"field": "HNHT", "from": "31/10/2026", "to": "01/10/2026"},
            {"to": ["The first day comes after the last day."]},
        ),
        (
            K.REGISTER,
            {"field": "HNHT", "from": "01/01/2025", "to": "31/10/2026"},
            {"to": ["A register can cover at most 366 days."]},
        ),
        (
            K.REPORT,
            {"period": "month", "year": "2026", "month": "10", "grouping": "procedure"},
            {"grouping": ["Group the report by field or by agency."]},
        ),
        (
            K.REPORT,
            {"period": "custom", "from": "01/10/2026", "grouping": "field"},
            {"__all__": ["A custom period needs both dates (dd/mm/yyyy)."]},
        ),
        (
            K.REPORT,
            {"period": "month", "year": "1899", "month": "10"},
            {"year": ["Ensure this value is greater than or equal to 2000."]},
        ),
        ("receipt", {}, {"kind": ["Unknown document."]}),
    ],
)
def test_bad_parameters_are_refused_with_a_message_and_nothing_is_queued(
    leader, kind, params, errors, published
):
    codes = {
        "HNHT": str(Field.objects.get(code="NGOAIVU.HNHT").pk),
        "TUPHAP": str(Field.objects.get(code="TUPHAP.LLTP").pk),
    }
    if params.get("field") in codes:
        params = {**params, "field": codes[params["field"]]}

    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            document_job_request(user=leader, kind=kind, params=params)
        # Some messages are lazy (the statistics form's): read them in English too.
        assert refused.value.message_dict == errors
    assert not DocumentJob.objects.exists()
    assert published == []


def test_a_register_longer_than_the_row_limit_is_refused(dossiers, leader, field, monkeypatch):
    monkeypatch.setattr("dossiers.services.document_jobs.MAX_REGISTER_ROWS", 10)
    count = in_register(leader, field).count()

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        register_job(leader, field)

    assert refused.value.message_dict == {
        "to": [
            f"The register would list {count} dossiers; choose a shorter period "
            "(at most 10 dossiers)."
        ]
    }
    assert not DocumentJob.objects.exists()


@pytest.mark.parametrize(
    ("who", "kind"),
    [("citizen", K.REGISTER), ("specialist", K.REGISTER), ("desk", K.REPORT)],
)
def test_only_the_roles_of_a_document_may_request_it(request, catalogue, field, who, kind):
    if who == "specialist":
        user = UserFactory(role=Role.SPECIALIST, agency=Agency.objects.get(code="000.16.02.H62"))
    else:
        user = request.getfixturevalue(who)
    params = (
        {"field": str(field.pk), **REGISTER_PARAMS}
        if kind == K.REGISTER
        else {"period": "month", "year": "2026", "month": "10"}
    )

    with pytest.raises(PermissionDenied):
        document_job_request(user=user, kind=kind, params=params)

    assert not DocumentJob.objects.exists()


def test_a_request_queues_a_job_published_after_commit_and_a_double_click_reuses_it(
    leader, field, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = register_job(leader, field)

    assert len(callbacks) == 1
    assert published == [(job.pk,)]
    job.refresh_from_db()
    assert job.status == S.QUEUED
    assert job.kind == K.REGISTER
    assert job.requested_by == leader
    assert job.params == {"field": field.pk, "from": "01/10/2026", "to": "31/10/2026"}
    assert field.name in job.title and "01/10/2026" in job.title

    with django_capture_on_commit_callbacks(execute=True) as again:
        same = register_job(leader, field)

    assert same.pk == job.pk
    assert again == []
    assert DocumentJob.objects.count() == 1


def test_a_report_request_stores_the_period_as_the_statistics_page_takes_it(leader, published):
    job = document_job_request(
        user=leader,
        kind=K.REPORT,
        params={"period": "quarter", "year": "2026", "quarter": "3", "grouping": "agency"},
    )

    assert job.params == {"period": "quarter", "grouping": "agency", "year": "2026", "quarter": "3"}
    assert "01/07/2026 – 30/09/2026" in job.title


# ---- the service: build --------------------------------------------------------------------


def test_a_built_register_is_stored_with_its_size_and_sha256(dossiers, leader, field):
    job = register_job(leader, field)
    rows = in_register(leader, field).count()

    job = document_job_run(job_id=job.pk)

    assert job.status == S.DONE
    assert job.progress_total == job.progress_done == rows
    assert job.percent == 100
    assert job.started_at <= job.finished_at
    assert job.error == ""
    with job.file.open("rb") as handle:
        stored = handle.read()
    assert job.size == len(stored)
    assert job.sha256 == hashlib.sha256(stored).hexdigest()
    assert job.file.name.endswith(".pdf")
    assert "so-theo-doi-ho-so-ngoaivuhnht-20261001-20261031" in job.file.name


def test_a_register_never_lists_dossiers_of_agencies_the_requester_cannot_see(
    dossiers, catalogue, leader, desk, justice_leader, field
):
    """Sở Tư pháp has dossiers in the same lĩnh vực and period; neither Sở Ngoại vụ's leader nor
    the desk of the centre that serves only Sở Ngoại vụ ever gets them, and Sở Tư pháp's leader
    gets only those."""
    theirs = Dossier.objects.filter(agency=catalogue, procedure__field=field)
    ours = Dossier.objects.filter(agency__code="000.00.16.H62", procedure__field=field)
    in_october = {"received_at__gte": OCTOBER.t0, "received_at__lt": OCTOBER.t1}
    assert theirs.filter(**in_october).exists() and ours.filter(**in_october).exists()

    for user, hidden, shown in (
        (leader, theirs, ours),
        (desk, theirs, ours),
        (justice_leader, ours, theirs),
    ):
        job = document_job_run(job_id=register_job(user, field).pk)
        with job.file.open("rb") as handle:
            flat = text(handle.read())
        assert job.status == S.DONE
        assert job.progress_total == shown.filter(**in_october).count()
        for dossier in hidden.exclude(code=None):
            assert dossier.code not in flat
        for dossier in shown.filter(**in_october):
            assert dossier.code in flat


def test_a_built_report_is_stored(dossiers, leader):
    job = document_job_request(
        user=leader,
        kind=K.REPORT,
        params={"period": "month", "year": "2026", "month": "10", "grouping": "field"},
    )

    job = document_job_run(job_id=job.pk)

    assert job.status == S.DONE
    report = report_build(user=leader, period=OCTOBER, grouping="field")
    assert job.progress_total == len(report.rows)
    with job.file.open("rb") as handle:
        flat = text(handle.read())
    assert _numbers_after(flat, "Tổng cộng", len(report_columns())) == [
        report.total.counts[column] for column in report_columns()
    ]


def test_a_failed_render_marks_the_job_failed_with_a_message_and_stores_nothing(
    dossiers, leader, field, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("pango exploded")

    monkeypatch.setattr("dossiers.documents.register.render_pdf", broken)
    job = register_job(leader, field)

    with translation.override("en"):
        job = document_job_run(job_id=job.pk)

    assert job.status == S.FAILED
    assert "RuntimeError" in job.error
    assert job.finished_at is not None
    assert not job.file
    assert job.sha256 == "" and job.size == 0
    assert DocumentJob.objects.get(pk=job.pk).status == S.FAILED


def test_a_requester_who_lost_the_role_gets_a_failed_job(leader, field):
    job = register_job(leader, field)
    leader.groups.clear()

    job = document_job_run(job_id=job.pk)

    assert job.status == S.FAILED
    assert job.error
    assert not job.file


def test_a_second_delivery_of_the_same_job_builds_nothing(dossiers, leader, field):
    job = document_job_run(job_id=register_job(leader, field).pk)
    name, digest = job.file.name, job.sha256

    again = build_document_job_task.apply(args=(job.pk,)).get()

    assert again == {"job": job.pk, "status": S.DONE}
    job.refresh_from_db()
    assert (job.file.name, job.sha256) == (name, digest)


def test_a_job_deleted_before_its_worker_came_is_skipped(db):
    assert build_document_job_task.apply(args=(987654,)).get() == {
        "job": 987654,
        "status": "missing",
    }


# ---- broker outage and the sweep ---------------------------------------------------------------


def test_with_the_broker_down_the_job_waits_queued_and_the_sweep_publishes_it_again(
    dossiers, leader, field, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    on_build_publish(monkeypatch, down)
    with django_capture_on_commit_callbacks(execute=True):
        job = register_job(leader, field)  # no error for the requester
    job.refresh_from_db()
    assert job.status == S.QUEUED

    # Still down at the next sweep: nothing lost, nothing published.
    later = timezone.now() + QUEUED_GRACE + timedelta(seconds=1)
    assert document_jobs_sweep(now=later) == {"failed": 0, "stale": 1, "requeued": 0}
    assert DocumentJob.objects.get(pk=job.pk).status == S.QUEUED

    # The broker is back.
    published = []
    on_build_publish(monkeypatch, lambda args, **kwargs: published.append(args))
    assert document_jobs_sweep(now=later) == {"failed": 0, "stale": 1, "requeued": 1}
    assert published == [(job.pk,)]
    build_document_job_task.apply(args=published[0])
    assert DocumentJob.objects.get(pk=job.pk).status == S.DONE


def test_publishing_to_a_dead_broker_fails_at_once_without_retries(db, monkeypatch):
    """The publish after a request's commit makes one attempt on a connection of its own (short
    connect timeout, no reconnection retries, no publish retries), so a dead broker costs the
    request one refused connection, not the pooled connection's ~6 s of retries."""
    connections, publishes = [], []
    real_connection_for_write = app.connection_for_write
    real_send_task = app.send_task

    def connection_spy(*args, **kwargs):
        connections.append(kwargs)
        return real_connection_for_write(*args, **kwargs)

    def send_task_spy(*args, **kwargs):
        publishes.append(kwargs)
        return real_send_task(*args, **kwargs)

    monkeypatch.setattr(app, "connection_for_write", connection_spy)
    monkeypatch.setattr(app, "send_task", send_task_spy)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with app_broker(f"redis://127.0.0.1:{port}/0"):  # nobody listens there
        assert enqueue_document_job(1) is False

    # The first connection is the publish's own (Celery may later build a disabled event
    # dispatcher's, which never connects).
    assert connections[0] == {"connect_timeout": 1.0, "transport_options": {"max_retries": 0}}
    assert len(publishes) == 1
    assert publishes[0]["retry"] is False


def test_the_sweep_fails_jobs_whose_worker_died_and_leaves_young_ones_alone(
    leader, field, published
):
    now = timezone.now()
    young = register_job(leader, field)
    dead = DocumentJob.objects.create(
        kind=K.REGISTER,
        requested_by=leader,
        status=S.RUNNING,
        started_at=now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61),
    )
    busy = DocumentJob.objects.create(
        kind=K.REGISTER, requested_by=leader, status=S.RUNNING, started_at=now
    )

    assert document_jobs_sweep(now=now) == {"failed": 1, "stale": 0, "requeued": 0}

    statuses = dict(DocumentJob.objects.values_list("pk", "status"))
    assert statuses == {young.pk: S.QUEUED, dead.pk: S.FAILED, busy.pk: S.RUNNING}
    assert DocumentJob.objects.get(pk=dead.pk).error
    assert published == []


# ---- pages -------------------------------------------------------------------------------------

LIST = reverse("dossiers:document_jobs")


def _job_url(job, name="dossiers:document_job"):
    return reverse(name, kwargs={"pk": job.pk})


@pytest.fixture
def done_job(dossiers, leader, field):
    return document_job_run(job_id=register_job(leader, field).pk)


def test_urls():
    assert LIST == "/documents/"
    assert reverse("dossiers:document_job", kwargs={"pk": 7}) == "/documents/7/"
    assert reverse("dossiers:document_job_download", kwargs={"pk": 7}) == "/documents/7/download/"


def test_citizens_get_403_and_anonymous_visitors_the_staff_login(client, citizen, done_job):
    urls = [LIST, _job_url(done_job), _job_url(done_job, "dossiers:document_job_download")]
    for url in urls:
        assert client.get(url).status_code == 302
        assert reverse("portal:staff_login") in client.get(url)["Location"]
    client.force_login(citizen)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(LIST, {"kind": "register"}).status_code == 403


def test_other_staff_get_404_on_someone_elses_job(client, done_job, desk):
    client.force_login(desk)

    for name in ("dossiers:document_job", "dossiers:document_job_download"):
        assert client.get(_job_url(done_job, name)).status_code == 404
    assert client.get(_job_url(done_job), HTTP_HX_REQUEST="true").status_code == 404
    assert _job_url(done_job) not in client.get(LIST).content.decode()


def test_the_page_offers_each_role_its_documents_and_no_inline_code(
    client, leader, desk, catalogue
):
    client.force_login(desk)
    page = client.get(LIST)
    content = page.content.decode()
    assert page.status_code == 200
    assert 'id="register-form"' in content and 'id="report-form"' not in content
    # The desk may keep the register of the lĩnh vực of the agencies its centre serves.
    assert "Hội nghị, hội thảo quốc tế" in content and "Lý lịch tư pháp" not in content

    client.force_login(leader)
    content = client.get(LIST).content.decode()
    assert 'id="register-form"' in content and 'id="report-form"' in content
    assert ' style="' not in content and "<style" not in content
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", content))
    assert LIST in client.get(reverse("portal:staff_home")).content.decode()


def test_posting_the_register_form_queues_a_job_and_shows_its_page(
    client, leader, field, published
):
    client.force_login(leader)

    response = client.post(LIST, {"kind": "register", "field": field.pk, **REGISTER_PARAMS})

    job = DocumentJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _job_url(job)
    assert job.requested_by == leader and job.status == S.QUEUED
    page = client.get(_job_url(job)).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert "vendor/htmx/htmx.min.js" in page


def test_a_bad_register_form_is_shown_again_with_the_message(client, leader, field, published):
    client.force_login(leader)

    with translation.override("en"):
        response = client.post(
            LIST,
            {"kind": "register", "field": field.pk, "from": "31/10/2026", "to": "01/10/2026"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert response.status_code == 400
    assert not DocumentJob.objects.exists()
    assert 'value="31/10/2026"' in response.content.decode()
    assert response.context["register_errors"] == {
        "to": ["The first day comes after the last day."]
    }


def test_the_progress_fragment_polls_while_running_and_offers_the_download_when_done(
    client, leader, field, dossiers, published
):
    job = register_job(leader, field)
    DocumentJob.objects.filter(pk=job.pk).update(
        status=S.RUNNING, started_at=timezone.now(), progress_done=25, progress_total=100
    )
    client.force_login(leader)

    running = client.get(_job_url(job), HTTP_HX_REQUEST="true")

    fragment = running.content.decode()
    assert running.status_code == 200
    assert "<html" not in fragment and fragment.strip().startswith('<div id="job-status"')
    assert 'hx-trigger="every 1s"' in fragment
    assert 'aria-valuenow="25"' in fragment and 'width="25"' in fragment
    assert "HX-Request" in running["Vary"]
    assert "no-cache" in running["Cache-Control"]

    DocumentJob.objects.filter(pk=job.pk).update(status=S.QUEUED)
    document_job_run(job_id=job.pk)
    done = client.get(_job_url(job), HTTP_HX_REQUEST="true").content.decode()

    assert "hx-trigger" not in done
    assert 'aria-valuenow="100"' in done
    assert _job_url(job, "dossiers:document_job_download") in done


def test_the_requester_downloads_the_stored_pdf(client, leader, done_job):
    client.force_login(leader)

    response = client.get(_job_url(done_job, "dossiers:document_job_download"))

    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "so-theo-doi-ho-so-ngoaivuhnht-20261001-20261031.pdf" in response["Content-Disposition"]
    assert hashlib.sha256(body).hexdigest() == done_job.sha256
    assert len(body) == done_job.size


def test_a_job_that_is_not_done_has_nothing_to_download(client, leader, field, published):
    job = register_job(leader, field)
    client.force_login(leader)

    assert client.get(_job_url(job, "dossiers:document_job_download")).status_code == 404


# ---- a real worker -----------------------------------------------------------------------------

REAL_WORKER = settings.CELERY_BROKER_URL.startswith("redis")
_BROKER_SETTINGS = ("broker_url", "broker_read_url", "broker_write_url")


@contextmanager
def app_broker(url: str):
    """Point this process's Celery app (the service's publish after commit) at `url`."""
    old = {name: app.conf[name] for name in _BROKER_SETTINGS}
    old_pool, old_producers = app._pool, app.amqp._producer_pool
    app.conf.update(dict.fromkeys(_BROKER_SETTINGS, url))
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.update(old)
        app._pool, app.amqp._producer_pool = old_pool, old_producers


@pytest.mark.django_db(transaction=True)
def test_a_worker_builds_a_requested_register_from_queued_to_done(tmp_path, settings):
    path = settings.BASE_DIR / "procedures" / "fixtures" / "demo_catalogue.json"
    catalogue_import_json(path.read_bytes())
    generate_dossiers(count=60, seed=11, start=date(2026, 10, 1), end=date(2026, 10, 31), now=NOW)
    field = Field.objects.get(code="NGOAIVU.HNHT")
    leader = UserFactory(role=Role.LEADER, agency=Agency.objects.get(code="000.00.16.H62"))
    rows = in_register(leader, field).count()
    assert rows > 0
    url = database_url()

    if REAL_WORKER and url:
        assert REDIS_SERVER, "this test needs redis-server (apt-get install redis-server)"
        redis = PrivateRedis(tmp_path)
        redis.start()
        worker = Worker(
            tmp_path,
            settings.CELERY_TASK_DEFAULT_QUEUE,  # where the service publishes
            {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "DJANGO_SETTINGS_MODULE": "portal.settings.test",
                "DATABASE_URL": url,
                "CELERY_BROKER_URL": redis.url,
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            },
            "documents",
        )
        try:
            worker.start()
            with app_broker(redis.url):
                job = register_job(leader, field)  # published after its commit
            assert job.status == S.QUEUED
            wait_until(
                lambda: DocumentJob.objects.get(pk=job.pk).status in (S.DONE, S.FAILED),
                timeout=120,
                message="the worker did not finish the job:\n" + worker.output(),
            )
            assert "build_document_job_task" in worker.output()
        finally:
            worker.stop()
            redis.stop()
    else:
        # No broker another process can share: the task, as the worker would run it.
        job = register_job(leader, field)
        assert job.status == S.QUEUED
        build_document_job_task.apply(args=(job.pk,))

    job.refresh_from_db()
    assert job.status == S.DONE, job.error
    assert job.progress_total == job.progress_done == rows
    with job.file.open("rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == job.sha256
    assert len(data) == job.size
    assert reader(data).pages[0].mediabox.width > reader(data).pages[0].mediabox.height
    assert abs(float(reader(data).pages[0].mediabox.width) - A4_LANDSCAPE[0]) < 1
