"""Who opened a dossier's personal data (Law 91/2025/QH15 on personal data protection).

Every time someone other than the applicant opens a dossier's staff page, one of its files or one
of its issued documents, one AccessRecord is written; the applicant's own data export is recorded
too. Auditors read them in the admin; the applicant sees them on the dossier page.

Append-only: the model and its queryset refuse updates and deletes, and database triggers refuse
them too (migration 0017). The only rows ever deleted are those of a draft deleted with its
applicant's account (dossiers.services.personal_data.account_close).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.roles import Role

from .dossier import AppendOnlyError, Dossier


class AccessKind(models.TextChoices):
    DOSSIER_PAGE = "dossier_page", _("Opened the dossier")
    FILE = "file", _("Downloaded a file")
    DOCUMENT = "document", _("Opened an issued document")
    EXPORT = "export", _("Downloaded in a personal data export")


class AccessRecordQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError("Access records are append-only; they are never deleted.")

    delete.alters_data = True
    delete.queryset_only = True

    def update(self, **kwargs):
        raise AppendOnlyError("Access records are append-only; they are never updated.")

    update.alters_data = True
    update.queryset_only = True


class AccessRecord(models.Model):
    """One opening of a dossier's personal data: who, in which role and agency, when, what."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="access_records"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The role and agency the person had at that moment (either may change later); the applicant
    # is shown these, not the officer's name.
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    what = models.CharField(_("what"), max_length=20, choices=AccessKind.choices)
    # The file or issued document opened, by id and by name (the name stays if the file goes).
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    label = models.CharField(_("object"), max_length=255, blank=True)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["dossier", "at"], name="dossiers_access_dossier_at_idx")]

    def __str__(self):
        return f"{self.dossier} {self.get_what_display()} {self.at:%d/%m/%Y %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Access records are append-only; they are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Access records are append-only; they are never deleted.")
