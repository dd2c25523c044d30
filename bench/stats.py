"""Benchmark of the leaders' statistics: `python bench/stats.py [--year 2025]` (repository root).

Acceptance: the one-year province report (dossiers.statistics.report_build, grouped by
agency, for a superuser) against the hand-written SQL aggregate it needs (one SELECT with
COUNT(*) FILTER (WHERE …) per column, GROUP BY agency_id), in the same run, median of 5 each:
ratio <= 1.5 and median under 1 s with 1,000,000 dossiers.

The database comes from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_sweep),
filled by bench/sweep.py (generate_dossiers); this script only migrates and reads.
"""

import argparse
import os
import platform
import statistics
import sys
import time as clock
from pathlib import Path

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


# The aggregate written by hand from DESIGN.md "Statistics" (not from report_column_q).
RAW_SQL = """
SELECT d.agency_id,
  count(*) FILTER (WHERE d.received_at < %(t0)s
                     AND (d.completed_at IS NULL OR d.completed_at >= %(t0)s)
                     AND (d.withdrawn_at IS NULL OR d.withdrawn_at >= %(t0)s)) AS carried_over,
  count(*) FILTER (WHERE d.received_at >= %(t0)s AND d.received_at < %(t1)s
                     AND d.channel = 'online') AS received_online,
  count(*) FILTER (WHERE d.received_at >= %(t0)s AND d.received_at < %(t1)s
                     AND d.channel IN ('direct', 'postal')) AS received_direct_postal,
  count(*) FILTER (WHERE d.received_at >= %(t0)s AND d.received_at < %(t1)s) AS received_new,
  count(*) FILTER (WHERE (d.received_at < %(t0)s
                          AND (d.completed_at IS NULL OR d.completed_at >= %(t0)s)
                          AND (d.withdrawn_at IS NULL OR d.withdrawn_at >= %(t0)s))
                      OR (d.received_at >= %(t0)s AND d.received_at < %(t1)s)) AS received_total,
  count(*) FILTER (WHERE d.received_at IS NOT NULL AND d.completed_at >= %(t0)s
                     AND d.completed_at < %(t1)s AND d.timeliness = 'early') AS resolved_early,
  count(*) FILTER (WHERE d.received_at IS NOT NULL AND d.completed_at >= %(t0)s
                     AND d.completed_at < %(t1)s AND d.timeliness = 'on_time') AS resolved_on_time,
  count(*) FILTER (WHERE d.received_at IS NOT NULL AND d.completed_at >= %(t0)s
                     AND d.completed_at < %(t1)s AND d.timeliness = 'late') AS resolved_late,
  count(*) FILTER (WHERE d.received_at IS NOT NULL AND d.completed_at >= %(t0)s
                     AND d.completed_at < %(t1)s) AS resolved_total,
  count(*) FILTER (WHERE d.received_at IS NOT NULL AND d.withdrawn_at >= %(t0)s
                     AND d.withdrawn_at < %(t1)s) AS withdrawn,
  count(*) FILTER (WHERE d.received_at < %(t1)s
                     AND (d.completed_at IS NULL OR d.completed_at >= %(t1)s)
                     AND (d.withdrawn_at IS NULL OR d.withdrawn_at >= %(t1)s)
                     AND NOT (d.due_at < %(t1)s AND NOT EXISTS (
                         SELECT 1 FROM dossiers_pause p WHERE p.dossier_id = d.id
                         AND p.started_at < %(t1)s
                         AND (p.ended_at IS NULL OR p.ended_at > %(t1)s)))) AS in_progress_within,
  count(*) FILTER (WHERE d.received_at < %(t1)s
                     AND (d.completed_at IS NULL OR d.completed_at >= %(t1)s)
                     AND (d.withdrawn_at IS NULL OR d.withdrawn_at >= %(t1)s)
                     AND d.due_at < %(t1)s AND NOT EXISTS (
                         SELECT 1 FROM dossiers_pause p WHERE p.dossier_id = d.id
                         AND p.started_at < %(t1)s
                         AND (p.ended_at IS NULL OR p.ended_at > %(t1)s))) AS in_progress_overdue,
  count(*) FILTER (WHERE d.received_at < %(t1)s
                     AND (d.completed_at IS NULL OR d.completed_at >= %(t1)s)
                     AND (d.withdrawn_at IS NULL OR d.withdrawn_at >= %(t1)s)) AS in_progress_total,
  count(*) FILTER (WHERE d.received_at < %(t1)s
                     AND (d.completed_at IS NULL OR d.completed_at >= %(t1)s)
                     AND (d.withdrawn_at IS NULL OR d.withdrawn_at >= %(t1)s)
                     AND EXISTS (
                         SELECT 1 FROM dossiers_pause p WHERE p.dossier_id = d.id
                         AND p.started_at < %(t1)s
                         AND (p.ended_at IS NULL OR p.ended_at > %(t1)s))) AS awaiting_supplement,
  count(*) FILTER (WHERE d.submitted_at >= %(t0)s AND d.submitted_at < %(t1)s
                     AND d.channel = 'online') AS submitted_online,
  count(*) FILTER (WHERE d.refused_at >= %(t0)s AND d.refused_at < %(t1)s) AS refused,
  count(*) FILTER (WHERE d.returned_at >= %(t0)s AND d.returned_at < %(t1)s) AS returned,
  count(*) FILTER (WHERE r.rated_at >= %(t0)s AND r.rated_at < %(t1)s) AS ratings,
  count(*) FILTER (WHERE r.rated_at >= %(t0)s AND r.rated_at < %(t1)s
                     AND r.level IN ('very_satisfied', 'satisfied')) AS ratings_satisfied
FROM dossiers_dossier d
LEFT JOIN dossiers_rating r ON r.dossier_id = d.id
WHERE (d.received_at < %(t0)s
       AND (d.completed_at IS NULL OR d.completed_at >= %(t0)s)
       AND (d.withdrawn_at IS NULL OR d.withdrawn_at >= %(t0)s))
   OR (d.received_at >= %(t0)s AND d.received_at < %(t1)s)
   OR (d.completed_at >= %(t0)s AND d.completed_at < %(t1)s)
   OR (d.withdrawn_at >= %(t0)s AND d.withdrawn_at < %(t1)s)
   OR (d.submitted_at >= %(t0)s AND d.submitted_at < %(t1)s)
   OR (d.refused_at >= %(t0)s AND d.refused_at < %(t1)s)
   OR (d.returned_at >= %(t0)s AND d.returned_at < %(t1)s)
   OR (r.rated_at >= %(t0)s AND r.rated_at < %(t1)s)
GROUP BY d.agency_id
"""


