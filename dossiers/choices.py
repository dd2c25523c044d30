from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    DRAFT_UPDATED = "draft_updated", _("Draft updated")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    RESUBMITTED = "resubmitted", _("Resubmitted after supplement")
    FORWARDED = "forwarded", _("Forwarded for processing")
    ASSIGNED = "assigned", _("Assigned")
    STEP_COMPLETED = "step_completed", _("Step completed")
    COMPLETED = "completed", _("Result ready")
    EXTENDED = "extended", _("Appointment extended")
    RETURNED = "returned", _("Result returned")
    RATED = "rated", _("Rated")
    FILE_ATTACHED = "file_attached", _("File attached")
    FILE_REMOVED = "file_removed", _("File removed")
    # Written by the deadline sweep (dossiers.services.deadline_sweep), no status change.
    DEADLINE_DUE_SOON = "deadline_due_soon", _("Deadline near")
    DEADLINE_MISSED = "deadline_missed", _("Deadline missed")
    STEP_DUE_SOON = "step_due_soon", _("Step deadline near")
    STEP_DEADLINE_MISSED = "step_deadline_missed", _("Step deadline missed")


class ReturnMethod(models.TextChoices):
    AT_DESK = "at_desk", pgettext_lazy("return method", "At the desk")
    POSTAL = "postal", _("By post")
    ONLINE = "online", _("Online")


class SatisfactionLevel(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")


class FilePurpose(models.TextChoices):
    APPLICATION = "application", _("Application document")
    SUPPLEMENT = "supplement", _("Supplement")
    RESULT = "result", _("Result")
    RECEIPT = "receipt", _("Receipt")
    DOCUMENT = "document", _("Issued document")


class DocumentKind(models.TextChoices):
    """The official forms (DOMAIN §2); numbers and titles per legal basis are in
    dossiers.documents.forms."""

    RECEIPT = "receipt", _("Receipt and appointment")
    SUPPLEMENT = "supplement", _("Supplement request")
    REFUSAL = "refusal", _("Refusal")
    APOLOGY = "apology", _("Apology and new appointment")
    CONTROL_SHEET = "control_sheet", _("Process control sheet")
    STOP_NOTICE = "stop_notice", _("Notice of stopped handling")
    REGISTER = "register", _("Dossier register")
    REPORT = "report", _("Statistics report (Biểu 06)")


class DocumentJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
