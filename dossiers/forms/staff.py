"""Forms of the staff screens: the desk, the departments and their leaders.

They only validate input; the services decide whether the action is allowed.
"""

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.validators import normalize_phone, validate_identity_number, validate_phone
from procedures.models import DocumentCase

from ..choices import DossierOutcome, ReturnMethod


class BootstrapMixin:
    """Bootstrap classes on every widget, so templates can render `{{ field }}` as it is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class DeskSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)


class StaleCheckForm(BootstrapMixin, forms.Form):
    """Every action form carries the dossier's `updated_at` as the page showed it."""

    updated_at = forms.CharField(widget=forms.HiddenInput)

    def clean_updated_at(self):
        value = self.cleaned_data["updated_at"]
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(
                _("The form is damaged. Reload the page and try again."), code="bad_stamp"
            ) from None
        if timezone.is_naive(parsed):
            raise forms.ValidationError(
                _("The form is damaged. Reload the page and try again."), code="bad_stamp"
            )
        return parsed

    @classmethod
    def for_dossier(cls, dossier, **kwargs):
        return cls(initial={"updated_at": dossier.updated_at.isoformat()}, **kwargs)


class ConfirmForm(StaleCheckForm):
    """Receive, forward: nothing to fill in but the stale check."""


class SupplementRequestForm(StaleCheckForm):
    items = forms.CharField(
        label=_("Documents to supplement"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One document per line."),
        max_length=4000,
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def clean_items(self):
        items = [line.strip() for line in self.cleaned_data["items"].splitlines()]
        items = [item for item in items if item]
        if not items:
            raise forms.ValidationError(_("List at least one document."), code="no_items")
        return items


class RefuseForm(StaleCheckForm):
    reason = forms.CharField(
        label=_("Reason for refusing"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    confirm = forms.BooleanField(
        label=_("I confirm that this dossier is refused and the applicant is told why.")
    )


class ReturnForm(StaleCheckForm):
    method = forms.ChoiceField(label=_("How the result was returned"), choices=ReturnMethod.choices)


class WalkInForm(BootstrapMixin, forms.Form):
    procedure = forms.ModelChoiceField(
        label=_("Procedure"),
        queryset=None,
        help_text=_(
            "Procedures published for information only, whose time limit the province has not "
            "set yet, take no dossier and are not listed."
        ),
    )
    document_case = forms.ModelChoiceField(
        label=_("Case"),
        queryset=None,
        required=False,
        help_text=_("For a procedure whose documents depend on the case: the applicant's case."),
    )
    name = forms.CharField(label=_("Applicant's full name"), max_length=255)
    identity_number = forms.CharField(
        label=_("Personal identity number"), max_length=12, required=False
    )
    phone = forms.CharField(label=_("Phone number"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(label=_("Address"), max_length=500, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=255, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, procedures, **kwargs):
        """`procedures`: those the desk may receive a dossier for (open at the desk, with a time
        limit set)."""
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = procedures
        cases = DocumentCase.objects.filter(procedure__in=procedures).select_related("procedure")
        chosen = self._posted_procedure_id()
        if chosen is not None and cases.filter(procedure_id=chosen).exists():
            # The procedure is known: only its cases are offered.
            cases = cases.filter(procedure_id=chosen)
        cases = list(cases.order_by("procedure__code", "procedure_id", "position", "pk"))
        if not cases:
            del self.fields["document_case"]
            return
        field = self.fields["document_case"]
        field.queryset = DocumentCase.objects.filter(pk__in=[case.pk for case in cases])
        groups: dict[int, tuple[str, list]] = {}
        for case in cases:
            label = f"{case.procedure.code} — {case.procedure.name}"
            groups.setdefault(case.procedure_id, (label, []))[1].append((case.pk, case.title))
        field.choices = [("", "---------"), *groups.values()]

    def _posted_procedure_id(self) -> int | None:
        if not self.is_bound:
            return None
        try:
            value = int(self.data.get(self.add_prefix("procedure"), ""))
        except (TypeError, ValueError):
            return None
        # An id past the primary keys' range would fail the query (OverflowError on SQLite).
        return value if 1 <= value <= 2**63 - 1 else None

    def clean(self):
        cleaned = super().clean()
        procedure = cleaned.get("procedure")
        case = cleaned.get("document_case")
        if procedure is None:
            return cleaned
        if case is not None and case.procedure_id != procedure.pk:
            self.add_error(
                "document_case",
                forms.ValidationError(
                    _("This case is not one of the chosen procedure's cases."),
                    code="invalid_case",
                ),
            )
        elif case is None and procedure.cases.exists():
            self.add_error(
                "document_case",
                forms.ValidationError(
                    _("Choose the case the dossier falls under."), code="case_required"
                ),
            )
        return cleaned

    def clean_identity_number(self):
        value = self.cleaned_data["identity_number"].strip()
        if value:
            validate_identity_number(value)
        return value

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if not value:
            return ""
        validate_phone(value)
        return normalize_phone(value)

    def applicant(self) -> dict[str, str]:
        return {
            key: self.cleaned_data[key]
            for key in ("name", "identity_number", "phone", "email", "address", "organisation")
        }


class AssignForm(StaleCheckForm):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff


class CompleteStepForm(StaleCheckForm):
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


class CompleteForm(StaleCheckForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=DossierOutcome.choices)


class ExtendForm(StaleCheckForm):
    new_appointment_at = forms.DateTimeField(
        label=_("New appointment"),
        input_formats=["%d/%m/%Y %H:%M"],
        help_text=_("dd/mm/yyyy HH:MM"),
    )
    reason = forms.CharField(
        label=_("Reason (for the apology letter)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
