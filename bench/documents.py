"""Benchmark of dossiers.documents: `python bench/documents.py` (from the repository root).

Issue 7 asks for the median time to render a receipt (Mẫu 01) and to render the register of
1,000 dossiers. This first step measures the receipt only (20 renders of one received dossier in an
in-memory SQLite database); the register (Mẫu 06) is not built yet.
"""

import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RUNS = 20


def main() -> None:
    os.environ["DATABASE_URL"] = "sqlite:///:memory:"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

    from dossiers.documents import receipt_pdf
    from dossiers.services import dossier_receive
    from tests.dossiers.staff_setup import build_office, submitted_dossier

    office = build_office()
    dossier = submitted_dossier(office, name="Nguyễn Thị Hương")
    dossier = dossier_receive(dossier=dossier, actor=office.desk)

    first = receipt_pdf(dossier)  # warm-up: fonts, templates
    timings = []
    outputs = {first}
    for _ in range(RUNS):
        start = time.perf_counter()
        data = receipt_pdf(dossier)
        timings.append(time.perf_counter() - start)
        outputs.add(data)
    print("== dossiers.documents benchmark ==")
    print(f"platform: {platform.platform()}")
    print(f"machine: {platform.machine()}, cpu count: {os.cpu_count()}")
    print(f"python: {platform.python_version()} ({platform.python_implementation()})")
    print(f"receipt: {len(data):,} bytes; distinct outputs over {RUNS + 1} renders: {len(outputs)}")
    print(f"receipt, {RUNS} runs: " + ", ".join(f"{t:.3f}" for t in timings))
    print(f"median receipt render: {statistics.median(timings):.3f} s")
    print("register of 1,000 dossiers: not built yet (Mẫu 06 is a later step of issue 7)")


if __name__ == "__main__":
    main()
