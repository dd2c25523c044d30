"""The seed's 2025 targets of the leaders' indicators (editable in the admin afterwards)."""

from datetime import date
from decimal import Decimal

from django.db import migrations

TARGETS = {
    "on_time_rate": "100",
    "satisfaction": "90",
    "online_share": "50",
    "digitised_share": "80",
    "electronically_circulated": "80",
    "digitally_signed": "100",
}
VALID_FROM = date(2025, 1, 1)


def seed(apps, schema_editor):
    IndicatorTarget = apps.get_model("dossiers", "IndicatorTarget")
    for code, target in TARGETS.items():
        IndicatorTarget.objects.get_or_create(
            code=code, valid_from=VALID_FROM, defaults={"target": Decimal(target)}
        )


def unseed(apps, schema_editor):
    IndicatorTarget = apps.get_model("dossiers", "IndicatorTarget")
    IndicatorTarget.objects.filter(valid_from=VALID_FROM, code__in=list(TARGETS)).delete()


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0009_statistics")]

    operations = [migrations.RunPython(seed, unseed)]
