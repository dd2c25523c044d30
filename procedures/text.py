"""Text folding for search: Vietnamese without diacritics, lower case."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """`Hội nghị ĐỒNG` → `hoi nghi dong`: no tone marks, no vowel marks, đ as d, lower case."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", stripped.lower()).strip()


def search_terms(query: str) -> list[str]:
    """The folded words of a query, without punctuation; duplicates removed, order kept."""
    words = re.findall(r"[\w.]+", fold(query))
    terms = []
    for word in words:
        word = word.strip(".")
        if word and word not in terms:
            terms.append(word)
    return terms
