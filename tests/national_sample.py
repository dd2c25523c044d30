"""The real national catalogue sample that several tests load: 610 procedure records, format v1.

It lives in the steering repository's shared/ folder, beside this repository's checkout (CI lays
it there too); NATIONAL_SAMPLE names another copy. A missing sample fails the test that needs it,
never skips it: those tests are the proof that real records load.
"""

import gzip
import json
import os
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
SAMPLE = Path(
    os.environ.get(
        "NATIONAL_SAMPLE",
        REPOSITORY.parent / "shared" / "data" / "national-sample" / "catalogue-v1.json.gz",
    )
)


def read_national_sample() -> dict:
    if not SAMPLE.exists():
        pytest.fail(f"the national sample is not at {SAMPLE} (set NATIONAL_SAMPLE)")
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as handle:
        return json.load(handle)
