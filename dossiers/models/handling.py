"""What happens to a dossier inside the agency: its steps, its files and the applicant's rating."""

from pathlib import PurePath
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from procedures.choices import StepRole

from ..choices import FilePurpose, SatisfactionLevel, Timeliness
from .dossier import Dossier


class DossierStep(models.Model):
    """One internal step of a dossier in processing, copied from the procedure's steps when the
    dossier is forwarded; one row per hand-over of the process control sheet (Mẫu 05).

    The current step is the unfinished one with the lowest position.
    """

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="steps"
    )
    procedure_step = models.ForeignKey(
        "procedures.ProcedureStep",
        verbose_name=_("procedure step"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=255)
    role = models.CharField(_("role"), max_length=20, choices=StepRole.choices)
    budget_hours = models.DecimalField(
        _("budget (working hours)"), max_digits=7, decimal_places=2, default=0
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    due_at = models.DateTimeField(_("step deadline"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    timeliness = models.CharField(
        _("timeliness"), max_length=10, choices=Timeliness.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    # Set by the deadline sweep when the step's near or missed deadline was reported, so it is
    # reported once.
    due_soon_flagged_at = models.DateTimeField(
        _("due-soon reminder sent at"), null=True, blank=True
    )
    overdue_flagged_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dossier step")
        verbose_name_plural = _("dossier steps")
        ordering = ["dossier", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "position"], name="dossiers_step_unique_position"
            ),
        ]
        indexes = [
            # The deadline sweep scans open steps by due time.
            models.Index(
                fields=["due_at"],
                condition=Q(finished_at__isnull=True),
                name="dossiers_step_open_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.name}"


def dossier_file_path(instance: "DossierFile", filename: str) -> str:
    """A random name under the dossier's folder: the original name is kept in the row only."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"dossier_files/{instance.dossier_id}/{uuid4().hex}{suffix}"


class DossierFile(models.Model):
    """An uploaded or scanned document of a dossier. Stored under MEDIA_ROOT and served only
    through the permission-checked download view."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="files"
    )
    required_document = models.ForeignKey(
        "procedures.RequiredDocument",
        verbose_name=_("required document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to=dossier_file_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    is_digitised = models.BooleanField(_("digitised at the desk"), default=False)
    is_reusable = models.BooleanField(_("reusable"), default=False)
    is_signed = models.BooleanField(_("digitally signed"), default=False)
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=FilePurpose.choices, default=FilePurpose.APPLICATION
    )

    class Meta:
        verbose_name = _("dossier file")
        verbose_name_plural = _("dossier files")
        ordering = ["dossier", "uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class Rating(models.Model):
    """The applicant's satisfaction with a returned dossier; at most one per dossier."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="rating"
    )
    level = models.CharField(_("satisfaction"), max_length=20, choices=SatisfactionLevel.choices)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=SatisfactionLevel.values), name="dossiers_rating_level_valid"
            ),
        ]

    def __str__(self):
        return f"{self.dossier}: {self.get_level_display()}"
