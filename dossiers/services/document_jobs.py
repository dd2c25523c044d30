"""Writes of the batch documents: request the register (Mẫu 06) or the Biểu 06 report,
build it in a Celery worker, and sweep the jobs a broker outage or a dead worker left behind.

`document_job_request` validates the parameters (ValidationError with a message per field), writes
the job row and, after commit, publishes `build_document_job_task`. `document_job_run` claims a
queued job, builds the document from data scoped to the requester, stores the PDF with its size
and SHA-256 and marks the job done; any error marks it failed with a message, never running.

Broker outage: the job row is the outbox. Publishing happens after commit, in one attempt with a
1 s connect timeout (`document_job_queue.enqueue_document_job`, beside this module), so a dead
broker costs the request almost nothing and the job simply stays queued. `document_jobs_sweep`
(beat task `dossiers.tasks.sweep_document_jobs_task`) publishes again every job queued longer
than QUEUED_GRACE, and fails every job running longer than the task's hard time limit (its worker
was killed). A job published twice is built once: only a queued job can be claimed.
"""

import hashlib
import logging
import re
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from procedures.selectors import agency_serving_portal

from ..choices import DocumentJobStatus, DocumentKind
from ..documents.register import register_pdf
from ..documents.report import GROUPINGS as REPORT_GROUPINGS
from ..documents.report import report_pdf
from ..models import DocumentJob
from ..selectors.document_jobs import (
    document_job_fields_for,
    document_job_kinds_for,
    document_job_register_dossiers,
)
from ..statistics import Period, report_build
from ..statistics.params import GROUPING_LABELS, ReportQuery, report_params
from .document_job_queue import enqueue_document_job

logger = logging.getLogger(__name__)

S = DocumentJobStatus
K = DocumentKind

DATE_FORMAT = "%d/%m/%Y"
DAY_PATTERN = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
MIN_YEAR = 2000
MAX_YEAR = 2100
# A register is a book of one lĩnh vực: a year at most. WeasyPrint lays the whole document out in
# memory, about 20 ms and 0.27 MB a row (bench/RESULTS.md): 2,000 rows take some 40 s and 550 MB
# in one worker process, well inside the task's soft time limit.
MAX_REGISTER_DAYS = 366
MAX_REGISTER_ROWS = 2000
# The sweep leaves a job this young to the message published at its commit.
QUEUED_GRACE = timedelta(minutes=2)
# Jobs published again per sweep (the oldest first).
SWEEP_LIMIT = 100


class JobRefused(Exception):
    """A job that cannot be built as asked; its message is what the requester reads."""


# ---- request -----------------------------------------------------------------------------------


def parse_day(text: str) -> date:
    """A day written dd/mm/yyyy (one-digit day and month allowed); ValueError otherwise."""
    found = DAY_PATTERN.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"Not a dd/mm/yyyy day: {text!r}")
    day, month, year = (int(part) for part in found.groups())
    return date(year, month, day)


def _day(value, message: str) -> date:
    try:
        day = parse_day(str(value or ""))
    except ValueError:
        raise ValidationError(message) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationError(_("The dates are out of range."))
    return day


def _register_params(*, user, params: dict) -> tuple[dict, str]:
    """The register's parameters as stored (field id, first and last day as dd/mm/yyyy) and
    its title; ValidationError with a message per bad field."""
    errors: dict[str, list[str]] = {}
    field = None
    try:
        field_id = int(params.get("field") or "")
    except (TypeError, ValueError):
        errors["field"] = [_("Choose a field.")]
    else:
        field = document_job_fields_for(user=user).filter(pk=field_id).first()
        if field is None:
            errors["field"] = [_("Choose one of the fields your agencies handle.")]
    days = {}
    for name, message in (
        ("from", _("Enter the first day as dd/mm/yyyy.")),
        ("to", _("Enter the last day as dd/mm/yyyy.")),
    ):
        try:
            days[name] = _day(params.get(name), message)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    first, last = days["from"], days["to"]
    if first > last:
        raise ValidationError({"to": [_("The first day comes after the last day.")]})
    if (last - first).days + 1 > MAX_REGISTER_DAYS:
        raise ValidationError(
            {"to": [_("A register can cover at most %(days)s days.") % {"days": MAX_REGISTER_DAYS}]}
        )
    period = Period(first, last)
    count = _register_rows(user=user, field=field, period=period).count()
    if count > MAX_REGISTER_ROWS:
        raise ValidationError(
            {
                "to": [
                    _(
                        "The register would list %(count)s dossiers; choose a shorter period "
                        "(at most %(limit)s dossiers)."
                    )
                    % {"count": count, "limit": MAX_REGISTER_ROWS}
                ]
            }
        )
    stored = {
        "field": field.pk,
        "from": first.strftime(DATE_FORMAT),
        "to": last.strftime(DATE_FORMAT),
    }
    title = _("Dossier register: %(field)s, %(first)s – %(last)s") % {
        "field": field.name,
        "first": stored["from"],
        "last": stored["to"],
    }
    return stored, title


