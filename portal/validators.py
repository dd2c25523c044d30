import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_VIETNAMESE_MOBILE = re.compile(r"^0\d{9}$")
_IDENTITY_NUMBER = re.compile(r"^\d{12}$")


def normalize_phone(value: str) -> str:
    """`+84 912 345 678`, `0912.345.678` and `84912345678` all become `0912345678`."""
    digits = _PHONE_SEPARATORS.sub("", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def validate_phone(value: str) -> None:
    if not _VIETNAMESE_MOBILE.match(normalize_phone(value)):
        raise ValidationError(
            _("Enter a phone number of 10 digits starting with 0, for example 0912345678."),
            code="invalid_phone",
        )


def validate_identity_number(value: str) -> None:
    if not _IDENTITY_NUMBER.match(value or ""):
        raise ValidationError(
            _("The personal identity number has exactly 12 digits."), code="invalid_identity"
        )
