"""Official documents: the forms issued for one dossier, and batch documents.

An IssuedDocument is written in the same transaction as the event it belongs to, with a snapshot of
everything it prints; the PDF is rendered from that snapshot after commit and stored as a
DossierFile with its SHA-256. Rendering the snapshot again gives the same bytes, so the stored file
can be checked or rebuilt at any time, and an issued paper never changes when the dossier does.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import DocumentJobStatus, DocumentKind
from .dossier import Dossier, DossierEvent
from .handling import DossierFile


class IssuedDocument(models.Model):
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("form"), max_length=20, choices=DocumentKind.choices)
    basis = models.CharField(_("legal basis of the form"), max_length=50)
    number = models.CharField(_("number"), max_length=80)
    event = models.ForeignKey(
        DossierEvent,
        verbose_name=_("event"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    snapshot = models.JSONField(_("content"), default=dict)
    issued_at = models.DateTimeField(_("issued at"), db_index=True)
    file = models.OneToOneField(
        DossierFile,
        verbose_name=_("file"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issued_document",
    )

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["dossier", "issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind"], name="issued_document_one_per_event_and_kind"
            )
        ]
        indexes = [
            models.Index(
                fields=["issued_at"],
                condition=models.Q(file__isnull=True),
                name="issued_document_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_rendered(self) -> bool:
        return self.file_id is not None


def document_job_path(job: "DocumentJob", filename: str) -> str:
    return f"documents/{job.created_at:%Y/%m}/{job.pk}-{filename}"


class DocumentJob(models.Model):
    """A batch document (the register, the Biểu 06 report) built by a Celery task; the requester
    watches its progress and downloads the result."""

    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DocumentJobStatus.choices,
        default=DocumentJobStatus.QUEUED,
        db_index=True,
    )
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    file = models.FileField(_("file"), upload_to=document_job_path, max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document job")
        verbose_name_plural = _("document jobs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def percent(self) -> int:
        if self.status == DocumentJobStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)
