"""Catalogue search: whole words, diacritics optional, ranked the way a reader expects.

Each procedure stores folded columns (procedures.text.word_text: no diacritics, lower case,
words separated by single spaces):

- `search_name`: the words of its name, and `search_name_trigrams`, how many pg_trgm trigrams
  they make;
- `search_text`: the words of everything search looks at: code, name, competent, authorised and
  coordinating authority, result, field, principal and other agencies, document and result names.
  On PostgreSQL the column `search_words`, generated from it, holds the same words as a tsvector.

A procedure matches when every word of the query is a whole word of `search_text` (PostgreSQL:
`search_words` through its GIN index; SQLite: LIKE on the space-padded column). Matches
rank in tiers: the code typed exactly; the query as a phrase in the name; every word in the name;
the phrase in other fields; the words scattered over other fields. Within a tier, by pg_trgm
similarity of the name to the query (SQLite gets the same function in Python; a name holding
none of the words counts as 0), then in Vietnamese name order, then by code, so both databases
list the same procedures in the same order.

`Procedure.save()` fills the columns from the procedure's own fields and, once it exists, from
its documents, results and other agencies; whoever writes those afterwards (the import, the
admin) calls `procedure_refresh_search`.
"""

from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    Func,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Expression

from .collation import by_vietnamese_name
from .text import search_terms, trigram_count, trigram_similarity, word_text, words

# Tiers of a match, best first.
TIER_CODE, TIER_PHRASE_IN_NAME, TIER_WORDS_IN_NAME, TIER_PHRASE_ELSEWHERE, TIER_WORDS_ELSEWHERE = (
    range(5)
)


# ---- what is stored -----------------------------------------------------------------------------


def procedure_search_columns(procedure) -> dict[str, str | int]:
    """The search columns of `procedure` from what it holds now: its own fields, its field and
    principal agency, and, when it is already saved, its other agencies, documents and results."""
    parts = [
        procedure.code,
        procedure.name,
        procedure.decision_authority,
        procedure.authorised_agency,
        procedure.coordinating_agency,
        procedure.result,
    ]
    if procedure.field_id is not None:
        parts.append(procedure.field.name)
    if procedure.agency_id is not None:
        parts += [procedure.agency.name, procedure.agency.short_name]
    if procedure.pk is not None and not procedure._state.adding:
        for name, short_name in procedure.other_agencies.values_list("name", "short_name"):
            parts += [name, short_name]
        parts += procedure.documents.values_list("name", flat=True)
        for code, name in procedure.results.values_list("code", "name"):
            parts += [code, name]
    name = word_text(procedure.name)
    return {
        "search_name": name,
        "search_name_trigrams": trigram_count(name),
        "search_text": word_text(*parts),
    }


def procedure_refresh_search(procedure) -> None:
    """Rebuild the search columns of a saved procedure, after its documents, results or other
    agencies were written (or an agency or field it names was renamed). Writes only the search
    columns, so it is allowed on a version dossiers already use."""
    columns = procedure_search_columns(procedure)
    type(procedure).objects.filter(pk=procedure.pk).update(**columns)
    for name, value in columns.items():
        setattr(procedure, name, value)


# ---- how it is queried --------------------------------------------------------------------------


class _HasWords(Expression):
    """True when every phrase (words separated by single spaces), or with `any_of` at least
    one, appears as whole words in `column`, a column of words separated by single spaces:
    `' ' || phrase || ' '` is a substring of `' ' || column || ' '` (strpos on PostgreSQL,
    instr on SQLite: a tenth faster than LIKE '% phrase %' on long texts, the same answer)."""

    function = "instr"

    output_field = BooleanField()

    def __init__(self, column: str, phrases: list[str], *, any_of: bool = False):
        super().__init__()
        self.column = F(column)
        self.phrases = list(phrases)
        self.joiner = " OR " if any_of else " AND "

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection, function=None):
        column, params = compiler.compile(self.column)
        found = f"{function or self.function}(' ' || {column} || ' ', %s) > 0"
        sql = self.joiner.join([found] * len(self.phrases))
        padded = [f" {phrase} " for phrase in self.phrases]
        return f"({sql})", [value for phrase in padded for value in (*params, phrase)]

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, function="strpos")


class _HasWordsIndexed(_HasWords):
    """`_HasWords` over `search_text` for single words, which PostgreSQL answers from
    `search_words`, the tsvector of exactly those words that migration 0004 generates and
    indexes (GIN). The words are already folded, so a tsquery of quoted lexemes matches them
    as they are, with no text search configuration in between."""

    def as_postgresql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(self.column.alias)
        tsquery = " & ".join(f"'{phrase}'" for phrase in self.phrases)
        return f"{table}.{connection.ops.quote_name('search_words')} @@ %s::tsquery", [tsquery]


class _Similarity(Func):
    function = "similarity"
    output_field = FloatField()


def procedures_matching(procedures: QuerySet, query: str) -> QuerySet:
    """`procedures` that match `query`, best first; every procedure, in Vietnamese name order,
    when the query holds no word."""
    terms = search_terms(query)
    if not terms:
        return procedures.order_by(by_vietnamese_name("name"), "code")
    phrase = " ".join(words(query))
    tiers = [
        When(code__iexact=query.strip(), then=Value(TIER_CODE)),
        When(_HasWords("search_name", [phrase]), then=Value(TIER_PHRASE_IN_NAME)),
        When(_HasWords("search_name", terms), then=Value(TIER_WORDS_IN_NAME)),
        When(_HasWords("search_text", [phrase]), then=Value(TIER_PHRASE_ELSEWHERE)),
    ]
    if " " not in phrase:
        # One word: the phrase is the word, which every match holds (the tiers of words
        # scattered are empty); the same order without looking through the long texts.
        tiers = tiers[:2]
    tier = Case(
        *tiers,
        default=Value(TIER_PHRASE_ELSEWHERE if " " not in phrase else TIER_WORDS_ELSEWHERE),
        output_field=IntegerField(),
    )
    # similarity(search_name, phrase), descending, computed on as few rows as possible: a
    # common word matches most of the catalogue, and the function costs more than the rest of
    # the ranking. When the name holds every word, the query's trigrams are all among the
    # name's and the similarity is (query's count) / (name's count): fewer stored trigrams,
    # higher similarity, the same order without computing it. A name holding none of the words
    # (a match in other fields only) counts as 0, and such names follow in name order.
    closeness = [When(_HasWords("search_name", terms), then=-F("search_name_trigrams"))]
    if len(terms) > 1:
        closeness.append(
            When(
                _HasWords("search_name", terms, any_of=True),
                then=_Similarity("search_name", Value(phrase)),
            )
        )
    similarity = Case(*closeness, default=Value(0.0), output_field=FloatField())
    return (
        procedures.filter(_HasWordsIndexed("search_text", terms))
        .alias(search_tier=tier, search_similarity=similarity)
        .order_by(
            "search_tier",
            F("search_similarity").desc(),
            by_vietnamese_name("name"),
            "code",
        )
    )


def register_sqlite(connection) -> None:
    """Give an SQLite connection pg_trgm's `similarity(text, text)`."""
    connection.create_function("similarity", 2, trigram_similarity, deterministic=True)
