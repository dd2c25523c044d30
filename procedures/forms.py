from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import OnlineLevel
from .models import Agency, Field


class CatalogueFilterForm(forms.Form):
    """The search box and filters of the public catalogue. Every field is optional."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.none(), required=False, empty_label=_("All")
    )
    field = forms.ModelChoiceField(
        label=_("Field"), queryset=Field.objects.none(), required=False, empty_label=_("All")
    )
    online_level = forms.ChoiceField(
        label=_("Online level"),
        choices=[("", _("All"))] + list(OnlineLevel.choices),
        required=False,
    )

    def __init__(self, *args, agencies, fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["field"].queryset = fields
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Procedure name or code, e.g. hoi nghi quoc te"), "autofocus": True}
        )
