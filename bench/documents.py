"""Benchmark of dossiers.documents: `python bench/documents.py` (from the repository root).

Measured: the median time to render a receipt (Mẫu 01) and to render the register of
1,000 dossiers (Mẫu 06). Both run in an in-memory SQLite database:

- the receipt: 20 renders of one received dossier, after one warm-up;
- the register: 5 renders of the register of 1,000 generated dossiers of one lĩnh vực (rows read
  from the database and laid out on landscape A4, as the document job does), after one warm-up.
  Baselines measured in the same run: the same rows as a bare HTML string (the Django template
  alone, no WeasyPrint), and 1,000 receipts at this run's median receipt time.
"""

import os
import platform
import resource
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RUNS = 20
REGISTER_RUNS = 5
REGISTER_ROWS = 1000
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _median_of(runs: int, work) -> tuple[float, list[float], set]:
    timings, outputs = [], set()
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        timings.append(time.perf_counter() - start)
        outputs.add(result)
    return statistics.median(timings), timings, outputs


def main() -> None:
    os.environ["DATABASE_URL"] = "sqlite:///:memory:"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

    from django.template.loader import render_to_string

    from dossiers.documents import receipt_pdf
    from dossiers.documents.register import TEMPLATE as REGISTER_TEMPLATE
    from dossiers.documents.register import register_context, register_pdf
    from dossiers.generator import generate_dossiers
    from dossiers.models import Dossier
    from dossiers.services import dossier_receive
    from dossiers.statistics import Period
    from tests.dossiers.pdf_checks import reader
    from tests.dossiers.staff_setup import build_office, submitted_dossier

    office = build_office()
    dossier = submitted_dossier(office, name="Nguyễn Thị Hương")
    dossier = dossier_receive(dossier=dossier, actor=office.desk)

    first = receipt_pdf(dossier)  # warm-up: fonts, templates
    receipt_median, timings, outputs = _median_of(RUNS, lambda: receipt_pdf(dossier))
    outputs.add(first)
    data = next(iter(outputs))
    print("== dossiers.documents benchmark ==")
    print(f"platform: {platform.platform()}")
    print(f"machine: {platform.machine()}, cpu count: {os.cpu_count()}")
    print(f"python: {platform.python_version()} ({platform.python_implementation()})")
    print(f"receipt: {len(data):,} bytes; distinct outputs over {RUNS + 1} renders: {len(outputs)}")
    print(f"receipt, {RUNS} runs: " + ", ".join(f"{t:.3f}" for t in timings))
    print(f"median receipt render: {receipt_median:.3f} s")

    # The register: one procedure, so every generated dossier is in the office's lĩnh vực.
    generate_dossiers(
        count=REGISTER_ROWS + 150, seed=26, start=date(2026, 9, 1), end=date(2026, 11, 20), now=NOW
    )
    ids = list(
        Dossier.objects.exclude(received_at=None)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:REGISTER_ROWS]
    )
    assert len(ids) == REGISTER_ROWS, len(ids)
    arguments = {
        "dossiers": Dossier.objects.filter(pk__in=ids),
        "field": office.procedure.field,
        "period": Period(date(2026, 9, 1), date(2026, 11, 26)),
        "issuer": office.centre,
        "as_of": NOW,
    }
    context = register_context(**arguments)
    assert len(context["rows"]) == REGISTER_ROWS
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    warm = register_pdf(**arguments)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    register_median, register_timings, register_outputs = _median_of(
        REGISTER_RUNS, lambda: register_pdf(**arguments)
    )
    register_outputs.add(warm)
    html_median, _html_timings, _html = _median_of(
        RUNS, lambda: render_to_string(REGISTER_TEMPLATE, register_context(**arguments))
    )
    pages = len(reader(warm).pages)
    print(
        f"register of {REGISTER_ROWS:,} dossiers: {len(warm):,} bytes, {pages} landscape pages; "
        f"distinct outputs over {REGISTER_RUNS + 1} renders: {len(register_outputs)}"
    )
    print(f"register, {REGISTER_RUNS} runs: " + ", ".join(f"{t:.2f}" for t in register_timings))
    print(f"median register render (rows read + PDF): {register_median:.2f} s")
    print(
        f"  peak RSS of the process: {rss_before // 1024} MB before the first register render, "
        f"{rss_after // 1024} MB after it"
    )
    print(
        f"  per row: {register_median / REGISTER_ROWS * 1000:.1f} ms; "
        f"per page: {register_median / pages * 1000:.0f} ms"
    )
    print(
        f"baseline, same rows as a bare HTML string (template only, {RUNS} runs): "
        f"{html_median:.3f} s; ratio register / HTML: {register_median / html_median:.0f}"
    )
    receipts = receipt_median * REGISTER_ROWS
    print(
        f"baseline, {REGISTER_ROWS:,} receipts at this run's median: {receipts:.1f} s; "
        f"ratio register / receipts: {register_median / receipts:.3f}"
    )


if __name__ == "__main__":
    main()
