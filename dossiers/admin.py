from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS_ABBR
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from procedures.selectors import agency_tree

from .models import (
    AccessRecord,
    CalendarDay,
    Dossier,
    DossierEvent,
    DossierFile,
    DossierStep,
    IndicatorTarget,
    Notification,
    NotificationStatus,
    TaskFailure,
    WorkingSession,
)
from .models.calendar import CalendarDaySource
from .selectors import calendar_year_overview, session_label
from .selectors.calendar import calendar_years_only_predicted
from .services.notifications import notification_retry

# The year view reaches back to the earliest and forward to the latest year anyone plans for.
YEAR_VIEW_RANGE = range(2000, 2101)


@admin.register(WorkingSession)
class WorkingSessionAdmin(admin.ModelAdmin):
    list_display = ["weekday", "start", "end", "schedule"]
    list_filter = ["weekday", "agency"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    ordering = ["agency", "weekday", "start"]

    @admin.display(description=_("schedule"), ordering="agency")
    def schedule(self, obj):
        return obj.agency or gettext("Default schedule")


class YearListFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = (
            CalendarDay.objects.annotate(year=ExtractYear("date"))
            .values_list("year", flat=True)
            .distinct()
            .order_by("-year")
        )
        predicted = calendar_years_only_predicted()
        label = gettext("%(year)s — only predicted (holidays package)")
        return [
            (str(year), label % {"year": year} if year in predicted else str(year))
            for year in years
        ]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    change_list_template = "dossiers/admin/calendarday_change_list.html"
    list_display = ["date", "weekday", "kind", "scope", "reason", "source_kind", "source_document"]
    list_filter = ["kind", YearListFilter, "source_kind", "agency"]
    list_select_related = ["agency"]
    search_fields = ["reason", "source_document"]
    autocomplete_fields = ["agency"]
    readonly_fields = ["created_at", "updated_at", "created_by"]
    fieldsets = [
        (
            _("Announced day off or make-up working day"),
            {"fields": ["date", "kind", "agency", "reason", "source_kind", "source_document"]},
        ),
        (
            _("Working hours"),
            {
                "description": _(
                    "Only for a working day. Leave empty to work the hours of a normal Monday."
                ),
                "fields": [
                    ("first_session_start", "first_session_end"),
                    ("second_session_start", "second_session_end"),
                ],
            },
        ),
        (_("Record"), {"fields": [("created_at", "updated_at"), "created_by"]}),
    ]

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return WEEKDAYS_ABBR[obj.date.weekday()]

    @admin.display(description=_("applies to"), ordering="agency")
    def scope(self, obj):
        return obj.agency or gettext("Whole country")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        elif (
            obj.source_kind == CalendarDaySource.PACKAGE_PREDICTION
            and form.has_changed()
            and "source_kind" not in form.changed_data
        ):
            # An administrator who corrects a predicted day vouches for it: later announced
            # days no longer replace it (see dossiers.services.calendar).
            obj.source_kind = CalendarDaySource.ADMIN
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "year_view_url": reverse(
                "admin:dossiers_calendarday_year", args=[timezone.localdate().year]
            ),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def get_urls(self):
        return [
            path(
                "year/<int:year>/",
                self.admin_site.admin_view(self.year_view),
                name="dossiers_calendarday_year",
            ),
            *super().get_urls(),
        ]

    def year_view(self, request, year):
        """Twelve months of one agency's (or the default) calendar, day by day."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if year not in YEAR_VIEW_RANGE:
            raise Http404
        agencies = agency_tree()
        agency = None
        agency_param = request.GET.get("agency", "")
        if agency_param:
            agency = next((a for a, _depth in agencies if str(a.pk) == agency_param), None)
            if agency is None:
                raise Http404
        overview = calendar_year_overview(year=year, agency=agency)
        query = f"?agency={agency.pk}" if agency is not None else ""
        url = "admin:dossiers_calendarday_year"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Working calendar %(year)s") % {"year": year},
            "overview": overview,
            "months": [
                {"name": MONTHS[month.month], "weeks": month.weeks} for month in overview.months
            ],
            "weekday_names": [WEEKDAYS_ABBR[day] for day in range(7)],
            "weekly": [
                (WEEKDAYS_ABBR[day], session_label(overview.weekly.get(day, ())))
                for day in range(7)
            ],
            "agencies": [(a, "\u2003" * depth) for a, depth in agencies],
            "agency": agency,
            "previous_url": reverse(url, args=[year - 1]) + query,
            "next_url": reverse(url, args=[year + 1]) + query,
            "changelist_url": reverse("admin:dossiers_calendarday_changelist") + f"?year={year}",
        }
        return TemplateResponse(request, "dossiers/admin/calendar_year.html", context)


# ---- dossiers (read-mostly: every change goes through the services) ----------------------------


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DossierStepInline(_ReadOnlyInline):
    model = DossierStep
    fields = ["position", "name", "role", "handler", "started_at", "due_at", "finished_at"]
    readonly_fields = fields


class DossierFileInline(_ReadOnlyInline):
    model = DossierFile
    fields = ["original_name", "content_type", "size", "sha256", "purpose", "uploaded_at"]
    readonly_fields = fields


class DossierEventInline(_ReadOnlyInline):
    model = DossierEvent
    fields = ["at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields
    ordering = ["at", "pk"]


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Looking up a dossier for support. Status, deadlines and history change only through the
    services, so every field is read-only and nothing is added or deleted here."""

    list_display = ["code", "applicant_name", "procedure", "agency", "status", "due_at"]
    list_filter = ["status", "channel", "timeliness", "agency"]
    list_select_related = ["procedure", "agency"]
    search_fields = ["code", "applicant_name", "applicant_identity_number", "applicant_phone"]
    date_hierarchy = "created_at"
    inlines = [DossierStepInline, DossierFileInline, DossierEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DossierEvent)
class DossierEventAdmin(admin.ModelAdmin):
    """The append-only history; read-only in the admin too."""

    list_display = ["at", "dossier", "action", "from_status", "to_status", "actor"]
    list_filter = ["action"]
    list_select_related = ["dossier", "actor"]
    search_fields = ["dossier__code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox. Rows are written by the services; the only change made here is a retry."""

    list_display = [
        "created_at",
        "template",
        "channel",
        "recipient",
        "dossier",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "channel", "template"]
    list_select_related = ["dossier", "recipient_user"]
    search_fields = ["recipient_email", "recipient_phone", "dossier__code", "idempotency_key"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    @admin.display(description=_("recipient"))
    def recipient(self, obj):
        return obj.recipient_label if obj.channel != "in_app" else str(obj.recipient_user or "")

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send the selected failed notifications again"))
    def retry(self, request, queryset):
        count = notification_retry(
            notifications=queryset.filter(status=NotificationStatus.FAILED).values_list(
                "pk", flat=True
            )
        )
        self.message_user(
            request,
            gettext("%(count)d notification(s) queued again.") % {"count": count},
        )


@admin.register(TaskFailure)
class TaskFailureAdmin(admin.ModelAdmin):
    """Dead letters: tasks that failed for good. Written by the workers, read (and deleted) here."""

    list_display = ["failed_at", "task_name", "task_id", "exception_summary", "retries", "hostname"]
    list_filter = ["task_name"]
    search_fields = ["task_name", "task_id", "exception"]
    date_hierarchy = "failed_at"
    readonly_fields = [field.name for field in TaskFailure._meta.fields]

    @admin.display(description=_("exception"), ordering="exception")
    def exception_summary(self, obj):
        first_line = (obj.exception or "").splitlines()[:1]
        return first_line[0][:120] if first_line else ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(admin.ModelAdmin):
    """Targets of the leaders' indicator cards; the latest row valid in a period applies."""

    list_display = ["code", "target", "valid_from", "note"]
    list_filter = ["code"]
    ordering = ["code", "-valid_from"]


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """Who opened which dossier's personal data, for auditors: append-only, so read-only here
    (view permission `dossiers.view_accessrecord`); nothing is added, changed or deleted."""

    list_display = ["at", "dossier", "what", "label", "user", "role", "agency"]
    list_filter = ["what", "role", "agency", "at"]
    list_select_related = ["dossier", "user", "agency"]
    search_fields = ["dossier__code", "user__username", "user__email", "label"]
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AccessRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
