from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..choices import CalendarDayKind, Weekday

# ---- working calendar -------------------------------------------------------------------------
# The weekly schedule and its dated exceptions. `dossiers.selectors.work_calendar_for` turns these
# rows into the pure `dossiers.deadlines.WorkCalendar` that every due date is computed on.


class WorkingSession(models.Model):
    """One opening period of one weekday, e.g. Monday 07:00–11:30, of an agency or by default."""

    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="working_sessions",
        help_text=_(
            "Leave empty for the default schedule, which every agency without sessions of its "
            "own follows. An agency with sessions of its own follows only those, on every "
            "weekday."
        ),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("working session")
        verbose_name_plural = _("working sessions")
        ordering = ["agency_id", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")),
                name="dossiers_workingsession_start_before_end",
                violation_error_message=_("A session must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="dossiers_workingsession_weekday_range",
            ),
            # NULL agencies never collide in a plain unique constraint, so the default schedule
            # gets a constraint of its own.
            models.UniqueConstraint(
                fields=["agency", "weekday", "start"],
                condition=Q(agency__isnull=False),
                name="dossiers_workingsession_unique_agency_start",
                violation_error_message=_("This agency already has a session starting then."),
            ),
            models.UniqueConstraint(
                fields=["weekday", "start"],
                condition=Q(agency__isnull=True),
                name="dossiers_workingsession_unique_default_start",
                violation_error_message=_("The default schedule already has a session then."),
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        if self.start is None or self.end is None or self.weekday is None:
            return
        if self.start >= self.end:
            raise ValidationError({"end": _("A session must end after it starts.")})
        # Overlaps involve other rows, so no portable database constraint can express them.
        overlapping = (
            WorkingSession.objects.filter(
                agency_id=self.agency_id,
                weekday=self.weekday,
                start__lt=self.end,
                end__gt=self.start,
            )
            .exclude(pk=self.pk)
            .order_by("start")
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                _("This session overlaps the session %(start)s–%(end)s of the same day.")
                % {
                    "start": overlapping.start.strftime("%H:%M"),
                    "end": overlapping.end.strftime("%H:%M"),
                }
            )


class CalendarDaySource(models.TextChoices):
    """Where a calendar day comes from. Only a package prediction gives way to the seed's
    announced days; a law, an official letter or an administrator's entry is kept as it is."""

    LAW = "law", _("Law")
    OFFICIAL_LETTER = "official_letter", _("Official letter")
    PACKAGE_PREDICTION = "package_prediction", _("Predicted by the holidays package")
    ADMIN = "admin", _("Entered by an administrator")


# Days stated by a law or an official letter, as opposed to predicted or set locally.
ANNOUNCED_SOURCES = (CalendarDaySource.LAW, CalendarDaySource.OFFICIAL_LETTER)


class CalendarDay(models.Model):
    """A dated exception to the weekly schedule: a day off, or a working day (a make-up Saturday).

    A row with an agency replaces the country-wide row of the same date for that agency only.
    """

    date = models.DateField(_("date"))
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=CalendarDayKind.choices,
        help_text=_(
            "Day off: no work on a day that is normally worked (a public holiday, Tết, a swapped "
            "day). Working day: work on a day that is normally off (a make-up Saturday), or other "
            "hours on a normal day."
        ),
    )
    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_days",
        help_text=_(
            "Leave empty for a day that applies to the whole country. A day set for one agency "
            "replaces the country-wide day of the same date for that agency only."
        ),
    )
    reason = models.CharField(
        _("reason"),
        max_length=255,
        help_text=_('For example "Tết Nguyên đán" or "Working Saturday in exchange for 31/08".'),
    )
    source_kind = models.CharField(
        _("source"),
        max_length=20,
        choices=CalendarDaySource.choices,
        default=CalendarDaySource.ADMIN,
        help_text=_(
            "Law or official letter: the day is stated by that document. Predicted by the "
            "holidays package: seeded from the package and not yet confirmed; a day announced "
            "later replaces it. Saving a change to a predicted day makes it an administrator's "
            "entry."
        ),
    )
    source_document = models.CharField(
        _("source document"),
        max_length=255,
        blank=True,
        help_text=_(
            'The reference of the source, for example "Công văn 12729/VPCP-KGVX ngày '
            '25/12/2025" or "Bộ luật Lao động 2019, Điều 112". Required for a law or an '
            "official letter."
        ),
    )
    # A working day has at most two sessions, like a normal day; empty means the sessions of a
    # normal Monday in the agency's schedule.
    first_session_start = models.TimeField(_("first session starts"), null=True, blank=True)
    first_session_end = models.TimeField(_("first session ends"), null=True, blank=True)
    second_session_start = models.TimeField(_("second session starts"), null=True, blank=True)
    second_session_end = models.TimeField(_("second session ends"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date", "agency_id"]
        constraints = [
            # NULL agencies never collide in a plain unique constraint, so country-wide rows get
            # a constraint of their own.
            models.UniqueConstraint(
                fields=["date", "agency"],
                condition=Q(agency__isnull=False),
                name="dossiers_calendarday_unique_agency_date",
                violation_error_message=_("This agency already has a calendar day on this date."),
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(agency__isnull=True),
                name="dossiers_calendarday_unique_country_date",
                violation_error_message=_(
                    "There is already a country-wide calendar day on this date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(source_kind__in=CalendarDaySource.values),
                name="dossiers_calendarday_source_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(source_kind__in=ANNOUNCED_SOURCES) | ~Q(source_document=""),
                name="dossiers_calendarday_announced_day_cites_its_source",
                violation_error_message=_(
                    "A day stated by a law or an official letter needs the source document."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind=CalendarDayKind.WORKING_DAY)
                | Q(
                    first_session_start__isnull=True,
                    first_session_end__isnull=True,
                    second_session_start__isnull=True,
                    second_session_end__isnull=True,
                ),
                name="dossiers_calendarday_sessions_only_on_working_days",
            ),
            models.CheckConstraint(
                condition=Q(first_session_start__isnull=True, first_session_end__isnull=True)
                | Q(first_session_start__lt=F("first_session_end")),
                name="dossiers_calendarday_first_session_valid",
            ),
            models.CheckConstraint(
                condition=Q(second_session_start__isnull=True, second_session_end__isnull=True)
                | Q(
                    first_session_end__isnull=False,
                    second_session_start__gte=F("first_session_end"),
                    second_session_start__lt=F("second_session_end"),
                ),
                name="dossiers_calendarday_second_session_valid",
            ),
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}: {self.reason}"

    @property
    def is_announced(self) -> bool:
        """Stated by a law or an official letter, not predicted or set locally."""
        return self.source_kind in ANNOUNCED_SOURCES

    @property
    def session_times(self) -> list[tuple]:
        """The (start, end) pairs given on the row; empty when the normal hours apply."""
        pairs = [
            (self.first_session_start, self.first_session_end),
            (self.second_session_start, self.second_session_end),
        ]
        return [(start, end) for start, end in pairs if start is not None and end is not None]

    def clean(self):
        errors = {}
        pairs = {
            "first_session": (self.first_session_start, self.first_session_end),
            "second_session": (self.second_session_start, self.second_session_end),
        }
        if self.kind == CalendarDayKind.DAY_OFF:
            if any(value is not None for pair in pairs.values() for value in pair):
                errors["first_session_start"] = _("Session times apply to working days only.")
            if errors:
                raise ValidationError(errors)
            return
        for prefix, (start, end) in pairs.items():
            if (start is None) != (end is None):
                field = f"{prefix}_end" if end is None else f"{prefix}_start"
                errors[field] = _("Give both the start and the end of the session.")
            elif start is not None and start >= end:
                errors[f"{prefix}_end"] = _("A session must end after it starts.")
        if not errors and self.second_session_start is not None:
            if self.first_session_start is None:
                errors["second_session_start"] = _("Fill in the first session before the second.")
            elif self.second_session_start < self.first_session_end:
                errors["second_session_start"] = _(
                    "The second session must start after the first one ends."
                )
        if errors:
            raise ValidationError(errors)
