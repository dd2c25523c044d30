from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _calendar_changed(sender, using, **kwargs):
    """A calendar row changed: the cached WorkCalendars must be rebuilt."""
    # Imported here: models (and so selectors) cannot load before the app registry is ready.
    from .selectors import work_calendar_changed

    work_calendar_changed(using=using)


def _dossiers_under_version(procedure_pk: int) -> int:
    from .models import Dossier

    return Dossier.objects.filter(procedure_id=procedure_pk).count()


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self):
        # Signals only for cache invalidation (STYLE.md §2): no domain logic hangs on them.
        from .models import CalendarDay, WorkingSession

        for model in (WorkingSession, CalendarDay):
            uid = f"dossiers-calendar-changed-{model._meta.label_lower}"
            post_save.connect(_calendar_changed, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(_calendar_changed, sender=model, dispatch_uid=f"{uid}-delete")

        # The catalogue refuses to change a procedure version that dossiers use (it never
        # imports dossiers, so the count is handed to it here).
        from procedures.usage import register_usage_counter

        register_usage_counter(_dossiers_under_version)

        # Celery's task_failure: the dead-letter record (dossiers.models.TaskFailure).
        from .celery_signals import connect

        connect()
