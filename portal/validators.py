"""Checks of what people type about themselves: phone, identity number, personal name.

A value must be what it looks like. Numbers are kept in ASCII digits: full-width digits
(０-９, typed with some input methods) are turned into ASCII by NFKC, any other script's digits
(Arabic-Indic ٠-٩, Devanagari …) are refused, since `0٩١٢٣٤٥٦٧٨` looks like a number and
matches none. Names lose invisible characters (bidi controls, zero-width characters) that can
make them read differently from what is stored, and may not look like an e-mail address.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_VIETNAMESE_MOBILE = re.compile(r"^0[0-9]{9}$")
_IDENTITY_NUMBER = re.compile(r"^[0-9]{12}$")
_ASCII_DIGITS = frozenset("0123456789")

NON_ASCII_DIGITS_MESSAGE = _("Write the number with the digits 0 to 9 only.")


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "")


def _has_other_digits(value: str) -> bool:
    """Whether `value` holds a digit of another script than ASCII (after NFKC)."""
    return any(char.isdigit() and char not in _ASCII_DIGITS for char in value)


def _refuse_other_digits(value: str) -> None:
    if _has_other_digits(value):
        raise ValidationError(NON_ASCII_DIGITS_MESSAGE, code="non_ascii_digits")


def normalize_phone(value: str) -> str:
    """`+84 912 345 678`, `0912.345.678`, `84912345678` and `０９１２３４５６７８` all become
    `0912345678`. Digits of other scripts stay as they are (and fail `validate_phone`)."""
    digits = _PHONE_SEPARATORS.sub("", _nfkc(value))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def validate_phone(value: str) -> None:
    """A Vietnamese mobile number in any usual spelling; store `normalize_phone(value)`."""
    phone = normalize_phone(value)
    _refuse_other_digits(phone)
    if not _VIETNAMESE_MOBILE.match(phone):
        raise ValidationError(
            _("Enter a phone number of 10 digits starting with 0, for example 0912345678."),
            code="invalid_phone",
        )


def normalize_identity_number(value: str) -> str:
    """The identity number with full-width digits made ASCII and surrounding spaces removed."""
    return _nfkc(value).strip()


def validate_identity_number(value: str) -> None:
    """Exactly 12 ASCII digits, as stored: callers that accept full-width digits pass the
    value through `normalize_identity_number` first."""
    value = value or ""
    if _has_other_digits(value):
        raise ValidationError(NON_ASCII_DIGITS_MESSAGE, code="non_ascii_digits")
    if not _IDENTITY_NUMBER.match(value):
        raise ValidationError(
            _("The personal identity number has exactly 12 digits."), code="invalid_identity"
        )


def _is_invisible(char: str) -> bool:
    # Cf (format) covers the bidi controls U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C
    # and the zero-width U+200B–U+200D, U+2060, U+FEFF; Cc covers control characters.
    return unicodedata.category(char) in ("Cf", "Cc")


def clean_personal_name(value: str) -> str:
    """A personal name as it should be stored: invisible characters removed, composed (NFC)
    and every run of spaces made one space. Refuses what is left if it is empty or looks like
    an e-mail address (it would pass for an account's address where names are shown)."""
    visible = "".join(char for char in (value or "") if char.isspace() or not _is_invisible(char))
    name = " ".join(unicodedata.normalize("NFC", visible).split())
    if not name:
        raise ValidationError(_("Enter your full name."), code="required")
    # NFKC folds look-alikes such as the full-width ＠ into @.
    if "@" in _nfkc(name):
        raise ValidationError(
            _("A name cannot contain “@”. Enter your full name, not an e-mail address."),
            code="name_like_email",
        )
    return name
