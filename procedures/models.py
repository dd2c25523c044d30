from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import (
    HOURS_PER_WORKING_DAY,
    UNITS_WITHOUT_AMOUNT,
    AgencyKind,
    ApplicantType,
    Channel,
    OnlineLevel,
    ProcedureLevel,
    StepRole,
    SupplementPolicy,
    TimeUnit,
)
from .search import procedure_search_columns
from .usage import VersionInUseError, dossiers_using

# Counts printed on a catalogue record (originals, copies): the same bound on every database
# (SQLite would store any integer, PostgreSQL refuses above a smallint).
_SMALL_COUNT = [MinValueValidator(0), MaxValueValidator(32767)]


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

    def with_level(self, level: str):
        """Versions carried out at `level` (one of ProcedureLevel; no value contains another)."""
        return self.filter(levels__contains=level)

    def without_usable_limit(self):
        """Versions that accept no dossier until the province sets a time limit of its own: no
        limit, general or of a channel, that a deadline can be computed from (TimeLimit.is_set)."""
        usable_channel = ChannelTimeLimit.objects.filter(procedure=OuterRef("pk")).filter(
            _usable_limit_q("amount", "unit")
        )
        return self.exclude(_usable_limit_q("time_limit_amount", "time_limit_unit")).exclude(
            Exists(usable_channel)
        )

    def accepting(self, channel: str):
        """Versions that take dossiers through `channel` (Procedure.accepts_channel as a query):
        the channel is open and its limit (its own row, else the general one) is usable."""
        flag = {
            Channel.ONLINE: "accepts_online",
            Channel.DIRECT: "accepts_direct",
            Channel.POSTAL: "accepts_postal",
        }[channel]
        own_row = ChannelTimeLimit.objects.filter(procedure=OuterRef("pk"), channel=channel)
        return self.filter(**{flag: True}).filter(
            Exists(own_row.filter(_usable_limit_q("amount", "unit")))
            | (~Exists(own_row) & _usable_limit_q("time_limit_amount", "time_limit_unit"))
        )


def _usable_limit_q(amount: str, unit: str) -> Q:
    """TimeLimit.is_set as a query on the `amount` and `unit` columns."""
    return Q(**{f"{unit}__in": UNITS_WITHOUT_AMOUNT}) & ~Q(**{unit: TimeUnit.NOT_STATED}) | (
        ~Q(**{f"{unit}__in": [*UNITS_WITHOUT_AMOUNT, ""]}) & Q(**{f"{amount}__gt": 0})
    )


def validate_levels(value: str) -> None:
    allowed = set(ProcedureLevel.values)
    items = [item for item in value.split(",") if item]
    if not items:
        raise ValidationError(_("Choose at least one level."), code="levels_empty")
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise ValidationError(
            _("Unknown level(s): %(levels)s. Use %(allowed)s.")
            % {"levels": ", ".join(unknown), "allowed": ", ".join(ProcedureLevel.values)},
            code="levels_unknown",
        )


@dataclass(frozen=True)
class TimeLimit:
    """A time limit as published: amount + unit (+ the wording of the decision)."""

    amount: Decimal | None
    unit: str
    note: str = ""

    @property
    def is_set(self) -> bool:
        """A limit a deadline can be computed from; otherwise no dossier is accepted."""
        if self.unit == TimeUnit.NOT_STATED or not self.unit:
            return False
        if self.unit in UNITS_WITHOUT_AMOUNT:
            return True
        return self.amount is not None and self.amount > 0