def _register_rows(*, user, field, period: Period):
    return document_job_register_dossiers(user=user).filter(
        procedure__field_id=field.pk, received_at__gte=period.t0, received_at__lt=period.t1
    )


def _report_params(*, params: dict) -> tuple[dict, str]:
    """The report's period and grouping as the statistics page takes them (`period=month|quarter
    |year|custom`, `year`, `month`, `quarter`, `from`, `to`, `grouping=field|agency`)."""
    data = {name: str(value) for name, value in params.items() if value is not None}
    grouping = data.get("grouping") or "field"
    if grouping not in REPORT_GROUPINGS:
        raise ValidationError({"grouping": [_("Group the report by field or by agency.")]})
    data["grouping"] = grouping
    form = ReportQuery(data)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    parsed = report_params(data)
    stored = parsed.query()
    title = _("Statistics report (Biểu 06): %(period)s, by %(grouping)s") % {
        "period": str(parsed.period),
        "grouping": str(GROUPING_LABELS.get(grouping, grouping)).lower(),
    }
    return stored, title


@transaction.atomic(durable=True)
def document_job_request(*, user, kind: str, params: dict) -> DocumentJob:
    """Queue the document `kind` (register or report) for `user` and return its job.

    The same request while an identical job of the same user is still queued or running returns
    that job (a double click builds one document). The build is published after commit.
    """
    if kind not in (K.REGISTER, K.REPORT):
        raise ValidationError({"kind": [_("Unknown document.")]})
    if kind not in document_job_kinds_for(user=user):
        raise PermissionDenied(_("You may not request this document."))
    params = params or {}
    if kind == K.REGISTER:
        stored, title = _register_params(user=user, params=params)
    else:
        stored, title = _report_params(params=params)
    pending = DocumentJob.objects.filter(
        requested_by=user, kind=kind, status__in=[S.QUEUED, S.RUNNING]
    )
    for job in pending:
        if job.params == stored:
            return job
    job = DocumentJob(kind=kind, params=stored, title=title[:255], requested_by=user)
    job.full_clean()
    job.save()
    transaction.on_commit(partial(enqueue_document_job, job.pk))
    return job


# ---- build -------------------------------------------------------------------------------------


def _running_timeout() -> timedelta:
    """How long a job may run before the sweep takes its worker for dead: past the hard time
    limit, Celery has killed the task."""
    limit = getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 300
    return timedelta(seconds=limit + 60)


def _claim(job_id: int) -> tuple[DocumentJob, bool]:
    """Mark a queued job running; (job, False) when it is not queued (already built, failed or
    taken by another worker)."""
    with transaction.atomic():
        job = (
            DocumentJob.objects.select_for_update(of=("self",), no_key=True)
            .select_related("requested_by")
            .get(pk=job_id)
        )
        if job.status != S.QUEUED:
            return job, False
        job.status = S.RUNNING
        job.started_at = timezone.now()
        job.progress_done = job.progress_total = 0
        job.error = ""
        job.save(update_fields=["status", "started_at", "progress_done", "progress_total", "error"])
    return job, True


def _progress_recorder(job: DocumentJob):
    """A `progress(done, total)` callback writing straight to the row (outside any
    transaction, so the requester's page sees it at once)."""

    def record(done: int, total: int) -> None:
        DocumentJob.objects.filter(pk=job.pk, status=S.RUNNING).update(
            progress_done=done, progress_total=total
        )
        job.progress_done, job.progress_total = done, total

    return record


def _issuer(user):
    """The agency printed as the keeper of the book or the reporting unit."""
    return getattr(user, "agency", None) or agency_serving_portal()