def run_raw(period) -> tuple[float, list[tuple]]:
    """RAW_SQL over `period` on the default connection: (seconds, rows)."""
    from django.db import connection

    started = clock.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL, {"t0": period.t0, "t1": period.t1})
        rows = cursor.fetchall()
    return clock.perf_counter() - started, rows


def same_as_raw(report, raw_rows: list[tuple]) -> bool:
    """True when the rows of a report grouped by agency are the raw aggregate's (groups with
    some count)."""
    from dossiers.statistics import COLUMNS

    raw_by_agency = {row[0]: dict(zip(COLUMNS, row[1:], strict=True)) for row in raw_rows}
    raw_by_agency = {k: v for k, v in raw_by_agency.items() if any(v.values())}
    return raw_by_agency == {row.key: row.counts for row in report.rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="print both query plans")
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("bench/stats.py needs PostgreSQL (DATABASE_URL=postgres://…).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from dossiers.models import Dossier
    from dossiers.statistics import Period, report_build

    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dossiers_dossier")
        cursor.execute("ANALYZE dossiers_rating")
        cursor.execute("ANALYZE dossiers_pause")
    total = Dossier.objects.count()
    User = get_user_model()
    user = User.objects.filter(is_superuser=True).first()
    if user is None:
        user = User.objects.create_superuser("bench-stats@example.vn", password=None)
    period = Period.year(args.year)
    params = {"t0": period.t0, "t1": period.t1}

    def run_report():
        started = clock.perf_counter()
        report = report_build(user=user, period=period, grouping="agency")
        return clock.perf_counter() - started, report

    if args.explain:
        queryset = Dossier.objects.all()
        sql, sql_params = _aggregate_sql(queryset, period)
        with connection.cursor() as cursor:
            for label, statement, values in (("report", sql, sql_params), ("raw", RAW_SQL, params)):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, values)
                print(f"-- {label}")
                print("\n".join(line for (line,) in cursor.fetchall()))

    # Warm both once (caches, connection), then alternate.
    _t, report = run_report()
    _t, raw_rows = run_raw(period)
    same = same_as_raw(report, raw_rows)

    report_times, raw_times = [], []
    for _ in range(args.repeats):
        report_times.append(run_report()[0])
        raw_times.append(run_raw(period)[0])
    report_median = statistics.median(report_times)
    raw_median = statistics.median(raw_times)
    ratio = report_median / raw_median

    print("== dossiers.statistics benchmark ==")
    print(f"platform: {platform.platform()}")
    print(f"machine: {platform.machine()}, cpu: {cpu_model()}, cpu count: {os.cpu_count()}")
    print(f"python: {platform.python_version()} ({platform.python_implementation()})")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"postgresql: {cursor.fetchone()[0]}")
    print(f"dossiers: {total:,}; period {period} ({args.year}); grouping agency; superuser")
    print(f"rows: {len(report.rows)}; identical to the raw SQL: {same}")
    t = report.total.counts
    print(
        f"totals: received {t['received_total']:,} (carried over {t['carried_over']:,}, new "
        f"{t['received_new']:,}), resolved {t['resolved_total']:,}, withdrawn {t['withdrawn']:,},"
        f" in progress {t['in_progress_total']:,}"
    )
    print(f"report_build, {args.repeats} runs: " + ", ".join(f"{x:.3f}" for x in report_times))
    print(f"raw SQL,      {args.repeats} runs: " + ", ".join(f"{x:.3f}" for x in raw_times))
    print(f"median report_build: {report_median:.3f} s (acceptance < 1 s)")
    print(f"median raw SQL:      {raw_median:.3f} s")
    print(f"ratio report / raw:  {ratio:.2f} (acceptance <= 1.5)")
    if not same:
        sys.exit("report_build and the raw SQL disagree")


def _aggregate_sql(queryset, period):
    """The SQL of report_build's aggregate (for --explain)."""
    from django.db.models import Count

    from dossiers.statistics import COLUMNS, report_column_q
    from dossiers.statistics.columns import report_relevant_q

    query = (
        queryset.filter(report_relevant_q(period))
        .values("agency_id")
        .annotate(**{c: Count("pk", filter=report_column_q(c, period)) for c in COLUMNS})
        .order_by()
    )
    return query.query.sql_with_params()


if __name__ == "__main__":
    main()
