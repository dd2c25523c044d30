"""Forms of the citizen screens: they check the shape of the input; the services decide the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.validators import normalize_phone, validate_identity_number, validate_phone

MAX_CODE_LENGTH = 64


def case_field(cases) -> forms.ModelChoiceField:
    """The required choice of the case (trường hợp) whose documents the dossier consists of."""
    return forms.ModelChoiceField(
        label=_("Your case"),
        queryset=cases,
        widget=forms.RadioSelect,
        empty_label=None,
        help_text=_("The documents to attach depend on the case."),
        error_messages={
            "required": _("Choose the case the dossier falls under."),
            "invalid_choice": _("Choose one of the cases listed."),
        },
    )


class CaseForm(forms.Form):
    """Starting a dossier for a procedure whose documents depend on the case."""

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_case"] = case_field(cases)


class ApplicantForm(forms.Form):
    """Who applies: prefilled from the account, editable while the dossier is a draft."""

    name = forms.CharField(label=_("Full name"), max_length=255)
    identity_number = forms.CharField(
        label=_("Personal identity number"),
        max_length=12,
        help_text=_("The 12 digits on the citizen identity card."),
        validators=[validate_identity_number],
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        help_text=_("Needed to track the dossier with its code."),
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    address = forms.CharField(label=_("Address"), max_length=500)
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=255,
        required=False,
        help_text=_("Only when you apply on behalf of an organisation."),
    )

    def __init__(self, *args, documents=(), cases=None, **kwargs):
        """`documents`: the required documents offered for upload; `cases`: the procedure's
        cases (a queryset), when its documents depend on the case."""
        super().__init__(*args, **kwargs)
        self.documents = list(documents)
        self.has_cases = cases is not None and cases.exists()
        if self.has_cases:
            self.fields["document_case"] = case_field(cases)
        for document in self.documents:
            self.fields[self.document_field_name(document)] = forms.FileField(
                label=document.name,
                required=False,
                help_text=_("PDF, JPEG, PNG, DOC or DOCX."),
            )

    @staticmethod
    def document_field_name(document) -> str:
        return f"document_{document.pk}"

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data["phone"])
        validate_phone(phone)
        return phone

    def applicant(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in APPLICANT_KEYS}

    def uploads(self):
        """(required document, uploaded file) for each document given a file."""
        return [
            (document, self.cleaned_data[self.document_field_name(document)])
            for document in self.documents
            if self.cleaned_data.get(self.document_field_name(document))
        ]


APPLICANT_KEYS = ("name", "identity_number", "phone", "email", "address", "organisation")


class SupplementForm(forms.Form):
    """Files asked for by the desk or the department: one field per required document + other."""

    other = forms.FileField(label=_("Other document"), required=False)

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = list(documents)
        for document in self.documents:
            self.fields[f"document_{document.pk}"] = forms.FileField(
                label=document.name, required=False
            )
        # The general field last.
        self.fields["other"] = self.fields.pop("other")

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in self.fields):
            raise forms.ValidationError(
                _("Choose at least one file to send with the supplement."), code="no_files"
            )
        return cleaned

    def uploads(self):
        """(required document or None, uploaded file) for each field given a file."""
        pairs = [
            (document, self.cleaned_data.get(f"document_{document.pk}"))
            for document in self.documents
        ]
        pairs.append((None, self.cleaned_data.get("other")))
        return [(document, upload) for document, upload in pairs if upload]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the dossier?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RatingForm(forms.Form):
    level = forms.ChoiceField(label=_("How satisfied are you?"), widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = list(levels)


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Dossier code"), max_length=MAX_CODE_LENGTH)
    phone = forms.CharField(
        label=_("Phone number given in the dossier"),
        max_length=20,
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip()
