"""Migration 0015: existing calendar days get the source kind of where they came from."""

from datetime import date
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

MIGRATION = ("dossiers", "0015_calendar_day_source")
BEFORE = [
    dependency
    for dependency in import_module(
        "dossiers.migrations.0015_calendar_day_source"
    ).Migration.dependencies
    if dependency[0] == "dossiers"
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_seeded_rows_become_predictions_or_official_letters_and_the_rest_admin_entries():
    old_apps = migrate(BEFORE)
    try:
        CalendarDay = old_apps.get_model("dossiers", "CalendarDay")
        Agency = old_apps.get_model("procedures", "Agency")
        User = old_apps.get_model("portal", "User")
        admin = User.objects.create(username="calendar-admin")
        agency = Agency.objects.create(code="X", name="Sở thử", kind="department")
        labour_code = "Bộ luật Lao động 2019, Điều 112"
        # (name, date, source document, creator, agency)
        rows = [
            ("package", date(2026, 1, 1), labour_code, None, None),
            (
                "package-swap",
                date(2025, 5, 2),
                f"{labour_code}; hoán đổi ngày làm việc theo thông báo của Chính phủ",
                None,
                None,
            ),
            ("culture-day", date(2026, 11, 24), "Nghị quyết 80-NQ/TW", None, None),
            ("tet", date(2026, 2, 17), "Công văn 9859/VPCP-KGVX", None, None),
            (
                "national-day",
                date(2026, 9, 2),
                "Công văn 9859/VPCP-KGVX; CV 6620/UBND-VX",
                None,
                None,
            ),
            ("by-an-admin", date(2026, 12, 31), labour_code, admin, None),
            ("for-an-agency", date(2026, 1, 1), "Công văn 9859/VPCP-KGVX", None, agency),
            ("other-text", date(2026, 12, 30), "Thông báo 12/TB-UBND", None, None),
            ("no-text", date(2026, 12, 29), "", None, None),
        ]
        pks = {
            name: CalendarDay.objects.create(
                date=day,
                kind="day_off",
                reason=name,
                source_document=source,
                created_by=creator,
                agency=owner,
            ).pk
            for name, day, source, creator, owner in rows
        }

        new_apps = migrate([MIGRATION])

        kinds = dict(
            new_apps.get_model("dossiers", "CalendarDay").objects.values_list("pk", "source_kind")
        )
        assert {name: kinds[pk] for name, pk in pks.items()} == {
            "package": "package_prediction",
            "package-swap": "package_prediction",
            "culture-day": "package_prediction",
            "tet": "official_letter",
            "national-day": "official_letter",
            "by-an-admin": "admin",
            "for-an-agency": "admin",
            "other-text": "admin",
            "no-text": "admin",
        }
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
