"""Celery signal handlers of the dossiers app: the dead-letter record (TaskFailure).

Connected once from `DossiersConfig.ready()`, so both the web process (eager runs) and every
worker (Celery's Django fix-up calls `django.setup()`) record failures. A handler here must
never raise into Celery: a failure to record is logged and swallowed.
"""

import json
import logging
import traceback as traceback_module

from celery.exceptions import Ignore, Reject, Retry
from celery.signals import task_failure
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

__all__ = ["connect", "record_task_failure"]

logger = logging.getLogger(__name__)

# Outcomes that are not a final failure: a retry is scheduled, or the message is re-queued.
_NOT_FINAL = (Retry, Ignore)


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return repr(o)


def _jsonable(value, empty):
    if value is None:
        return empty
    return json.loads(json.dumps(value, cls=_Encoder))


def _traceback_text(traceback, einfo) -> str:
    if einfo is not None and getattr(einfo, "traceback", None):
        return str(einfo.traceback)
    if traceback is not None:
        return "".join(traceback_module.format_tb(traceback))
    return ""


def _request_value(sender, name, default):
    request = getattr(sender, "request", None)
    value = getattr(request, name, None) if request is not None else None
    return default if value is None else value


def record_task_failure(
    sender=None,
    task_id=None,
    exception=None,
    args=None,
    kwargs=None,
    traceback=None,
    einfo=None,
    **_extra,
):
    """`task_failure` receiver: one TaskFailure row per task that failed for good."""
    try:
        if isinstance(exception, _NOT_FINAL):
            return None
        if isinstance(exception, Reject) and exception.requeue:
            return None
        from .models import TaskFailure  # the app registry is ready once tasks run

        task_name = getattr(sender, "name", None) or str(sender or "")
        retries = int(_request_value(sender, "retries", 0) or 0)
        fields = {
            "task_name": task_name[:255],
            "args": _jsonable(list(args) if args is not None else None, []),
            "kwargs": _jsonable(dict(kwargs) if kwargs is not None else None, {}),
            "exception": f"{type(exception).__name__}: {exception}" if exception else "",
            "traceback": _traceback_text(traceback, einfo),
            "retries": retries,
            "hostname": str(_request_value(sender, "hostname", ""))[:255],
        }
        key = str(task_id or "")[:255]
        # A savepoint: an eager run inside a caller's transaction must not poison it.
        with transaction.atomic():
            failure, created = TaskFailure.objects.select_for_update().get_or_create(
                task_id=key, defaults=fields
            )
            if not created:
                # The same task failing again (redelivered, or an eager retry chain): keep one
                # row, with the most retries seen.
                failure.retries = max(failure.retries, retries)
                failure.save(update_fields=["retries"])
        return failure
    except Exception:
        logger.exception("Could not record the failure of task %s[%s].", sender, task_id)
        return None


def connect() -> None:
    task_failure.connect(record_task_failure, weak=False, dispatch_uid="dossiers-task-failure")
