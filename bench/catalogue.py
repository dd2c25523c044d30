"""Benchmark of the catalogue: `python bench/catalogue.py [--count 3000]` (repository root).

Acceptance:
(a) the time to import the national sample (610 real records, catalogue-v1.json.gz) into an
    empty catalogue;
(b) catalogue search over 3,000 procedures on PostgreSQL: for a set of realistic queries, what
    the list page runs (`procedure_list_published(query=…)` through the Paginator: the count and
    the first 20 rows with field and agency) against the bare indexed query it needs (hand-written
    SQL: the GIN index lookup and the ranking order, first 20 ids), alternated in the same run:
    ratio of the medians <= 2, p95 of ours < 50 ms.

The database comes from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_catalogue);
it is created when missing and migrated; every catalogue table is emptied at the start. The 610
records are imported, then copied in SQL with new codes up to --count procedures (names kept, so
a province-sized catalogue with many near-duplicate names: one procedure per level).
"""

import argparse
import gzip
import os
import platform
import statistics
import sys
import time as clock
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_catalogue"
SAMPLE = Path(
    os.environ.get(
        "NATIONAL_SAMPLE",
        Path(__file__).resolve().parents[2]
        / "shared"
        / "data"
        / "national-sample"
        / "catalogue-v1.json.gz",
    )
)
PAGE_SIZE = 20  # procedures.views.PAGE_SIZE

# What people type: without diacritics, one to six words, a code; common words ("cap", "thu
# tuc", "dang ky") match a third to most of the catalogue and are the expensive ones to rank.
QUERIES = [
    "khai sinh",
    "dang ky ket hon",
    "cap lai the can cuoc",
    "gia han tam tru",
    "dang ky thuong tru",
    "ly lich tu phap",
    "khieu nai",
    "ho chieu",
    "nuoi con nuoi",
    "chung thuc",
    "cong chung vien",
    "xuat nhap canh",
    "thua phat lai",
    "dau gia tai san",
    "giay phep",
    "1.001193",
    "dang ky",
    "cap",
    "thu tuc",
    "cong an",
]

