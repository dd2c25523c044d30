"""Data of the leaders' statistics: indicator targets (editable in the admin) and frozen months."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorCode(models.TextChoices):
    ON_TIME_RATE = "on_time_rate", _("On-time rate")
    SATISFACTION = "satisfaction", _("Satisfaction")
    ONLINE_SHARE = "online_share", _("Online share")
    DIGITISED_SHARE = "digitised_share", _("Digitised share")
    ELECTRONICALLY_CIRCULATED = "electronically_circulated", _("Circulated electronically")
    DIGITALLY_SIGNED = "digitally_signed", _("Digitally signed")


class IndicatorTarget(models.Model):
    """The target of one indicator (a percentage) from `valid_from` on; the latest row whose
    `valid_from` is on or before a period's last day applies to that period."""

    code = models.CharField(_("indicator"), max_length=40, choices=IndicatorCode.choices)
    target = models.DecimalField(_("target (%)"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "valid_from"], name="dossiers_indicatortarget_unique_code_from"
            ),
            models.CheckConstraint(
                condition=models.Q(target__gte=0) & models.Q(target__lte=100),
                name="dossiers_indicatortarget_percent",
            ),
        ]

    def __str__(self):
        return f"{self.get_code_display()} ≥ {self.target}% ({self.valid_from:%d/%m/%Y})"


class FrozenReport(models.Model):
    """The Biểu 06 figures of one closed month, stored once by the nightly task with the deadline
    rule version in force; a later correction of a dossier does not change them."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    rule_version = models.CharField(_("deadline rule version"), max_length=20)
    frozen_at = models.DateTimeField(_("frozen at"))
    totals = models.JSONField(_("totals"), default=dict)
    # True when the dossiers behind each cell were stored too (FrozenReportMember); months frozen
    # before 2026-12 kept only their figures, and their drill-down lists read today's data.
    members_stored = models.BooleanField(_("dossiers of each cell stored"), default=False)

    class Meta:
        verbose_name = _("frozen month")
        verbose_name_plural = _("frozen months")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month"], name="dossiers_frozenreport_unique_month"
            ),
        ]

    def __str__(self):
        return f"{self.month:02d}/{self.year}"


class FrozenReportRow(models.Model):
    """One agency's figures in a frozen month."""

    report = models.ForeignKey(
        FrozenReport, verbose_name=_("frozen month"), on_delete=models.CASCADE, related_name="rows"
    )
    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency_name = models.CharField(_("agency name"), max_length=255)
    counts = models.JSONField(_("figures"), default=dict)

    class Meta:
        verbose_name = _("frozen month row")
        verbose_name_plural = _("frozen month rows")
        ordering = ["report", "agency_name", "agency"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "agency"], name="dossiers_frozenreportrow_unique_agency"
            ),
        ]

    def __str__(self):
        return f"{self.report}: {self.agency_name}"


class FrozenReportMember(models.Model):
    """One dossier counted in one cell (agency × column) of a frozen month, stored with its
    figures: the drill-down of a frozen cell lists these, the dossiers behind the frozen number,
    whatever happened to them later."""

    report = models.ForeignKey(
        FrozenReport,
        verbose_name=_("frozen month"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique constraint below starts with it
    )
    report_column = models.CharField(_("column"), max_length=40)
    agency = models.ForeignKey(
        "procedures.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("dossier of a frozen cell")
        verbose_name_plural = _("dossiers of frozen cells")
        constraints = [
            # Also the index of the drill-down: (month, column, agency) → dossiers.
            models.UniqueConstraint(
                fields=["report", "report_column", "agency", "dossier"],
                name="dossiers_frozenreportmember_unique_cell_dossier",
            ),
        ]

    def __str__(self):
        return f"{self.report} {self.report_column}: {self.dossier_id}"


class FrozenReportCorrection(models.Model):
    """A change found in a frozen month: an agency's live figures for that closed month no longer
    equal the figures last known (a dossier was corrected later). The frozen figures never change;
    the correction is reported, with a note, in the month it was found."""

    report = models.ForeignKey(
        FrozenReport,
        verbose_name=_("frozen month"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency_name = models.CharField(_("agency name"), max_length=255)
    # column → change since the figures last known (frozen, or the previous correction); non-zero.
    deltas = models.JSONField(_("changes"), default=dict)
    counts = models.JSONField(_("figures when found"), default=dict)
    detected_at = models.DateTimeField(_("found at"), db_index=True)

    class Meta:
        verbose_name = _("correction of a frozen month")
        verbose_name_plural = _("corrections of frozen months")
        ordering = ["detected_at", "pk"]

    def __str__(self):
        return f"{self.report}: {self.agency_name} ({self.detected_at:%d/%m/%Y})"


# The Biểu 06 columns a day's rollup row stores (dossiers.statistics.rollups): the flows of the
# day, then the stocks at its end. Carried over and received total are derived from them.
ROLLUP_FLOWS = (
    "received_online",
    "received_direct_postal",
    "received_new",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "resolved_total",
    "withdrawn",
    "submitted_online",
    "refused",
    "returned",
    "ratings",
    "ratings_satisfied",
)
ROLLUP_STOCKS = (
    "in_progress_within",
    "in_progress_overdue",
    "in_progress_total",
    "awaiting_supplement",
)


class DailyRollup(models.Model):
    """The Biểu 06 counts of one day (Asia/Ho_Chi_Minh) for one agency × procedure version ×
    channel: the day's flows and the stocks at its end, exactly as `report_column_q` counts them
    for that one-day period. Only non-zero rows are stored."""

    day = models.DateField(_("day"))
    agency = models.ForeignKey(
        "procedures.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    procedure = models.ForeignKey(
        "procedures.Procedure",
        verbose_name=_("procedure"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10)
    received_online = models.PositiveIntegerField(default=0)
    received_direct_postal = models.PositiveIntegerField(default=0)
    received_new = models.PositiveIntegerField(default=0)
    resolved_early = models.PositiveIntegerField(default=0)
    resolved_on_time = models.PositiveIntegerField(default=0)
    resolved_late = models.PositiveIntegerField(default=0)
    resolved_total = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    submitted_online = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    ratings_satisfied = models.PositiveIntegerField(default=0)
    in_progress_within = models.PositiveIntegerField(default=0)
    in_progress_overdue = models.PositiveIntegerField(default=0)
    in_progress_total = models.PositiveIntegerField(default=0)
    awaiting_supplement = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [
            # Also the index of the report: a period is a range of days.
            models.UniqueConstraint(
                fields=["day", "agency", "procedure", "channel"],
                name="dossiers_dailyrollup_unique_key",
            ),
        ]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.agency_id}/{self.procedure_id}/{self.channel}"


class RollupDay(models.Model):
    """A day whose rollup rows are built: written in the same transaction as the rows, so a day
    without one is unknown (the report then counts from the dossiers), never read as zero."""

    day = models.DateField(_("day"), unique=True)
    built_at = models.DateTimeField(_("built at"))

    class Meta:
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day:%d/%m/%Y}"


class RollupWatermark(models.Model):
    """The one row that holds how far the incremental rollup task has read the dossiers."""

    # Dossiers with `updated_at` at or after this moment have not been rolled up yet.
    dossiers_updated_from = models.DateTimeField(_("dossiers updated from"))

    class Meta:
        verbose_name = _("rollup watermark")
        verbose_name_plural = _("rollup watermarks")

    def __str__(self):
        return f"{self.dossiers_updated_from:%d/%m/%Y %H:%M:%S}"
