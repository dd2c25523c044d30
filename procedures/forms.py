from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ApplicantType, OnlineLevel, ProcedureLevel
from .models import Agency, Field


def _choices_with_all(choices) -> list[tuple[str, str]]:
    return [("", _("All"))] + list(choices)


class CatalogueFilterForm(forms.Form):
    """The search box and filters of the public catalogue. Every field is optional."""

    q = forms.CharField(
        label=_("Search"),
        max_length=200,
        required=False,
        widget=forms.SearchInput(attrs={"class": "form-control"}),
    )
    level = forms.ChoiceField(
        label=_("Level"),
        choices=_choices_with_all(ProcedureLevel.choices),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("All"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    field = forms.ModelChoiceField(
        label=_("Field"),
        queryset=Field.objects.none(),
        required=False,
        empty_label=_("All"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    online_level = forms.ChoiceField(
        label=_("Online level"),
        choices=_choices_with_all(OnlineLevel.choices),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    applicant_type = forms.ChoiceField(
        label=_("Who may apply"),
        # Citizens or organisations; procedures open to both are found under either.
        choices=_choices_with_all(
            [(ApplicantType.CITIZEN, ApplicantType.CITIZEN.label)]
            + [(ApplicantType.ORGANISATION, ApplicantType.ORGANISATION.label)]
        ),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, agencies, fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["field"].queryset = fields
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Procedure name or code, e.g. hoi nghi quoc te"), "autofocus": True}
        )