class VersionContent(models.Model):
    """A part of a procedure version (document, step, fee …): frozen once dossiers use it."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.procedure.refuse_change_if_in_use()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.procedure.refuse_change_if_in_use()
        return super().delete(*args, **kwargs)


class Procedure(models.Model):
    """One version of an administrative procedure as its publication decision states it.

    A code has several versions over time; a dossier points at the exact version it was received
    under. A version any dossier references is frozen: saving a change to its content (or to any
    of its documents, steps, fees, cases, limits, results or legal basis rows) raises
    VersionInUseError; a change becomes a new version. Only its validity (valid_until,
    is_published) may still change, which is how a newer version replaces it.
    """

    # Fields that may change on a version in use: when it stops applying and whether it shows.
    LIFECYCLE_FIELDS = frozenset({"valid_until", "is_published"})

    code = models.CharField(_("procedure code"), max_length=30, db_index=True)
    version = models.PositiveIntegerField(
        _("version"), default=1, validators=[MaxValueValidator(2_147_483_647)]
    )
    name = models.TextField(_("name"))
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
    other_agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("other handling agencies"),
        blank=True,
        related_name="also_handled_procedures",
        help_text=_("Further agencies that carry out this procedure, as the record lists them."),
    )
    decision_authority = models.TextField(
        _("competent authority"),
        blank=True,
        help_text=_("Who decides, e.g. the Chairman of the Provincial People's Committee."),
    )
    authorised_agency = models.TextField(_("authorised agency"), blank=True)
    coordinating_agency = models.TextField(_("coordinating agency"), blank=True)
    levels = models.CharField(
        _("levels"),
        max_length=100,
        default=ProcedureLevel.PROVINCE,
        validators=[validate_levels],
        help_text=_("Comma-separated: ministry, province, commune, other."),
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

    # The general time limit; a channel with a limit of its own has a ChannelTimeLimit row.
    time_limit_amount = models.DecimalField(
        _("time limit"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    time_limit_unit = models.CharField(
        _("time limit unit"), max_length=20, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    time_limit_note = models.TextField(
        _("time limit note"),
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
    supplement_policy_basis = models.TextField(
        _("legal basis of the supplement policy"), blank=True
    )

    steps_description = models.TextField(_("how to carry it out"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    fee_note = models.TextField(_("fees and charges"), blank=True)
    result = models.TextField(_("result"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    publication_decision = models.TextField(_("publication decision"), blank=True)

    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("The last day this version applies.")
    )
    is_published = models.BooleanField(_("published"), default=False)

    # Folded words (procedures.search): of the name, and of everything search looks at
    # (PostgreSQL also keeps a tsvector generated from search_text, migration 0004).
    search_name = models.TextField(editable=False, default="")
    search_name_trigrams = models.PositiveIntegerField(editable=False, default=0)
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
        if self.pk is not None and not self._state.adding:
            self._refuse_content_change()
        columns = procedure_search_columns(self)
        for name, value in columns.items():
            setattr(self, name, value)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *columns}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("procedures:detail", kwargs={"code": self.code})

    def delete(self, *args, **kwargs):
        self.refuse_change_if_in_use()
        return super().delete(*args, **kwargs)

    # ---- versions in use ----------------------------------------------------------------------

    def dossier_count(self) -> int:
        return dossiers_using(self.pk)

    def refuse_change_if_in_use(self) -> None:
        count = dossiers_using(self.pk)
        if count:
            raise VersionInUseError(code=self.code, version=self.version, count=count)

    @classmethod
    def content_field_names(cls) -> list[str]:
        """The fields that make up what a dossier relies on (all but validity and bookkeeping)."""
        return [
            f.attname
            for f in cls._meta.concrete_fields
            if f.editable and not f.primary_key and f.name not in cls.LIFECYCLE_FIELDS
        ]

    def _refuse_content_change(self) -> None:
        count = dossiers_using(self.pk)
        if not count:
            return
        names = self.content_field_names()
        stored = type(self).objects.filter(pk=self.pk).values(*names).first()
        if stored is None:
            return
        if any(stored[name] != getattr(self, name) for name in names):
            raise VersionInUseError(code=self.code, version=self.version, count=count)

    # ---- what the record says -----------------------------------------------------------------

    @property
    def level_list(self) -> list[str]:
        return [item for item in self.levels.split(",") if item]

    def get_levels_display(self) -> list[str]:
        labels = dict(ProcedureLevel.choices)
        return [str(labels.get(item, item)) for item in self.level_list]

    @property
    def general_time_limit(self) -> TimeLimit:
        return TimeLimit(self.time_limit_amount, self.time_limit_unit, self.time_limit_note)

    def time_limit_for(self, channel: str) -> TimeLimit:
        """The limit for dossiers arriving through `channel`: its own row, else the general one."""
        for row in self.channel_time_limits.all():
            if row.channel == channel:
                return TimeLimit(row.amount, row.unit, row.note)
        return self.general_time_limit

    def has_usable_limit(self) -> bool:
        """Whether any limit of the record, general or of a channel, is one a deadline can be
        computed from; without one the procedure is published for information only."""
        return self.general_time_limit.is_set or any(
            row.time_limit.is_set for row in self.channel_time_limits.all()
        )

    def accepts_channel(self, channel: str) -> bool:
        """Whether a dossier may arrive through `channel` now: the channel is open and its time
        limit is one a deadline can be computed from."""
        flag = {
            Channel.ONLINE: self.accepts_online,
            Channel.DIRECT: self.accepts_direct,
            Channel.POSTAL: self.accepts_postal,
        }.get(channel, False)
        return flag and self.time_limit_for(channel).is_set

    @property
    def time_limit_hours(self) -> Decimal | None:
        """The general limit in budget hours (a day counts eight), to compare step budgets with;
        None for units that are not counted in working time."""
        amount = self.time_limit_amount
        if amount is None:
            return None
        if self.time_limit_unit == TimeUnit.WORKING_HOURS:
            return amount
        if self.time_limit_unit in (TimeUnit.WORKING_DAYS, TimeUnit.CALENDAR_DAYS):
            return amount * HOURS_PER_WORKING_DAY
        return None

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


class ChannelTimeLimit(VersionContent):
    """A time limit that applies to one channel only (real records give one per channel)."""

    procedure = models.ForeignKey(
        Procedure,
        on_delete=models.CASCADE,
        related_name="channel_time_limits",
        verbose_name=_("procedure"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    amount = models.DecimalField(
        _("time limit"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("time limit of a channel")
        verbose_name_plural = _("time limits per channel")
        ordering = ["procedure", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "channel"], name="procedures_channel_limit_once"
            )
        ]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.amount or ''} {self.get_unit_display()}"

    @property
    def time_limit(self) -> TimeLimit:
        return TimeLimit(self.amount, self.unit, self.note)


class DocumentCase(VersionContent):
    """A case (trường hợp) with documents of its own; the applicant picks one when applying."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="cases", verbose_name=_("procedure")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1, validators=_SMALL_COUNT)
    title = models.TextField(_("case"))

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["procedure", "position", "pk"]

    def __str__(self):
        return self.title