def _build_register(job: DocumentJob, progress) -> tuple[bytes, str]:
    user = job.requested_by
    params = job.params
    field = document_job_fields_for(user=user).filter(pk=params.get("field")).first()
    if field is None:
        raise JobRefused(_("The field is no longer one that your agencies handle."))
    first, last = parse_day(params["from"]), parse_day(params["to"])
    data = register_pdf(
        dossiers=document_job_register_dossiers(user=user),
        field=field,
        period=Period(first, last),
        issuer=_issuer(user),
        as_of=job.started_at,
        progress=progress,
    )
    name = f"so-theo-doi-ho-so-{slugify(field.code)}-{first:%Y%m%d}-{last:%Y%m%d}.pdf"
    return data, name


def _build_report(job: DocumentJob, progress) -> tuple[bytes, str]:
    user = job.requested_by
    parsed = report_params(job.params)
    progress(0, 1)
    report = report_build(user=user, period=parsed.period, grouping=parsed.grouping)
    rows = len(report.rows)
    progress(rows, rows)
    data = report_pdf(report=report, issuer=_issuer(user), as_of=job.started_at)
    period = parsed.period
    name = f"bieu-06-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}-{parsed.grouping}.pdf"
    return data, name


BUILDERS = {K.REGISTER: _build_register, K.REPORT: _build_report}


def _store(job: DocumentJob, data: bytes, filename: str) -> DocumentJob:
    with transaction.atomic():
        locked = DocumentJob.objects.select_for_update(no_key=True).get(pk=job.pk)
        if locked.status != S.RUNNING:
            # The sweep gave up on this run meanwhile: its verdict stands, nothing is stored.
            return locked
        locked.file.save(filename, ContentFile(data), save=False)
        name, storage = locked.file.name, locked.file.storage
        try:
            locked.size = len(data)
            locked.sha256 = hashlib.sha256(data).hexdigest()
            locked.status = S.DONE
            locked.finished_at = timezone.now()
            locked.progress_done = locked.progress_total = max(
                job.progress_total, locked.progress_total
            )
            locked.error = ""
            locked.save(
                update_fields=[
                    "file",
                    "size",
                    "sha256",
                    "status",
                    "finished_at",
                    "progress_done",
                    "progress_total",
                    "error",
                ]
            )
        except BaseException:
            storage.delete(name)
            raise
    return locked


def _fail(job_id: int, message: str) -> DocumentJob:
    DocumentJob.objects.filter(pk=job_id, status=S.RUNNING).update(
        status=S.FAILED, error=message, finished_at=timezone.now()
    )
    return DocumentJob.objects.get(pk=job_id)


def document_job_run(*, job_id: int) -> DocumentJob:
    """Build a queued job's document and store it; a job that is not queued is returned as it
    is (a redelivered or duplicate message). Raises DocumentJob.DoesNotExist for a deleted job."""
    job, claimed = _claim(job_id)
    if not claimed:
        return job
    # Stored messages and the document's own text are in the site's language, not the worker's.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            if job.kind not in document_job_kinds_for(user=job.requested_by):
                raise JobRefused(_("You may no longer request this document."))
            data, filename = BUILDERS[job.kind](job, _progress_recorder(job))
            return _store(job, data, filename)
        except JobRefused as exc:
            logger.info("document_job.refused job=%s reason=%s", job.pk, exc)
            return _fail(job.pk, str(exc))
        except Exception as exc:  # noqa: BLE001 - whatever broke, the job must not stay running
            logger.exception("document_job.failed job=%s", job.pk)
            return _fail(
                job.pk,
                _(
                    "The document could not be built (%(error)s). Request it again; if it "
                    "fails again, tell the administrator."
                )
                % {"error": type(exc).__name__},
            )


# ---- sweep -------------------------------------------------------------------------------------


def document_jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Publish again the jobs queued longer than QUEUED_GRACE (the broker was down or lost the
    message) and fail the jobs running longer than the task's hard time limit (their worker
    died). Idempotent: a job published twice is built once."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        message = _(
            "The worker building this document stopped before it finished. Request it again."
        )
    failed = DocumentJob.objects.filter(
        status=S.RUNNING, started_at__lt=now - _running_timeout()
    ).update(status=S.FAILED, error=message, finished_at=now)
    stale = list(
        DocumentJob.objects.filter(status=S.QUEUED, created_at__lt=now - QUEUED_GRACE)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    requeued = sum(1 for job_id in stale if enqueue_document_job(job_id))
    if failed or stale:
        logger.info(
            "document_job.swept failed=%s stale=%s requeued=%s", failed, len(stale), requeued
        )
    return {"failed": failed, "stale": len(stale), "requeued": requeued}
