"""Vietnamese alphabetical order for lists sorted by name, alike on PostgreSQL and SQLite.

The alphabet is a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y (f j w z where the
Latin alphabet has them): Đ sorts after every D word, Ă and Â after A. Tone marks only decide
between names whose letters are the same (no mark, huyền, hỏi, ngã, sắc, nặng), and case only
after that.

PostgreSQL sorts with an ICU collation named `vietnamese` (locale `vi`) that migration 0004
creates. SQLite gets a collation of the same name, registered on every connection
(`register_sqlite`), that compares `vietnamese_sort_key`: a Python copy of the same rules, so one
`.order_by(by_vietnamese_name())` means the same order on both. A collation rather than a stored
sort key, because agencies and fields are sorted by name too and a key column would have to be
kept in step on every table that is; a collation needs nothing stored.

The key follows ICU's layout (CLDR root order with the Vietnamese tailoring): first the letters
(spaces and punctuation count, and sort before digits, digits before letters), then the tone and
other marks, then case (lower before upper), then the code points, as PostgreSQL breaks ties
between strings ICU finds equal. The punctuation order is ICU's, read from PostgreSQL 15.
"""

import unicodedata
from functools import lru_cache

from django.db.models import F
from django.db.models.functions import Collate

COLLATION = "vietnamese"

# ICU's order of whitespace, punctuation and symbols (all before digits and letters).
_WHITESPACE = "\t\n\v\f\r "
_PUNCTUATION = "_-–—,;:!?.…'‘’\"“”()[]{}@*/\\&#%`^+<=>|~$"
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Marks that make a letter of its own in Vietnamese (ă â ê ô ơ ư): part of the letter.
_LETTER_MARKS = {"a\u0306": "ă", "a\u0302": "â", "e\u0302": "ê", "o\u0302": "ô", "o\u031b": "ơ"}
_LETTER_MARKS["u\u031b"] = "ư"
# Tone marks in the Vietnamese order: huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

_GROUP_SPACE, _GROUP_PUNCT, _GROUP_SYMBOL, _GROUP_DIGIT, _GROUP_LETTER, _GROUP_OTHER = range(6)


def by_vietnamese_name(field: str = "name") -> Collate:
    """`field` in Vietnamese alphabetical order, for `.order_by(by_vietnamese_name("name"),
    "code")`; `.desc()` reverses it; relations work too (`by_vietnamese_name("agency__name")`)."""
    return Collate(F(field), COLLATION)


def _primary(char: str) -> tuple[int, int]:
    if char in _WHITESPACE or unicodedata.category(char) == "Zs":
        return (_GROUP_SPACE, _WHITESPACE.find(char) if char in _WHITESPACE[:5] else 5)
    index = _PUNCTUATION.find(char)
    if index >= 0:
        return (_GROUP_PUNCT, index)
    category = unicodedata.category(char)
    if category[0] == "P":
        return (_GROUP_PUNCT, len(_PUNCTUATION) + ord(char))
    if category[0] == "S":
        return (_GROUP_SYMBOL, ord(char))
    if category == "Nd":
        return (_GROUP_DIGIT, unicodedata.digit(char))
    index = _ALPHABET.find(char)
    if index >= 0:
        return (_GROUP_LETTER, index)
    return (_GROUP_OTHER, ord(char))


@lru_cache(maxsize=16384)
def vietnamese_sort_key(text: str) -> tuple:
    """The sort key of `text` in Vietnamese order (see the module docstring)."""
    decomposed = unicodedata.normalize("NFD", text or "")
    primary: list[tuple[int, int]] = []
    secondary: list[int] = []
    tertiary: list[int] = []
    index = 0
    while index < len(decomposed):
        base = decomposed[index]
        index += 1
        marks = []
        while index < len(decomposed) and unicodedata.combining(decomposed[index]):
            marks.append(decomposed[index])
            index += 1
        category = unicodedata.category(base)
        if category == "Cf" or (category == "Cc" and base not in _WHITESPACE):
            continue  # ignorable, as in ICU (left-to-right marks, zero-width spaces …)
        lower = base.lower() if len(base.lower()) == 1 else base
        letter = lower
        for mark in marks:
            if lower + mark in _LETTER_MARKS:
                letter = _LETTER_MARKS[lower + mark]
                marks.remove(mark)
                break
        primary.append(_primary(letter))
        secondary.append(0)
        secondary.extend(_TONES.get(mark, 10 + ord(mark)) for mark in marks)
        tertiary.append(0 if base == lower else 1)
    return (tuple(primary), tuple(secondary), tuple(tertiary), text or "")


def compare_vietnamese(left: str, right: str) -> int:
    """-1, 0 or 1 as `left` sorts before, with or after `right` (SQLite's collation callback)."""
    a, b = vietnamese_sort_key(left), vietnamese_sort_key(right)
    return (a > b) - (a < b)


def register_sqlite(connection) -> None:
    """Give an SQLite connection the `vietnamese` collation."""
    connection.create_collation(COLLATION, compare_vietnamese)
