from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Agency, Fee, Field, Procedure, ProcedureStep, RequiredDocument
from .services import (
    procedure_check_step_budgets,
    procedure_create_version,
    procedure_publication_conflicts,
    procedure_publish,
    procedure_unpublish,
)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["serves"]


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class RequiredDocumentInline(admin.StackedInline):
    model = RequiredDocument
    extra = 0
    fields = [
        ("position", "is_mandatory"),
        "name",
        "description",
        ("original_count", "copy_count"),
        "template_file",
    ]


class StepInlineFormSet(forms.BaseInlineFormSet):
    """Step budgets must add up to the procedure's time limit."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        budgets = [
            form.cleaned_data["budget_hours"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        limit_hours = self._limit_hours()
        if limit_hours is None:
            return
        try:
            procedure_check_step_budgets(time_limit_hours=limit_hours, budgets=budgets)
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def _limit_hours(self) -> Decimal | None:
        # The parent form was validated first; its instance carries the new time limit.
        procedure = self.instance
        if procedure.time_limit_amount is None or not procedure.time_limit_unit:
            return None
        return procedure.time_limit_hours


class ProcedureStepInline(admin.TabularInline):
    model = ProcedureStep
    formset = StepInlineFormSet
    extra = 0
    fields = ["position", "name", "role", "budget_hours", "description"]


class FeeInline(admin.TabularInline):
    model = Fee
    extra = 0


class ProcedureAdminForm(forms.ModelForm):
    class Meta:
        model = Procedure
        fields = "__all__"  # noqa: DJ007 (the admin fieldsets choose what is shown)

    def clean(self):
        cleaned = super().clean()
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add_error("valid_until", _("The last valid day cannot come before the first."))
        if cleaned.get("is_published") and valid_from and cleaned.get("code"):
            conflicts = procedure_publication_conflicts(
                code=cleaned["code"],
                valid_from=valid_from,
                valid_until=valid_until,
                exclude_pk=self.instance.pk,
            )
            if conflicts:
                self.add_error(
                    "is_published",
                    _(
                        "Version %(version)s is already published from %(day)s. Only one "
                        "version of a procedure may be valid on a given day."
                    )
                    % {
                        "version": conflicts[0].version,
                        "day": conflicts[0].valid_from.strftime("%d/%m/%Y"),
                    },
                )
        return cleaned


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    form = ProcedureAdminForm
    list_display = [
        "code",
        "version",
        "name",
        "field",
        "online_level",
        "valid_from",
        "valid_until",
        "is_published",
    ]
    list_filter = ["is_published", "online_level", "field", "agency", "time_limit_unit"]
    search_fields = ["code", "name", "search_text"]
    list_select_related = ["field"]
    autocomplete_fields = ["agency", "field"]
    inlines = [RequiredDocumentInline, ProcedureStepInline, FeeInline]
    actions = ["create_new_version", "publish", "unpublish"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {"fields": [("code", "version"), "name", ("field", "agency"), "decision_authority"]},
        ),
        (
            _("Who and how"),
            {
                "fields": [
                    ("level", "applicant_type", "online_level"),
                    ("accepts_direct", "accepts_postal", "accepts_online"),
                ]
            },
        ),
        (
            _("Time limit"),
            {
                "fields": [
                    ("time_limit_amount", "time_limit_unit"),
                    "time_limit_note",
                    "cutoff_15h",
                    ("supplement_policy", "supplement_policy_basis"),
                ]
            },
        ),
        (
            _("Content"),
            {
                "fields": [
                    "steps_description",
                    "conditions",
                    "fee_note",
                    "result",
                    "legal_basis",
                    "publication_decision",
                ]
            },
        ),
        (
            _("Version and publication"),
            {
                "fields": [
                    ("valid_from", "valid_until"),
                    "is_published",
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Publishing closes the previous version the day before this one starts.
        if form.instance.is_published:
            procedure_publish(procedure=form.instance)

    @admin.action(description=_("Create a new draft version of the selected procedures"))
    def create_new_version(self, request, queryset):
        created = [procedure_create_version(procedure=procedure) for procedure in queryset]
        self.message_user(
            request,
            ngettext(
                "Created %(count)d draft version; edit it and publish it when ready.",
                "Created %(count)d draft versions; edit them and publish them when ready.",
                len(created),
            )
            % {"count": len(created)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Publish the selected versions"))
    def publish(self, request, queryset):
        for procedure in queryset:
            try:
                procedure_publish(procedure=procedure)
            except ValidationError as error:
                self.message_user(
                    request,
                    f"{procedure.code} v{procedure.version}: {error.messages[0]}",
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("%(code)s version %(version)s is published.")
                    % {"code": procedure.code, "version": procedure.version},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Unpublish the selected versions"))
    def unpublish(self, request, queryset):
        for procedure in queryset:
            procedure_unpublish(procedure=procedure)
        self.message_user(request, _("The selected versions are no longer published."))
