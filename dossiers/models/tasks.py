"""Dead letters: Celery tasks that failed for good (no retry left), kept for an administrator.

Written by `dossiers.celery_signals` on Celery's `task_failure` signal; a task that will be
retried is not recorded. One row per task id: a redelivered task that fails again updates it.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskFailure(models.Model):
    task_name = models.CharField(_("task"), max_length=255, db_index=True)
    task_id = models.CharField(_("task id"), max_length=255, unique=True)
    args = models.JSONField(_("positional arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    exception = models.TextField(_("exception"), blank=True)
    traceback = models.TextField(_("traceback"), blank=True)
    retries = models.PositiveIntegerField(_("retries"), default=0)
    hostname = models.CharField(_("worker"), max_length=255, blank=True)
    failed_at = models.DateTimeField(_("failed at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed task")
        verbose_name_plural = _("failed tasks")
        ordering = ["-failed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.task_name}[{self.task_id}]"
