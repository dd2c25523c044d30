"""Benchmark of the deadline sweep: `python bench/sweep.py [--count N]` (from the repository root).

Acceptance: one sweep (dossiers.services.deadline_sweep.dossier_flag_deadlines) against a
single hand-written SQL statement that marks the same rows, in the same run, ratio <= 2.0; a sweep
over 100,000 open dossiers in under 10 s.

The database comes from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_sweep); it
is created when missing, migrated, given the demo catalogue and the public holidays, then filled
with `generate_dossiers(with_events=False)` up to --count dossiers. A second run reuses the rows.
Between timed runs every flag is reset to NULL, so each run marks the same rows. The sweep's own
events stay (DossierEvent is append-only, a trigger refuses deletes).
"""

import argparse
import os
import platform
import sys
import time as clock
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_sweep"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


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


OPEN_STATUSES = ("received", "processing")


def grow_by_copy(cursor, *, total: int, open_share: float) -> tuple[int, int]:
    """Multiply the generated rows in SQL up to `total` dossiers with `open_share` of them open
    (clock running): copies of the generated open rows and of the closed rows, in proportion, each
    with a new code (`<code>-x<new id>`, so a second call makes new codes too), its own copies of
    the steps and current step, flags NULL.
    Dates stay those of the source row. Returns (dossiers added, steps added)."""
    cursor.execute(
        "SELECT count(*), count(*) FILTER (WHERE status IN %s), max(id) FROM dossiers_dossier",
        [OPEN_STATUSES],
    )
    have, have_open, max_id = cursor.fetchone()
    if have >= total:
        return 0, 0
    open_need = max(int(total * open_share) - have_open, 0)
    closed_need = max(total - have - open_need, 0)
    have_closed = have - have_open
    cursor.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND table_schema = current_schema() ORDER BY ordinal_position",
        ["dossiers_dossier"],
    )
    dossier_columns = [c for (c,) in cursor.fetchall()]
    cursor.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND table_schema = current_schema() ORDER BY ordinal_position",
        ["dossiers_dossierstep"],
    )
    step_columns = [c for (c,) in cursor.fetchall()]
    cursor.execute("SELECT coalesce(max(id), 0) FROM dossiers_dossierstep")
    (max_step,) = cursor.fetchone()
    copies_open = -(-open_need // max(have_open, 1))
    copies_closed = -(-closed_need // max(have_closed, 1))
    cursor.execute("DROP TABLE IF EXISTS grow_map, grow_steps")
    cursor.execute(
        f"""
        CREATE TEMP TABLE grow_map AS
        WITH want AS (
            (SELECT d.id, k FROM dossiers_dossier d, generate_series(1, {copies_open}) k
             WHERE d.id <= %(max_id)s AND d.status IN %(open)s ORDER BY k, d.id
             LIMIT %(open_need)s)
            UNION ALL
            (SELECT d.id, k FROM dossiers_dossier d, generate_series(1, {copies_closed}) k
             WHERE d.id <= %(max_id)s AND d.status NOT IN %(open)s ORDER BY k, d.id
             LIMIT %(closed_need)s)
        )
        SELECT id AS old_id, k, %(max_id)s + row_number() OVER (ORDER BY k, id) AS new_id
        FROM want
        """,
        {
            "max_id": max_id,
            "open": OPEN_STATUSES,
            "open_need": open_need,
            "closed_need": closed_need,
        },
    )
    special = {
        "id": "m.new_id",
        "code": "d.code || '-x' || m.new_id",
        "current_step_id": "NULL",
        "due_soon_flagged_at": "NULL",
        "overdue_flagged_at": "NULL",
        "idempotency_key": "''",
        "search_text": "d.search_text || ' x' || m.new_id",
    }
    select = ", ".join(special.get(c, f"d.{c}") for c in dossier_columns)
    cursor.execute(
        f"INSERT INTO dossiers_dossier ({', '.join(dossier_columns)})"
        f" SELECT {select} FROM grow_map m JOIN dossiers_dossier d ON d.id = m.old_id"
        " ORDER BY m.new_id"
    )
    added = cursor.rowcount
    cursor.execute(
        """
        CREATE TEMP TABLE grow_steps AS
        SELECT s.id AS old_id, m.k, m.new_id AS new_dossier,
               %(max_step)s + row_number() OVER (ORDER BY m.new_id, s.id) AS new_id
        FROM grow_map m JOIN dossiers_dossierstep s ON s.dossier_id = m.old_id
        """,
        {"max_step": max_step},
    )
    special = {
        "id": "g.new_id",
        "dossier_id": "g.new_dossier",
        "due_soon_flagged_at": "NULL",
        "overdue_flagged_at": "NULL",
    }
    select = ", ".join(special.get(c, f"s.{c}") for c in step_columns)
    cursor.execute(
        f"INSERT INTO dossiers_dossierstep ({', '.join(step_columns)})"
        f" SELECT {select} FROM grow_steps g JOIN dossiers_dossierstep s ON s.id = g.old_id"
        " ORDER BY g.new_id"
    )
    steps_added = cursor.rowcount
    cursor.execute("CREATE INDEX ON grow_steps (old_id, k)")
    cursor.execute("ANALYZE grow_steps")
    cursor.execute(
        """
        UPDATE dossiers_dossier AS d SET current_step_id = g.new_id
        FROM grow_map m JOIN dossiers_dossier o ON o.id = m.old_id
             JOIN grow_steps g ON g.old_id = o.current_step_id AND g.k = m.k
        WHERE d.id = m.new_id AND o.current_step_id IS NOT NULL
        """
    )
    for table in ("dossiers_dossier", "dossiers_dossierstep"):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    cursor.execute("DROP TABLE grow_map, grow_steps")
    return added, steps_added


def fill_database(*, count: int, seed: int, copy_open_share: float | None) -> None:
    """Migrate, load the demo catalogue and the public holidays when the database has no agency,
    then bring it to `count` dossiers: by copying the rows already there in SQL (grow_by_copy)
    when `copy_open_share` is given and some exist, otherwise with `generate_dossiers(
    with_events=False)` over the last two years. VACUUM ANALYZE at the end. Needs django.setup()."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from dossiers.generator import generate_dossiers
    from dossiers.models import Dossier
    from procedures.exchange import catalogue_import_json
    from procedures.models import Agency

    call_command("migrate", verbosity=0, interactive=False)
    if not Agency.objects.exists():
        catalogue = Path(settings.BASE_DIR) / "procedures" / "fixtures" / "demo_catalogue.json"
        catalogue_import_json(catalogue.read_bytes())
        year = timezone.localdate().year
        call_command("seed_calendar", "--from", str(year - 3), "--to", str(year + 2), verbosity=0)

    existing = Dossier.objects.count()
    if existing and existing < count and copy_open_share is not None:
        started = clock.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            added, steps = grow_by_copy(cursor.cursor, total=count, open_share=copy_open_share)
        elapsed = clock.perf_counter() - started
        print(f"copied {added:,} dossiers and {steps:,} steps in SQL in {elapsed:.1f} s")
    elif existing < count:
        started = clock.perf_counter()
        today = timezone.localdate()
        generate_dossiers(
            count=count - existing,
            seed=seed + existing,
            start=today - timedelta(days=730),
            end=today,
            with_events=False,
            batch_size=5000,
        )
        elapsed = clock.perf_counter() - started
        print(f"generated {count - existing:,} dossiers in {elapsed:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE dossiers_dossier")
        cursor.execute("VACUUM ANALYZE dossiers_dossierstep")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--copy-open-share",
        type=float,
        default=None,
        help="reach --count by copying the rows already generated in SQL (grow_by_copy) with this"
        " share open, e.g. 0.10, instead of generating the rest (minutes instead of ~15 min/1M)",
    )
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("bench/sweep.py needs PostgreSQL (DATABASE_URL=postgres://…).")
    ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()

    from django.db import connection, transaction
    from django.utils import timezone

    from dossiers.choices import DossierStatus
    from dossiers.models import Dossier, DossierStep
    from dossiers.services.deadline_sweep import (
        CLOCK_RUNNING,
        dossier_flag_deadlines,
        due_soon_threshold,
    )
    from procedures.models import Agency

    fill_database(count=args.count, seed=args.seed, copy_open_share=args.copy_open_share)

    total = Dossier.objects.count()
    open_count = Dossier.objects.filter(status__in=CLOCK_RUNNING).count()
    open_steps = DossierStep.objects.filter(
        finished_at__isnull=True, started_at__isnull=False, dossier__status=DossierStatus.PROCESSING
    ).count()
    now = timezone.now()
    agencies = list(Agency.objects.filter(dossiers__status__in=CLOCK_RUNNING).distinct())
    thresholds = [(a.pk, due_soon_threshold(agency=a, now=now)) for a in agencies]

    def reset() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE dossiers_dossier SET due_soon_flagged_at = NULL, overdue_flagged_at = NULL"
                " WHERE due_soon_flagged_at IS NOT NULL OR overdue_flagged_at IS NOT NULL"
            )
            cursor.execute(
                "UPDATE dossiers_dossierstep SET due_soon_flagged_at = NULL,"
                " overdue_flagged_at = NULL"
                " WHERE due_soon_flagged_at IS NOT NULL OR overdue_flagged_at IS NOT NULL"
            )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE dossiers_dossier")
            cursor.execute("VACUUM ANALYZE dossiers_dossierstep")

    named = {"now": now}
    rows = []
    for i, (agency_id, threshold) in enumerate(thresholds):
        named[f"agency{i}"], named[f"threshold{i}"] = agency_id, threshold
        rows.append(f"(%(agency{i})s, %(threshold{i})s::timestamptz)")
    values = ", ".join(rows)
    # One statement (data-modifying CTEs) that marks the same dossiers and steps as the sweep.
    baseline_sql = f"""
        WITH t(agency_id, threshold) AS (VALUES {values}),
        d AS (
            UPDATE dossiers_dossier AS d SET
                overdue_flagged_at = CASE WHEN d.due_at < %(now)s THEN %(now)s
                                          ELSE d.overdue_flagged_at END,
                due_soon_flagged_at = CASE WHEN d.due_at >= %(now)s THEN %(now)s
                                           ELSE d.due_soon_flagged_at END
            FROM t
            WHERE d.agency_id = t.agency_id AND d.status IN ('received', 'processing')
              AND ((d.due_at < %(now)s AND d.overdue_flagged_at IS NULL)
                OR (d.due_at >= %(now)s AND d.due_at < t.threshold
                    AND d.due_soon_flagged_at IS NULL))
            RETURNING d.id, d.status, d.due_at, d.overdue_flagged_at = %(now)s AS late
        ),
        s AS (
            UPDATE dossiers_dossierstep AS s SET
                overdue_flagged_at = CASE WHEN s.due_at < %(now)s THEN %(now)s
                                          ELSE s.overdue_flagged_at END,
                due_soon_flagged_at = CASE WHEN s.due_at >= %(now)s THEN %(now)s
                                           ELSE s.due_soon_flagged_at END
            FROM dossiers_dossier AS p, t
            WHERE s.dossier_id = p.id AND p.agency_id = t.agency_id
              AND p.status = 'processing' AND s.finished_at IS NULL
              AND s.started_at IS NOT NULL
              AND ((s.due_at < %(now)s AND s.overdue_flagged_at IS NULL)
                OR (s.due_at >= %(now)s AND s.due_at < t.threshold
                    AND s.due_soon_flagged_at IS NULL))
            RETURNING s.id, s.dossier_id, p.status, s.due_at, s.position, s.name,
                      s.overdue_flagged_at = %(now)s AS late
        )
        SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM s)
    """
    # The same statement that also writes one event per flagged row, as the sweep does.
    event_columns = "dossier_id, action, from_status, to_status, actor_id, at, note, data"
    with_events_sql = baseline_sql.replace(
        "SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM s)",
        f"""
        , e AS (
            INSERT INTO dossiers_dossierevent ({event_columns})
            SELECT id, CASE WHEN late THEN 'deadline_missed' ELSE 'deadline_due_soon' END,
                   status, status, NULL::bigint, %(now)s, '',
                   jsonb_build_object('due_at', due_at)
            FROM d
            UNION ALL
            SELECT dossier_id,
                   CASE WHEN late THEN 'step_deadline_missed' ELSE 'step_due_soon' END,
                   status, status, NULL::bigint, %(now)s, '',
                   jsonb_build_object('due_at', due_at, 'step', position, 'name', name)
            FROM s
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM s)""",
    )

    def run_baseline(sql: str) -> tuple[float, tuple[int, int]]:
        started = clock.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, named)
            counts = cursor.fetchone()
        return clock.perf_counter() - started, counts

    def run_sweep() -> tuple[float, dict]:
        started = clock.perf_counter()
        result = dossier_flag_deadlines(now=now)
        return clock.perf_counter() - started, result.as_dict()

    print("== deadline sweep benchmark ==")
    print(f"platform: {platform.platform()}")
    print(f"machine: {platform.machine()}, cpu: {cpu_model()}, cpu count: {os.cpu_count()}")
    print(f"python: {platform.python_version()}, database: PostgreSQL {connection.pg_version}")
    print(
        f"dossiers: {total:,}, clock running (received/processing): {open_count:,} "
        f"({open_count / total:.1%}), open steps: {open_steps:,}, agencies: {len(agencies)}"
    )
    print(f"now: {timezone.localtime(now):%Y-%m-%d %H:%M}")
    sweep_times, baseline_times, events_times = [], [], []
    for repeat in range(args.repeats):
        reset()
        seconds, counts = run_sweep()
        sweep_times.append(seconds)
        print(f"  run {repeat + 1}: sweep    {seconds:7.3f} s  {counts}")
        for label, sql, times in (
            ("raw SQL ", baseline_sql, baseline_times),
            ("raw SQL+events", with_events_sql, events_times),
        ):
            reset()
            seconds, (dossiers, steps) = run_baseline(sql)
            times.append(seconds)
            print(
                f"  run {repeat + 1}: {label} {seconds:7.3f} s  "
                f"dossiers {dossiers:,}, steps {steps:,}"
            )
    reset()
    best_sweep, best_baseline = min(sweep_times), min(baseline_times)
    best_events = min(events_times)
    print(f"sweep, best of {args.repeats}:                 {best_sweep:.3f} s")
    print(f"raw SQL UPDATE, best of {args.repeats}:        {best_baseline:.3f} s")
    print(f"raw SQL UPDATE + events, best of {args.repeats}: {best_events:.3f} s")
    print(f"ratio sweep / raw SQL UPDATE (acceptance <= 2.0): {best_sweep / best_baseline:.2f}")
    print(f"ratio sweep / raw SQL UPDATE + events:            {best_sweep / best_events:.2f}")


if __name__ == "__main__":
    main()
