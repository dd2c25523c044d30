"""Factories of dossier data. Dossiers in a given state come from the services, not from here."""

import factory

from dossiers.choices import DossierChannel
from dossiers.models import Dossier
from tests.factories import ProcedureFactory


class DossierFactory(factory.django.DjangoModelFactory):
    """A draft dossier (the status every new Dossier row has)."""

    class Meta:
        model = Dossier

    procedure = factory.SubFactory(ProcedureFactory)
    agency = factory.SelfAttribute("procedure.agency")
    channel = DossierChannel.ONLINE
    applicant_name = "Nguyễn Văn An"
    applicant_identity_number = "008090001234"
    applicant_phone = "0912345678"
    applicant_email = "an.nguyen@example.vn"
    applicant_address = "Phường Minh Xuân, tỉnh Tuyên Quang"


def applicant_data(**overrides) -> dict[str, str]:
    data = {
        "name": "Nguyễn Văn An",
        "identity_number": "008090001234",
        "phone": "0912345678",
        "email": "an.nguyen@example.vn",
        "address": "Phường Minh Xuân, tỉnh Tuyên Quang",
    }
    data.update(overrides)
    return data