class RequiredDocument(VersionContent):
    """A document the applicant must bring or upload (thành phần hồ sơ).

    A document without a case is required in every case; one with a case only in that case.
    """

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="documents", verbose_name=_("procedure")
    )
    case = models.ForeignKey(
        DocumentCase,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1, validators=_SMALL_COUNT)
    name = models.TextField(_("name"))
    description = models.TextField(_("description"), blank=True)
    original_count = models.PositiveSmallIntegerField(
        _("originals"), default=1, validators=_SMALL_COUNT
    )
    copy_count = models.PositiveSmallIntegerField(_("copies"), default=0, validators=_SMALL_COUNT)
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


class ProcedureStep(VersionContent):
    """An internal step of the procedure with its role and its share of the time limit."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="steps", verbose_name=_("procedure")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1, validators=_SMALL_COUNT)
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


class Fee(VersionContent):
    """A fee or charge: an exact amount, a range (amount … amount_max), or only words (note)."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="fees", verbose_name=_("procedure")
    )
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=Channel.choices,
        blank=True,
        help_text=_("Empty when the fee is the same for every channel."),
    )
    name = models.TextField(_("name"))
    amount = models.PositiveBigIntegerField(
        _("amount"),
        null=True,
        blank=True,
        help_text=_("Empty when it depends on the case; the lower end of a range."),
    )
    amount_max = models.PositiveBigIntegerField(
        _("up to"), null=True, blank=True, help_text=_("The upper end of a range.")
    )
    currency = models.CharField(_("currency"), max_length=3, default="VND")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["procedure", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_max__isnull=True)
                | (Q(amount__isnull=False) & Q(amount_max__gte=F("amount"))),
                name="procedures_fee_range_ordered",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.amount_max is not None and (self.amount is None or self.amount_max < self.amount):
            raise ValidationError(
                {"amount_max": _("The upper end of a range needs a lower end below it.")}
            )


class ProcedureResult(VersionContent):
    """A result the procedure produces, with its national result code (e.g. KQ.G15.000033)."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="results", verbose_name=_("procedure")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1, validators=_SMALL_COUNT)
    code = models.CharField(_("result code"), max_length=40, blank=True)
    name = models.TextField(_("name"))
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["procedure", "position", "pk"]

    def __str__(self):
        return self.name


class LegalBasis(VersionContent):
    """One legal document the procedure rests on: its number and title."""

    procedure = models.ForeignKey(
        Procedure,
        on_delete=models.CASCADE,
        related_name="legal_documents",
        verbose_name=_("procedure"),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1, validators=_SMALL_COUNT)
    number = models.CharField(_("number"), max_length=100, blank=True)
    title = models.TextField(_("title"), blank=True)

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal basis")
        ordering = ["procedure", "position", "pk"]

    def __str__(self):
        return f"{self.number} {self.title}".strip()


@receiver(m2m_changed, sender=Procedure.other_agencies.through)
def _refuse_agency_change_in_use(sender, instance, action, reverse, **kwargs):
    """The list of handling agencies is content too: frozen once dossiers use the version."""
    if action in {"pre_add", "pre_remove", "pre_clear"} and not reverse:
        instance.refuse_change_if_in_use()


class AgencyTreeChange(models.Model):
    """One change of an agency's place in the tree (parent, or the agencies a service centre
    serves): it decides which dossiers staff see, so every change is kept. Append-only."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="tree_changes"
    )
    field_name = models.CharField(_("what changed"), max_length=20)
    old_value = models.TextField(_("before"), blank=True)
    new_value = models.TextField(_("after"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for a catalogue import run from the command line."),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    source = models.CharField(_("through"), max_length=20)

    class Meta:
        verbose_name = _("agency tree change")
        verbose_name_plural = _("agency tree changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.agency.code} {self.field_name}: {self.old_value} → {self.new_value}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("An audit record is never changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("An audit record is never deleted."))
