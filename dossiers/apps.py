from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _calendar_changed(sender, using, **kwargs):
    """A calendar row changed: the cached WorkCalendars must be rebuilt."""
    # Imported here: models (and so selectors) cannot load before the app registry is ready.
    from .selectors import work_calendar_changed

    work_calendar_changed(using=using)


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

        # Celery's task_failure: the dead-letter record (dossiers.models.TaskFailure).
        from .celery_signals import connect

        connect()
