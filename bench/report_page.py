"""Benchmark of the leaders' report page: `python bench/report_page.py [--dossiers 1000000]
[--grow-to 10000000]` (repository root).

Acceptance (issue 13): the whole `/reports/` page as a leader opens it (one-year province report
grouped by agency, with its indicators and its 12-month charts), median of 5, under 150 ms at
1,000,000 dossiers and under 250 ms at 10,000,000; page / raw SQL aggregate <= 0.3 at 1M and
<= 0.05 at 10M, the raw aggregate (bench/stats.py RAW_SQL, over the same rows) measured in the
same run. The XLSX export of the same report is timed alongside (reported, no target of its own).

Each request goes through Django's test Client (middleware, session, permission checks, template)
logged in as a leader of the province (or a superuser, `--as superuser`); the queries of one
request of each are counted.

The database comes from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_sweep).
It is filled as bench/sweep.py fills it (`fill_database`): `generate_dossiers` over the last two
years up to `--generate` dossiers (default: all of `--dossiers`), then copies of those rows in
SQL (`grow_by_copy`, the open share kept) up to `--dossiers`; with `--grow-to` the run is repeated
after copying up to that many. A second run reuses the rows.
"""

import argparse
import os
import platform
import statistics
import sys
import time as clock
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stats import cpu_model, run_raw, same_as_raw  # noqa: E402
from bench.sweep import OPEN_STATUSES, ensure_database, fill_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_sweep"
LEADER = "bench-report-leader@example.vn"
TARGETS = {  # dossiers: (page median in s, page / raw)
    1_000_000: (0.150, 0.3),
    10_000_000: (0.250, 0.05),
}


