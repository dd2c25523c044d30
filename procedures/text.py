"""Text folding for search: Vietnamese without diacritics, lower case, split into whole words."""

import re
import struct
import unicodedata

_SPACES = re.compile(r"\s+")
# A word: letters and digits, dots allowed between them (codes such as 1.000201 or KQ.G15.000033
# stay one word). Everything else, the underscore included, separates words, so a word never
# holds a LIKE wildcard or a character a tsquery would need quoting for.
_WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*")
# Letters that carry a stroke rather than a combining mark: Vietnamese đ, and the look-alike
# Icelandic eth that some records type instead of it.
_STROKES = {"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"}
# What fold removes: marks, and invisible format characters (a left-to-right mark inside
# "k\u200eý" in real records) that would otherwise split a word in two.
_DROPPED = ("Mn", "Cf")
# The same as one table for str.translate, over the Basic Multilingual Plane (text beyond it
# takes the slow path): folding the catalogue's long texts in C rather than character by
# character in Python.
_FOLD_TABLE = {
    **{cp: None for cp in range(0x10000) if unicodedata.category(chr(cp)) in _DROPPED},
    **str.maketrans(_STROKES),
}


def fold(text: str) -> str:
    """`Hội nghị ĐỒNG` → `hoi nghi dong`: no tone marks, no vowel marks, đ as d, lower case."""
    decomposed = unicodedata.normalize("NFD", text or "")
    if decomposed.isascii():
        stripped = decomposed
    elif max(decomposed) <= "\uffff":
        stripped = decomposed.translate(_FOLD_TABLE)
    else:
        stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) not in _DROPPED)
        stripped = stripped.translate(str.maketrans(_STROKES))
    return _SPACES.sub(" ", stripped.lower()).strip()


def words(text: str) -> list[str]:
    """The folded words of `text` in order, repeats kept: `Thẻ ABTC (1.000201).` →
    `["the", "abtc", "1.000201"]`."""
    return _WORD.findall(fold(text))


def search_terms(query: str) -> list[str]:
    """The folded words of a query, without punctuation; duplicates removed, order kept."""
    return list(dict.fromkeys(words(query)))


def word_text(*parts: str) -> str:
    """The folded words of every part, separated by single spaces: the stored search form, in
    which `' ' || column || ' ' LIKE '% word %'` finds exactly the whole words."""
    return " ".join(word for part in parts if part for word in words(part))


def _trigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for word in re.findall(r"[^\W_]+", text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_count(text: str) -> int:
    """How many distinct pg_trgm trigrams `text` has. When every word of a query is a word of
    `text`, the query's trigrams are all among them and `similarity(text, query)` is
    trigram_count(query) / trigram_count(text): ranking by it needs no per-row similarity."""
    return len(_trigrams(text))


def trigram_similarity(left: str | None, right: str | None) -> float:
    """pg_trgm's `similarity()`: each word lower-cased and padded with two spaces before and one
    after, the sets of three-character slices compared as |A ∩ B| / |A ∪ B| (0 when either set is
    empty). SQLite gets this as a function, so ranking orders alike on both databases; the
    result is rounded to single precision as pg_trgm's float4 is."""
    a, b = _trigrams(left or ""), _trigrams(right or "")
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return _float4(shared / (len(a) + len(b) - shared))


def _float4(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]
