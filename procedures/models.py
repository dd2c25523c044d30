from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import (
    HOURS_PER_WORKING_DAY,
    AgencyKind,
    ApplicantType,
    OnlineLevel,
    ProcedureLevel,
    StepRole,
    SupplementPolicy,
    TimeUnit,
)
from .text import fold


class Agency(models.Model):
    """A state body: the province, a department and its divisions, a service centre, a commune."""

    code = models.CharField(
        _("electronic identifier code"),
        max_length=40,
        unique=True,
        help_text=_("The agency's electronic identifier (mã định danh), e.g. 000.00.16.H99."),
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    serves = models.ManyToManyField(
        "self",
        verbose_name=_("agencies served"),
        symmetrical=False,
        blank=True,
        related_name="served_by",
        help_text=_("Service centres only: the agencies whose dossiers its desk receives."),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    working_hours_note = models.CharField(_("working hours"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")), name="procedures_agency_not_own_parent"
            )
        ]

    def __str__(self):
        return self.name


class Field(models.Model):
    """A field of administrative work (lĩnh vực), e.g. "Foreign affairs"."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProcedureQuerySet(models.QuerySet):
    def published_on(self, day):
        """Versions published and valid on `day` (valid_until is the last valid day)."""
        return self.filter(is_published=True, valid_from__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )


class Procedure(models.Model):
    """One version of an administrative procedure as its publication decision states it.

    A code has several versions over time; a dossier points at the exact version it was received
    under, so editing or replacing a version never changes dossiers in progress.
    """

    code = models.CharField(_("procedure code"), max_length=30, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=500)
    field = models.ForeignKey(
        Field, verbose_name=_("field"), on_delete=models.PROTECT, related_name="procedures"
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("handling agency"),
        on_delete=models.PROTECT,
        related_name="procedures",
        help_text=_("The agency that resolves the dossier; its identifier starts dossier codes."),
    )
    decision_authority = models.CharField(
        _("competent authority"),
        max_length=255,
        help_text=_("Who decides, e.g. the Chairman of the Provincial People's Committee."),
    )
    level = models.CharField(
        _("level"), max_length=20, choices=ProcedureLevel.choices, default=ProcedureLevel.PROVINCE
    )
    applicant_type = models.CharField(
        _("who may apply"), max_length=20, choices=ApplicantType.choices, default=ApplicantType.BOTH
    )
    online_level = models.CharField(
        _("online level"), max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.PARTIAL
    )
    accepts_direct = models.BooleanField(_("accepted at the desk"), default=True)
    accepts_postal = models.BooleanField(_("accepted by post"), default=True)
    accepts_online = models.BooleanField(_("accepted online"), default=True)

    time_limit_amount = models.DecimalField(
        _("time limit"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    time_limit_unit = models.CharField(
        _("time limit unit"), max_length=20, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    time_limit_note = models.CharField(
        _("time limit note"),
        max_length=500,
        blank=True,
        help_text=_("As the publication decision words it, e.g. from receipt of a valid dossier."),
    )
    cutoff_15h = models.BooleanField(
        _("15:00 cut-off"),
        default=True,
        help_text=_("A dossier received after 15:00 counts from the next working day."),
    )
    supplement_policy = models.CharField(
        _("clock on supplement during processing"),
        max_length=10,
        choices=SupplementPolicy.choices,
        default=SupplementPolicy.RESTART,
    )
    supplement_policy_basis = models.CharField(
        _("legal basis of the supplement policy"), max_length=500, blank=True
    )

    steps_description = models.TextField(_("how to carry it out"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    fee_note = models.TextField(_("fees and charges"), blank=True)
    result = models.TextField(_("result"))
    legal_basis = models.TextField(_("legal basis"))
    publication_decision = models.CharField(_("publication decision"), max_length=255, blank=True)

    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("The last day this version applies.")
    )
    is_published = models.BooleanField(_("published"), default=False)

    # Code and name folded (no diacritics, lower case) so one index serves every spelling.
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="procedures_code_version"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="procedures_valid_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["is_published", "valid_from"], name="procedures_published_idx"),
        ]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text(code=self.code, name=self.name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("procedures:detail", kwargs={"code": self.code})

    @staticmethod
    def build_search_text(*, code: str, name: str) -> str:
        return fold(f"{code} {name}")

    @property
    def time_limit_hours(self) -> Decimal:
        """The time limit in budget hours (a day counts eight), to compare step budgets with."""
        if self.time_limit_unit == TimeUnit.WORKING_HOURS:
            return self.time_limit_amount
        return self.time_limit_amount * HOURS_PER_WORKING_DAY

    @property
    def submission_channels(self) -> list[str]:
        channels = []
        if self.accepts_direct:
            channels.append("direct")
        if self.accepts_postal:
            channels.append("postal")
        if self.accepts_online:
            channels.append("online")
        return channels


class RequiredDocument(models.Model):
    """A document the applicant must bring or upload (thành phần hồ sơ)."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="documents", verbose_name=_("procedure")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("name"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    original_count = models.PositiveSmallIntegerField(_("originals"), default=1)
    copy_count = models.PositiveSmallIntegerField(_("copies"), default=0)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    template_file = models.FileField(
        _("form template"), upload_to="procedure_templates/%Y/", blank=True
    )

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["procedure", "position", "pk"]

    def __str__(self):
        return self.name


class ProcedureStep(models.Model):
    """An internal step of the procedure with its role and its share of the time limit."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="steps", verbose_name=_("procedure")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("name"), max_length=255)
    role = models.CharField(_("role"), max_length=20, choices=StepRole.choices)
    budget_hours = models.DecimalField(
        _("budget (working hours)"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("procedure step")
        verbose_name_plural = _("procedure steps")
        ordering = ["procedure", "position", "pk"]

    def __str__(self):
        return self.name


class Fee(models.Model):
    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="fees", verbose_name=_("procedure")
    )
    name = models.CharField(_("name"), max_length=255)
    amount = models.PositiveBigIntegerField(
        _("amount (VND)"), null=True, blank=True, help_text=_("Empty when it depends on the case.")
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["procedure", "pk"]

    def __str__(self):
        return self.name
