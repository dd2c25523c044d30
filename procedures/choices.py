from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    PROVINCE = "province", _("Provincial People's Committee")
    DEPARTMENT = "department", _("Department")
    DIVISION = "division", _("Division")
    SERVICE_CENTRE = "service_centre", _("Public administration service centre")
    COMMUNE = "commune", _("Commune")


class ProcedureLevel(models.TextChoices):
    """Levels of government that carry out a procedure (cấp thực hiện); a procedure may have
    several. No value is a substring of another, which `Procedure.levels` filtering relies on."""

    MINISTRY = "ministry", _("Ministry level")
    PROVINCE = "province", _("Provincial level")
    COMMUNE = "commune", _("Commune level")
    OTHER = "other", _("Other agency")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Full online public service")
    PARTIAL = "partial", _("Partial online public service")
    NONE = "none", _("No online public service")


class Channel(models.TextChoices):
    """How a dossier reaches the agency; the same values as the dossiers' channel."""

    ONLINE = "online", _("Online")
    DIRECT = "direct", _("In person")
    POSTAL = "postal", _("By post")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    WORKING_HOURS = "working_hours", _("working hours")
    CALENDAR_DAYS = "calendar_days", _("days")
    HOURS = "hours", _("hours")
    MONTHS = "months", _("months")
    WITHIN_DAY = "within_day", _("within the day")
    NOT_STATED = "not_stated", _("not stated")


# Units whose amount is counted in working time, so step budgets (in working hours) can be
# compared with the limit.
WORKING_TIME_UNITS = {TimeUnit.WORKING_DAYS, TimeUnit.WORKING_HOURS, TimeUnit.CALENDAR_DAYS}
# Units that need no amount.
UNITS_WITHOUT_AMOUNT = {TimeUnit.WITHIN_DAY, TimeUnit.NOT_STATED}


class SupplementPolicy(models.TextChoices):
    RESTART = "restart", _("Restart the full time limit after supplementing")
    PAUSE = "pause", _("Pause the clock while waiting for the supplement")


class StepRole(models.TextChoices):
    DESK_OFFICER = "desk_officer", _("One-stop desk officer")
    SPECIALIST = "specialist", _("Specialist")
    DIVISION_HEAD = "division_head", _("Head of division")
    LEADER = "leader", _("Leader")
    CLERK = "clerk", _("Clerical office")


class ApplicantType(models.TextChoices):
    CITIZEN = "citizen", _("Citizens")
    ORGANISATION = "organisation", _("Organisations")
    BOTH = "both", _("Citizens and organisations")


# A working day is eight working hours (the 40-hour week of QĐ 188/1999/QĐ-TTg); step budgets
# are kept in hours and compared with the time limit through this.
HOURS_PER_WORKING_DAY = 8