# The ranking written by hand from procedures.search (its shortcuts included: one word needs no
# look through the long texts, and similarity() only where the name holds some of the words).
# Like the page, it counts the matches and reads the first 20 rows with the same columns (the
# list's, CATALOGUE_LIST_DEFERRED left out) and their field and agency.
COUNT_SQL = """
SELECT count(*) FROM procedures_procedure p
WHERE p.is_published AND p.valid_from <= %(day)s
  AND (p.valid_until IS NULL OR p.valid_until >= %(day)s)
  AND p.search_words @@ %(tsquery)s::tsquery
"""
BASELINE_SQL = """
SELECT {columns} FROM procedures_procedure p
JOIN procedures_field f ON f.id = p.field_id
JOIN procedures_agency a ON a.id = p.agency_id
WHERE p.is_published AND p.valid_from <= %(day)s
  AND (p.valid_until IS NULL OR p.valid_until >= %(day)s)
  AND p.search_words @@ %(tsquery)s::tsquery
ORDER BY CASE
    WHEN upper(p.code) = upper(%(code)s) THEN 0
    WHEN strpos(' ' || p.search_name || ' ', %(phrase)s) > 0 THEN 1
    {more_tiers}
  CASE WHEN {words_in_name} THEN -p.search_name_trigrams
       WHEN {a_word_in_name} THEN similarity(p.search_name, %(folded)s)
       ELSE 0 END DESC,
  p.name COLLATE vietnamese,
  p.code
LIMIT 20
"""
MORE_TIERS = """WHEN {words_in_name} THEN 2
    WHEN strpos(' ' || p.search_text || ' ', %(phrase)s) > 0 THEN 3
    ELSE 4 END,"""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def ensure_database(url: str) -> None:
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
                print(f"created database {name}")
    finally:
        conn.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def grow_by_copy(cursor, *, total: int) -> int:
    """Copy procedures in SQL up to `total` rows: copy k of `1.001193` is `9k1.001193`, its
    search_text starting with the new code; names, fields, agencies and search words kept."""
    cursor.execute("SELECT count(*), max(id) FROM procedures_procedure")
    have, max_id = cursor.fetchone()
    if have >= total:
        return 0
    cursor.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'procedures_procedure' AND table_schema = current_schema()"
        " AND is_generated = 'NEVER' ORDER BY ordinal_position"
    )
    columns = [name for (name,) in cursor.fetchall() if name != "id"]
    new_code = "'9' || k::text || p.code"
    special = {
        "code": new_code,
        "search_text": f"regexp_replace(p.search_text, '^\\S+', {new_code})",
    }
    select = ", ".join(special.get(name, f"p.{name}") for name in columns)
    copies = -(-(total - have) // have)
    cursor.execute(
        f"INSERT INTO procedures_procedure ({', '.join(columns)})"
        f" SELECT {select} FROM procedures_procedure p, generate_series(1, {copies}) k"
        f" WHERE p.id <= %s ORDER BY k, p.id LIMIT %s",
        [max_id, total - have],
    )
    return cursor.rowcount


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("bench/catalogue.py needs PostgreSQL (DATABASE_URL=postgres://…).")
    ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()

    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.db import connection, transaction
    from django.utils import timezone

    from procedures.exchange import catalogue_import_json
    from procedures.models import Agency, Field, Procedure
    from procedures.search import procedure_refresh_search, procedure_search_columns
    from procedures.selectors import CATALOGUE_LIST_DEFERRED, procedure_list_for_catalogue
    from procedures.text import search_terms, words

    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables"
            " WHERE schemaname = current_schema() AND tablename LIKE 'procedures\\_%%'"
        )
        (tables,) = cursor.fetchone()
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")

    print("== catalogue benchmark ==")
    print(f"platform: {platform.platform()}")
    print(f"machine: {platform.machine()}, cpu: {cpu_model()}, cpu count: {os.cpu_count()}")
    print(f"memory: {memory_total()}, load average: {os.getloadavg()}")
    print(f"python: {platform.python_version()}, database: PostgreSQL {connection.pg_version}")

    # (a) import into an empty catalogue
    payload = gzip.decompress(SAMPLE.read_bytes())
    started = clock.perf_counter()
    result = catalogue_import_json(payload)
    import_seconds = clock.perf_counter() - started
    print(f"\n(a) import of {SAMPLE.name} into an empty catalogue")
    print(f"  {result}")
    print(f"  catalogue_import_json: {import_seconds:.2f} s")
    procedures = list(Procedure.objects.select_related("field", "agency"))
    stale = sum(
        1
        for procedure in procedures
        if procedure_search_columns(procedure)["search_text"] != procedure.search_text
    )
    started = clock.perf_counter()
    with transaction.atomic():
        for procedure in procedures:
            procedure_refresh_search(procedure)
    refresh_seconds = clock.perf_counter() - started
    print(
        f"  procedure_refresh_search for all {len(procedures)}: {refresh_seconds:.2f} s"
        f" ({stale} had search columns without their documents' words after the import)"
    )

    # (b) search over --count procedures
    with transaction.atomic(), connection.cursor() as cursor:
        added = grow_by_copy(cursor, total=args.count)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE procedures_procedure")
    total = Procedure.objects.count()
    print(f"\n(b) search over {total:,} procedures ({added:,} copied in SQL)")

    today = timezone.localdate()
    listed = [
        f"p.{f.column}"
        for f in Procedure._meta.concrete_fields
        if f.name not in CATALOGUE_LIST_DEFERRED
    ]
    columns = ", ".join(
        listed
        + [f"f.{f.column}" for f in Field._meta.concrete_fields]
        + [f"a.{f.column}" for f in Agency._meta.concrete_fields]
    )

    def ours(query: str) -> tuple[int, list[int]]:
        page = Paginator(procedure_list_for_catalogue(query=query), PAGE_SIZE).get_page(1)
        rows = list(page.object_list)
        return page.paginator.count, [row.pk for row in rows]

    def baseline(query: str) -> list[int]:
        terms = search_terms(query)
        folded = " ".join(words(query))
        words_in_name = " AND ".join(
            f"strpos(' ' || p.search_name || ' ', %(word{i})s) > 0" for i in range(len(terms))
        )
        a_word_in_name = words_in_name.replace(" AND ", " OR ") if len(terms) > 1 else "false"
        more_tiers = MORE_TIERS if " " in folded else "ELSE 3 END,"
        sql = BASELINE_SQL.format(
            columns=columns,
            more_tiers=more_tiers.format(words_in_name=words_in_name),
            words_in_name=words_in_name,
            a_word_in_name=a_word_in_name,
        )
        params = {
            "day": today,
            "tsquery": " & ".join(f"'{term}'" for term in terms),
            "code": query.strip(),
            "phrase": f" {folded} ",
            "folded": folded,
            **{f"word{i}": f" {term} " for i, term in enumerate(terms)},
        }
        with connection.cursor() as cursor:
            cursor.execute(COUNT_SQL, params)
            cursor.fetchone()
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    matches = {}
    for query in QUERIES:  # warm up, and check both return the same first page
        count, first_page = ours(query)
        matches[query] = count
        if baseline(query) != first_page:
            sys.exit(f"the baseline and procedure_list_published disagree on {query!r}")
    timings: dict[str, dict[str, list[float]]] = {q: {"ours": [], "raw": []} for q in QUERIES}
    for _round in range(args.rounds):
        for query in QUERIES:
            for kind, run in (("ours", ours), ("raw", baseline)):
                started = clock.perf_counter()
                run(query)
                timings[query][kind].append((clock.perf_counter() - started) * 1000)

    print(f"  {args.rounds} rounds, each query alternating ours / raw; milliseconds")
    print(
        f"  {'query':<24}{'matches':>8}{'ours med':>10}{'ours p95':>10}{'raw med':>9}{'ratio':>7}"
    )
    for query in QUERIES:
        mine, raw = timings[query]["ours"], timings[query]["raw"]
        print(
            f"  {query:<24}{matches[query]:>8}{statistics.median(mine):>10.2f}"
            f"{percentile(mine, 0.95):>10.2f}{statistics.median(raw):>9.2f}"
            f"{statistics.median(mine) / statistics.median(raw):>7.2f}"
        )
    all_ours = [t for q in QUERIES for t in timings[q]["ours"]]
    all_raw = [t for q in QUERIES for t in timings[q]["raw"]]
    median_ours, median_raw = statistics.median(all_ours), statistics.median(all_raw)
    p95_ours, p95_raw = percentile(all_ours, 0.95), percentile(all_raw, 0.95)
    ratio = median_ours / median_raw
    print(
        f"  all {len(all_ours)} searches: ours median {median_ours:.2f} ms, p95 {p95_ours:.2f} ms"
    )
    print(f"  all {len(all_raw)} searches: raw  median {median_raw:.2f} ms, p95 {p95_raw:.2f} ms")
    print(f"ratio of medians ours / raw (acceptance <= 2.0): {ratio:.2f}")
    print(f"ratio of p95 ours / raw:                         {p95_ours / p95_raw:.2f}")
    print(f"p95 of ours (acceptance < 50 ms): {p95_ours:.2f} ms")
    explain = "EXPLAIN " + BASELINE_SQL.format(
        columns="p.id",
        more_tiers=MORE_TIERS.format(words_in_name="true"),
        words_in_name="true",
        a_word_in_name="true",
    )
    example = {
        "day": today,
        "tsquery": "'khai' & 'sinh'",
        "code": "khai sinh",
        "phrase": " khai sinh ",
    }
    with connection.cursor() as cursor:
        cursor.execute(explain, {**example, "folded": "khai sinh"})
        plan = "\n".join(f"    {line}" for (line,) in cursor.fetchall())
    print(f"  plan of the raw query for 'khai sinh':\n{plan}")


if __name__ == "__main__":
    main()
