"""Logs carry no phone or identity numbers (Law 91/2025/QH15: both are basic personal data).

`PersonalDataMaskFilter` rewrites every record before a handler writes it: Vietnamese phone
numbers (0xxxxxxxxx, +84xxxxxxxxx or 84xxxxxxxxx, also in groups 4-3-3 or 3-3-4) and identity
numbers (12-digit CCCD, 9-digit CMND) keep only their last three digits: `0934425312` becomes
`*******312`. Dossier codes (`000.00.16.H62-260115-0001`) have no run of nine digits and stay
readable. Any other 9- or 12-digit number is masked too: a log loses little by it.

Settings attach the filter to every handler of LOGGING; `configure_logging` (LOGGING_CONFIG)
attaches it again to handlers added after that and to Django's own default handlers. A Celery
worker replaces the root logger's handlers with its own (the SMS and e-mail are sent there): the
receivers at the end attach the filter to those too.
"""

import logging
import logging.config
import re

from celery import signals as celery_signals

KEPT_DIGITS = 3

# A digit never directly before or after the match: a longer run of digits is another number.
# Phones: ten digits from 0, or 84 / +84 and nine digits; written in groups 4-3-3 or 3-3-4.
_SEP = r"[ .\-]"
_PHONE = (
    r"(?:\+?84|0)\d{9}"
    rf"|(?:\+84{_SEP}?|0)(?:\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}}|\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{4}})"
)
_IDENTITY = r"\d{12}|\d{9}"
_PERSONAL_NUMBER = re.compile(rf"(?<![\d+])(?:{_PHONE}|{_IDENTITY})(?!\d)")


def _mask_match(match: re.Match) -> str:
    text = match.group(0)
    prefix = next((p for p in ("+84", "84") if text.startswith(p) and len(text) > 10), "")
    body = text[len(prefix) :]
    digits_left = sum(char.isdigit() for char in body)
    masked = []
    for char in body:
        if char.isdigit():
            masked.append(char if digits_left <= KEPT_DIGITS else "*")
            digits_left -= 1
        else:
            masked.append(char)
    return prefix + "".join(masked)


def mask_personal_data(text: str) -> str:
    """`text` with every phone and identity number masked but for its last three digits."""
    return _PERSONAL_NUMBER.sub(_mask_match, text)


class PersonalDataMaskFilter(logging.Filter):
    """Masks the message, its arguments and any traceback of each record; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the formatter to report
            return True
        record.msg = mask_personal_data(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


FILTER_NAME = "mask_personal_data"
FILTER_CONFIG = {"()": "portal.logging.PersonalDataMaskFilter"}


def with_masking(config: dict) -> dict:
    """`config` (a dictConfig dict, changed in place) with the mask on every handler."""
    config.setdefault("filters", {})[FILTER_NAME] = FILTER_CONFIG
    for handler in config.get("handlers", {}).values():
        filters = handler.setdefault("filters", [])
        if FILTER_NAME not in filters:
            filters.append(FILTER_NAME)
    return config


def _existing_handlers() -> set[logging.Handler]:
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    return {handler for logger in loggers for handler in logger.handlers}


def _mask_handlers(handlers) -> None:
    for handler in handlers:
        if not any(isinstance(f, PersonalDataMaskFilter) for f in handler.filters):
            handler.addFilter(PersonalDataMaskFilter())


def configure_logging(config: dict) -> None:
    """LOGGING_CONFIG: dictConfig with the mask on every handler, including those Django set up
    from its DEFAULT_LOGGING before (django.server, mail_admins) and the settings do not name."""
    logging.config.dictConfig(with_masking(config))
    _mask_handlers(_existing_handlers())


@celery_signals.after_setup_logger.connect
@celery_signals.after_setup_task_logger.connect
def mask_celery_handlers(logger=None, **kwargs) -> None:
    """The handlers a Celery worker sets up (its root and task loggers, print() redirected)."""
    _mask_handlers(_existing_handlers())