def bench_user(kind: str):
    """A superuser, or a leader whose agency is the province (every department below it)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from portal.roles import Role
    from procedures.models import Agency, AgencyKind

    User = get_user_model()
    if kind == "superuser":
        user = User.objects.filter(is_superuser=True).first()
        return user or User.objects.create_superuser("bench-stats@example.vn", password=None)
    province = Agency.objects.filter(kind=AgencyKind.PROVINCE).order_by("pk").first()
    if province is None:
        sys.exit("No agency of kind province to make the leader of.")
    user, _created = User.objects.get_or_create(
        username=LEADER, defaults={"email": LEADER, "is_staff": True}
    )
    if user.agency_id != province.pk:
        user.agency = province
        user.save(update_fields=["agency"])
    user.groups.add(Group.objects.get(name=Role.LEADER.value))
    return User.objects.get(pk=user.pk)


def measure(*, year: int, repeats: int, kind: str) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from dossiers.models import Dossier
    from dossiers.statistics import Period, report_build

    with connection.cursor() as cursor:
        for table in (
            "dossiers_dossier",
            "dossiers_rating",
            "dossiers_pause",
            "dossiers_dossierfile",
        ):
            cursor.execute(f"ANALYZE {table}")
    user = bench_user(kind)
    client = Client(raise_request_exception=True)
    client.force_login(user)
    period = Period.year(year)
    query = {"period": "year", "year": str(year), "grouping": "agency"}
    page_url, xlsx_url = reverse("dossiers:reports"), reverse("dossiers:report_xlsx")

    def get(url):
        started = clock.perf_counter()
        response = client.get(url, query)
        body = response.content
        elapsed = clock.perf_counter() - started
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
        return elapsed, len(body)

    # Warm each once, counting the queries of that request; then alternate.
    counted = {}
    for label, url in (("page", page_url), ("xlsx", xlsx_url)):
        with CaptureQueriesContext(connection) as queries:
            _elapsed, size = get(url)
        counted[label] = (len(queries), size)
    _elapsed, raw_rows = run_raw(period)
    report = report_build(user=user, period=period, grouping="agency")
    same = same_as_raw(report, raw_rows)

    times = {"page": [], "xlsx": [], "raw": []}
    for _ in range(repeats):
        times["page"].append(get(page_url)[0])
        times["xlsx"].append(get(xlsx_url)[0])
        times["raw"].append(run_raw(period)[0])
    return {
        "dossiers": Dossier.objects.count(),
        "open": Dossier.objects.filter(status__in=OPEN_STATUSES).count(),
        "period": period,
        "report": report,
        "same": same,
        "counted": counted,
        "times": times,
        "medians": {label: statistics.median(values) for label, values in times.items()},
    }


def show(result: dict, *, year: int, kind: str, repeats: int) -> bool:
    """Print one run; True when it meets the issue's targets for its size."""
    medians = result["medians"]
    total = result["dossiers"]
    t = result["report"].total.counts
    print(
        f"dossiers: {total:,} (received/processing {result['open']:,}); "
        f"period {result['period']} ({year}); grouping agency; as {kind}"
    )
    print(f"report rows: {len(result['report'].rows)}; identical to the raw SQL: {result['same']}")
    print(
        f"totals: received {t['received_total']:,} (carried over {t['carried_over']:,}, new "
        f"{t['received_new']:,}), resolved {t['resolved_total']:,}, withdrawn {t['withdrawn']:,},"
        f" in progress {t['in_progress_total']:,}"
    )
    for label, name in (("page", "/reports/ page"), ("xlsx", "XLSX export")):
        queries, size = result["counted"][label]
        print(f"{name}: {queries} queries, {size:,} bytes")
    for label in ("page", "xlsx", "raw"):
        runs = ", ".join(f"{x:.3f}" for x in result["times"][label])
        print(f"{label:5} {repeats} runs (s): {runs}; median {medians[label]:.3f}")
    page_ratio = medians["page"] / medians["raw"]
    print(f"ratio page / raw: {page_ratio:.3f}")
    print(f"ratio xlsx / raw: {medians['xlsx'] / medians['raw']:.3f}")
    size = min(TARGETS, key=lambda n: abs(n - total))
    limit, ratio_limit = TARGETS[size]
    met = medians["page"] < limit and page_ratio <= ratio_limit
    print(
        f"targets at {size:,}: page median < {limit * 1000:.0f} ms, page / raw <= {ratio_limit}"
        f" -> {'pass' if met else 'FAIL'}"
    )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument(
        "--generate",
        type=int,
        default=None,
        help="generate this many with generate_dossiers, copy the rest in SQL (default: all)",
    )
    parser.add_argument("--grow-to", type=int, default=None, help="then copy up to this many")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--as", dest="kind", choices=("leader", "superuser"), default="leader")
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("bench/report_page.py needs PostgreSQL (DATABASE_URL=postgres://…).")
    ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # As served: no debug pages, no query log kept in memory; the test Client's host allowed.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")

    import django

    django.setup()

    from django.db import connection

    from dossiers.models import Dossier

    def open_share() -> float:
        total = Dossier.objects.count()
        return Dossier.objects.filter(status__in=OPEN_STATUSES).count() / max(total, 1)

    fill_database(count=args.generate or args.dossiers, seed=args.seed, copy_open_share=None)
    if Dossier.objects.count() < args.dossiers:
        fill_database(count=args.dossiers, seed=args.seed, copy_open_share=open_share())

    print("== leaders' report page benchmark ==")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"platform: {platform.platform()}")
    print(f"machine: {platform.machine()}, cpu: {cpu_model()}, cpu count: {os.cpu_count()}")
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"python: {platform.python_version()} ({platform.python_implementation()})")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"postgresql: {cursor.fetchone()[0]}")
    met = [show(measure(year=args.year, repeats=args.repeats, kind=args.kind), **vars_of(args))]
    if args.grow_to and args.grow_to > Dossier.objects.count():
        fill_database(count=args.grow_to, seed=args.seed, copy_open_share=open_share())
        print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        met.append(
            show(measure(year=args.year, repeats=args.repeats, kind=args.kind), **vars_of(args))
        )
    print(f"verdict: {'pass' if all(met) else 'fail'}")


def vars_of(args) -> dict:
    return {"year": args.year, "kind": args.kind, "repeats": args.repeats}


if __name__ == "__main__":
    main()
