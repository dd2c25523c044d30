"""Turning a refused service call into the message shown to the user (citizen and staff views)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..workflow import InvalidTransition


def error_text(exc: Exception) -> str:
    if isinstance(exc, InvalidTransition):
        return str(exc.message)
    if isinstance(exc, ValidationError):
        return " ".join(str(message) for message in exc.messages)
    if exc.args and isinstance(exc.args[0], str):
        return exc.args[0]
    return _("This action is not allowed.")
