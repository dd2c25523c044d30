from django.db import models
from django.utils.translation import gettext_lazy as _


class Weekday(models.IntegerChoices):
    # Python's date.weekday() numbering, which the deadline arithmetic uses too.
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class CalendarDayKind(models.TextChoices):
    DAY_OFF = "day_off", _("Day off")
    WORKING_DAY = "working_day", _("Working day")


class DossierStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    NEEDS_SUPPLEMENT = "needs_supplement", _("Awaiting supplement")
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    RESULT_READY = "result_ready", _("Result ready")
    RETURNED = "returned", _("Returned")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DossierChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    DIRECT = "direct", _("At the desk")
    POSTAL = "postal", _("By post")


class DossierOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class DossierAction(models.TextChoices):
    """What a DossierEvent records; past tense."""

    CREATED = "created", _("Draft created")
    SUBMITTED = "submitted", _("Submitted")
    RECEIVED = "received", _("Received")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
