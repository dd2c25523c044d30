import datetime

from django.db import migrations

# Monday to Friday, 07:00-11:30 and 13:30-17:00: eight hours a day, the 40-hour week of
# QĐ 188/1999/QĐ-TTg. Copied here rather than imported: a migration must not change when the
# code it would import does.
DEFAULT_SESSIONS = (
    (datetime.time(7, 0), datetime.time(11, 30)),
    (datetime.time(13, 30), datetime.time(17, 0)),
)


def create_default_schedule(apps, schema_editor):
    WorkingSession = apps.get_model("dossiers", "WorkingSession")
    if WorkingSession.objects.filter(agency__isnull=True).exists():
        return
    WorkingSession.objects.bulk_create(
        WorkingSession(agency=None, weekday=weekday, start=start, end=end)
        for weekday in range(5)
        for start, end in DEFAULT_SESSIONS
    )


def delete_default_schedule(apps, schema_editor):
    WorkingSession = apps.get_model("dossiers", "WorkingSession")
    WorkingSession.objects.filter(agency__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0001_initial")]

    operations = [migrations.RunPython(create_default_schedule, delete_default_schedule)]
