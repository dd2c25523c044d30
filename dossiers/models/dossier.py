from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..choices import (
    DossierAction,
    DossierChannel,
    DossierOutcome,
    DossierStatus,
    ReturnMethod,
    Timeliness,
)


class Dossier(models.Model):
    """One application (hồ sơ) under the exact procedure version it was submitted or received under.

    The status changes only through `dossiers.workflow.apply_transition`, called by the services.
    The due date and every input it was computed from are stored at reception, so neither a later
    catalogue edit nor a calendar change moves it.
    """

    code = models.CharField(
        _("dossier code"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Given at submission or reception: agency code, date and daily number."),
    )
    procedure = models.ForeignKey(
        "procedures.Procedure",
        verbose_name=_("procedure"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("handling agency"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    document_case = models.ForeignKey(
        "procedures.DocumentCase",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        help_text=_("For procedures whose documents depend on the case: the one applied under."),
    )

    applicant_name = models.CharField(_("applicant's name"), max_length=255)
    applicant_identity_number = models.CharField(
        _("personal identity number"), max_length=20, blank=True
    )
    applicant_phone = models.CharField(_("phone number"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    applicant_address = models.CharField(_("address"), max_length=500, blank=True)
    applicant_organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant's account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dossiers",
    )

    channel = models.CharField(_("channel"), max_length=10, choices=DossierChannel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=DossierStatus.choices, default=DossierStatus.DRAFT
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=DossierOutcome.choices, blank=True
    )

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    due_at = models.DateTimeField(_("legal deadline"), null=True, blank=True)
    appointment_at = models.DateTimeField(
        _("appointment"),
        null=True,
        blank=True,
        help_text=_("What the receipt promises; moves only with an apology letter."),
    )
    completed_at = models.DateTimeField(_("result ready at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refused at"), null=True, blank=True)

    timeliness = models.CharField(
        _("timeliness"), max_length=10, choices=Timeliness.choices, blank=True
    )
    timeliness_rule = models.CharField(_("timeliness rule"), max_length=20, blank=True)

    # Inputs of the due date, copied at reception from the procedure version and the calendar.
    due_rule_version = models.CharField(_("deadline rule version"), max_length=20, blank=True)
    due_calendar_fingerprint = models.CharField(
        _("working calendar fingerprint"), max_length=64, blank=True
    )
    due_starts_at = models.DateTimeField(_("clock started at"), null=True, blank=True)
    due_explanation = models.TextField(_("how the deadline was computed"), blank=True)
    time_limit_amount = models.DecimalField(
        _("time limit"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    time_limit_unit = models.CharField(_("time limit unit"), max_length=20, blank=True)
    cutoff_15h = models.BooleanField(_("15:00 cut-off"), null=True, blank=True)
    supplement_policy = models.CharField(
        _("clock on supplement during processing"), max_length=10, blank=True
    )

    # Handling inside the agency. The current step is kept by the services (the unfinished step
    # with the lowest position) so queues can filter on its role in one query.
    current_step = models.ForeignKey(
        "DossierStep",
        verbose_name=_("current step"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_dossiers",
    )
    return_method = models.CharField(
        _("return method"), max_length=10, choices=ReturnMethod.choices, blank=True
    )
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)

    # The open supplement request: what is missing and why.
    supplement_items = models.JSONField(_("documents to supplement"), default=list, blank=True)
    supplement_reason = models.TextField(_("reason for the supplement request"), blank=True)

    # A form posted twice (double click, retry) carries the same key and gets the same dossier.
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True)

    # Set once the reminder about a near or missed deadline went out, so it goes out once.
    due_soon_flagged_at = models.DateTimeField(
        _("due-soon reminder sent at"), null=True, blank=True
    )
    overdue_flagged_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True)

    # Applicant name, code, identity number and phone folded (no diacritics, lower case) for search.
    search_text = models.TextField(editable=False, default="")

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=DossierStatus.DRAFT) | Q(code__isnull=False),
                name="dossiers_dossier_code_after_draft",
            ),
            models.CheckConstraint(
                condition=Q(received_at__isnull=True) | Q(due_at__isnull=False),
                name="dossiers_dossier_received_has_due",
            ),
            models.UniqueConstraint(
                fields=["applicant_user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="dossiers_dossier_unique_user_idempotency_key",
            ),
            # Walk-ins have no applicant account: their key is unique on its own.
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key="") & Q(applicant_user__isnull=True),
                name="dossiers_dossier_unique_anonymous_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="dossiers_status_due_idx"),
            models.Index(fields=["agency", "received_at"], name="dossiers_agency_received_idx"),
        ]

    def __str__(self):
        return self.code or _("Draft dossier %(pk)s") % {"pk": self.pk}


class AppendOnlyError(Exception):
    """A dossier event was about to be changed or deleted."""


class DossierEventQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError("Dossier events are append-only; they are never deleted.")

    delete.alters_data = True
    delete.queryset_only = True


class DossierEvent(models.Model):
    """One line of a dossier's history: the process control sheet (Mẫu 05) and the audit trail.

    Append-only: the model refuses updates and deletes, and database triggers refuse them too
    (migration 0004).
    """

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("action"), max_length=40, choices=DossierAction.choices)
    from_status = models.CharField(
        _("from status"), max_length=20, choices=DossierStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=20, choices=DossierStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = DossierEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["dossier", "at"], name="dossiers_event_dossier_at_idx")]

    def __str__(self):
        return f"{self.get_action_display()} ({self.from_status or '–'} → {self.to_status})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Dossier events are append-only; they are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Dossier events are append-only; they are never deleted.")


class DossierCodeSequence(models.Model):
    """The last daily number given to a dossier code of one agency on one day.

    Its row is locked while a code is taken, so numbers run without gaps or repeats.
    """

    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    day = models.DateField(_("day"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("dossier code sequence")
        verbose_name_plural = _("dossier code sequences")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "day"], name="dossiers_codesequence_unique_agency_day"
            )
        ]

    def __str__(self):
        return f"{self.agency_id} {self.day:%Y-%m-%d}: {self.last_number}"


class Pause(models.Model):
    """A stop of the clock while the applicant supplements a dossier during processing.

    Opened by every supplement request during processing; an open pause has no `ended_at`. When it
    closes, the procedure's supplement policy decides the new due time: `pause` walks the working
    time left at `started_at` again from `ended_at`, `restart` counts the full limit again.
    """

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="pauses"
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    legal_basis = models.CharField(_("legal basis"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["dossier", "started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="dossiers_pause_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(ended_at__isnull=True),
                name="dossiers_pause_one_open_per_dossier",
                violation_error_message=_("This dossier is already paused."),
            ),
        ]

    def __str__(self):
        return f"{self.dossier} {self.started_at:%d/%m/%Y %H:%M}"
