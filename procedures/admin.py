from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .choices import ProcedureLevel
from .models import (
    Agency,
    AgencyTreeChange,
    ChannelTimeLimit,
    DocumentCase,
    Fee,
    Field,
    LegalBasis,
    Procedure,
    ProcedureResult,
    ProcedureStep,
    RequiredDocument,
)
from .search import procedure_refresh_search
from .services import (
    agency_tree_record_changes,
    agency_tree_snapshot,
    procedure_check_step_budgets,
    procedure_create_version,
    procedure_publication_conflicts,
    procedure_publish,
    procedure_unpublish,
)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    """Agencies. Their place in the tree (parent, agencies served) decides which dossiers staff
    see, so only a superuser changes it, and every change is recorded (AgencyTreeChange)."""

    list_display = ["code", "name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["serves"]
    TREE_FIELDS = ["parent", "serves"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += self.TREE_FIELDS
        return readonly

    def save_model(self, request, obj, form, change):
        # Taken before anything is written; compared once the agencies served are saved too.
        stored = Agency.objects.filter(pk=obj.pk).first() if obj.pk else None
        request._agency_tree_before = agency_tree_snapshot(stored or Agency())
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        agency_tree_record_changes(
            agency=form.instance,
            before=request._agency_tree_before,
            actor=request.user,
            source="admin",
        )


@admin.register(AgencyTreeChange)
class AgencyTreeChangeAdmin(admin.ModelAdmin):
    """The audit of agency tree changes: read only."""

    list_display = ["changed_at", "agency", "field_name", "old_value", "new_value", "changed_by"]
    list_filter = ["field_name", "source"]
    search_fields = ["agency__code", "agency__name"]
    list_select_related = ["agency", "changed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class FrozenWhenInUse:
    """Inline rows of a version that dossiers use can be read but not added, changed or removed:
    a change is made on a new version (the "create a new version" action)."""

    def _in_use(self, obj) -> bool:
        return obj is not None and obj.pk is not None and obj.dossier_count() > 0

    def has_add_permission(self, request, obj=None):
        return not self._in_use(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._in_use(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._in_use(obj) and super().has_delete_permission(request, obj)


class RequiredDocumentInline(FrozenWhenInUse, admin.StackedInline):
    model = RequiredDocument
    extra = 0
    fields = [
        ("position", "is_mandatory", "case"),
        "name",
        "description",
        ("original_count", "copy_count"),
        "template_file",
    ]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # A document's case is one of this version's cases.
        cases = DocumentCase.objects.filter(procedure=obj) if obj else DocumentCase.objects.none()
        formset.form.base_fields["case"].queryset = cases
        return formset


class DocumentCaseInline(FrozenWhenInUse, admin.TabularInline):
    model = DocumentCase
    extra = 0
    fields = ["position", "title"]


class ChannelTimeLimitInline(FrozenWhenInUse, admin.TabularInline):
    model = ChannelTimeLimit
    extra = 0
    fields = ["channel", "amount", "unit", "note"]


class ProcedureResultInline(FrozenWhenInUse, admin.TabularInline):
    model = ProcedureResult
    extra = 0
    fields = ["position", "code", "name", "description"]


class LegalBasisInline(FrozenWhenInUse, admin.TabularInline):
    model = LegalBasis
    extra = 0
    fields = ["position", "number", "title"]


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


class ProcedureStepInline(FrozenWhenInUse, admin.TabularInline):
    model = ProcedureStep
    formset = StepInlineFormSet
    extra = 0
    fields = ["position", "name", "role", "budget_hours", "description"]


class FeeInline(FrozenWhenInUse, admin.TabularInline):
    model = Fee
    extra = 0
    fields = ["channel", "name", "amount", "amount_max", "currency", "note"]


class LevelsField(forms.MultipleChoiceField):
    """The comma-separated `Procedure.levels` as check boxes."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.pop("max_length", None)
        super().__init__(choices=ProcedureLevel.choices, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, str):
            return [item for item in value.split(",") if item]
        return value

    def clean(self, value):
        return ",".join(super().clean(value))


class ProcedureAdminForm(forms.ModelForm):
    levels = LevelsField(label=_("levels"))

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


class UsableLimitFilter(admin.SimpleListFilter):
    """Procedures published with no time limit a deadline can be computed from: they accept no
    dossier until the province sets a limit of its own."""

    title = _("time limit")
    parameter_name = "limit"

    def lookups(self, request, model_admin):
        return [("missing", _("Not set: accepts no dossier"))]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.without_usable_limit()
        return queryset


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
    list_filter = [
        UsableLimitFilter,
        "is_published",
        "online_level",
        "field",
        "agency",
        "time_limit_unit",
    ]
    search_fields = ["code", "name", "search_text"]
    list_select_related = ["field"]
    autocomplete_fields = ["agency", "field", "other_agencies"]
    inlines = [
        RequiredDocumentInline,
        ProcedureStepInline,
        FeeInline,
        ChannelTimeLimitInline,
        DocumentCaseInline,
        ProcedureResultInline,
        LegalBasisInline,
    ]
    actions = ["create_new_version", "publish", "unpublish"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("code", "version"),
                    "name",
                    ("field", "agency"),
                    "other_agencies",
                    "decision_authority",
                    "authorised_agency",
                    "coordinating_agency",
                ]
            },
        ),
        (
            _("Who and how"),
            {
                "fields": [
                    "levels",
                    ("applicant_type", "online_level"),
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

    def get_readonly_fields(self, request, obj=None):
        """A version that dossiers use shows its content read-only; only when it applies
        (valid until, published) can still change."""
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk is not None and obj.dossier_count():
            frozen = [
                f.name
                for f in Procedure._meta.get_fields()
                if getattr(f, "editable", False)
                and f.concrete
                and not f.primary_key
                and f.name not in Procedure.LIFECYCLE_FIELDS
            ] + ["other_agencies"]
            readonly += [name for name in frozen if name not in readonly]
        return readonly

    def change_view(self, request, object_id, form_url="", extra_context=None):
        procedure = self.get_object(request, object_id)
        if procedure is not None and request.method == "GET":
            count = procedure.dossier_count()
            if count:
                self.message_user(
                    request,
                    ngettext(
                        "This version is used by %(count)d dossier, so its content cannot "
                        "change. Use the action “Create a new draft version” to change it.",
                        "This version is used by %(count)d dossiers, so its content cannot "
                        "change. Use the action “Create a new draft version” to change it.",
                        count,
                    )
                    % {"count": count},
                    messages.WARNING,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_model(self, request, obj):
        try:
            super().delete_model(request, obj)
        except ValidationError as error:
            self.message_user(request, error.messages[0], messages.ERROR)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.pk is not None and obj.dossier_count():
            return False
        return super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Search also reads the documents, results and other agencies just saved.
        procedure_refresh_search(form.instance)
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
