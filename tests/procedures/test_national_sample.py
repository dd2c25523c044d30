"""The real national catalogue sample (610 records of two ministries, format v1 as converted
without trimming) loads faithfully, beside the demo's dossiers, on PostgreSQL and SQLite alike."""

import copy
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from procedures.choices import TimeUnit
from procedures.exchange import catalogue_export, catalogue_import
from procedures.exchange.export import procedure_record, record_content, stored_parts
from procedures.models import Agency, Field, Procedure
from tests.national_sample import read_national_sample

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]


@pytest.fixture(scope="module")
def sample() -> dict:
    return read_national_sample()


def contents() -> dict:
    procedures = Procedure.objects.select_related("field", "agency").prefetch_related(
        "other_agencies",
        "channel_time_limits",
        "cases",
        "documents",
        "steps",
        "fees",
        "results",
        "legal_documents",
    )
    return {
        (p.code, p.version): record_content(procedure_record(p, stored_parts(p), hashes=True))
        for p in procedures
    }


def test_the_whole_sample_imports_beside_demo_dossiers_and_changes_no_version_in_use(
    sample, settings, tmp_path
):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    in_use = {
        key: value
        for key, value in contents().items()
        if Procedure.objects.get(code=key[0], version=key[1]).dossier_count()
    }
    assert in_use
    path = tmp_path / "catalogue-v1.json"
    path.write_text(json.dumps(sample, ensure_ascii=False), encoding="utf-8")

    out = StringIO()
    call_command("import_procedures", str(path), stdout=out)

    assert "610 phiên bản thủ tục mới" in out.getvalue()
    codes = {record["code"] for record in sample["procedures"]}
    assert Procedure.objects.filter(code__in=codes).count() == 610
    after = contents()
    assert {key: after[key] for key in in_use} == in_use

    out = StringIO()
    call_command("import_procedures", str(path), stdout=out)
    again = out.getvalue()
    assert "0 phiên bản thủ tục mới, 0 phiên bản được cập nhật" in again, again
    assert contents() == after


def test_what_real_records_hold_is_kept(sample):
    result = catalogue_import(copy.deepcopy(sample))

    assert (result.procedures_created, result.refused) == (610, [])
    longest = max(
        (doc["name"] for record in sample["procedures"] for doc in record["documents"]), key=len
    )
    assert len(longest) > 500
    assert Procedure.objects.filter(documents__name=longest).exists()
    blank_authority = sum(1 for r in sample["procedures"] if not r["decision_authority"])
    assert Procedure.objects.filter(decision_authority="").count() == blank_authority
    no_limit = [r["code"] for r in sample["procedures"] if r["time_limit_amount"] is None]
    assert set(
        Procedure.objects.filter(
            time_limit_unit=TimeUnit.NOT_STATED, time_limit_amount=None
        ).values_list("code", flat=True)
    ) == set(no_limit)
    # A limit without a unit keeps its amount; its unit is "not stated".
    amount_only = {
        r["code"]: r["time_limit_amount"]
        for r in sample["procedures"]
        if r["time_limit_amount"] is not None and r["time_limit_unit"] is None
    }
    stored = dict(
        Procedure.objects.filter(code__in=amount_only).values_list("code", "time_limit_amount")
    )
    assert {code: f"{amount.normalize():f}" for code, amount in stored.items()} == amount_only
    assert (
        not Procedure.objects.filter(code__in=no_limit + list(amount_only))
        .exclude(time_limit_unit=TimeUnit.NOT_STATED)
        .exists()
    )
    # Those, and the limits of 0 ("UBND cấp tỉnh quy định"), accept no dossier until the
    # province sets a limit; every other record does.
    zero = {
        r["code"]
        for r in sample["procedures"]
        if r["time_limit_unit"] is not None and Decimal(r["time_limit_amount"]) == 0
    }
    assert set(Procedure.objects.without_usable_limit().values_list("code", flat=True)) == (
        set(no_limit) | set(amount_only) | zero
    )


def test_export_then_import_round_trip_is_lossless(sample):
    catalogue_import(copy.deepcopy(sample))
    first = catalogue_export()
    Procedure.objects.all().delete()
    Agency.objects.all().delete()
    Field.objects.all().delete()

    result = catalogue_import(copy.deepcopy(first))
    second = catalogue_export()

    assert result.procedures_created == 610 and result.refused == []
    first.pop("exported_at"), second.pop("exported_at")
    assert second == first
    again = catalogue_import(copy.deepcopy(second))
    assert (again.procedures_created, again.procedures_updated, again.versions_added) == (0, 0, 0)
    assert (again.agencies, again.fields) == (0, 0)


def test_a_refused_record_leaves_the_others_in_and_fails_the_command(sample, tmp_path):
    data = copy.deepcopy(sample)
    data["procedures"][0]["documents"][0]["original_count"] = 61781
    data["procedures"][1]["name"] = "Tên có ký tự \x00 rỗng"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    err = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_procedures", str(path), stdout=StringIO(), stderr=err)

    assert error.value.returncode == 1
    assert Procedure.objects.count() == 608
    listing = err.getvalue()
    for record in data["procedures"][:2]:
        assert record["code"] in listing
    assert "documents[0].original_count" in listing
    assert not Procedure.objects.filter(code=data["procedures"][0]["code"]).exists()


def test_atomic_import_of_a_file_with_one_bad_record_imports_nothing(sample, tmp_path):
    data = copy.deepcopy(sample)
    data["procedures"][5]["time_limit_unit"] = "weeks"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(CommandError):
        call_command("import_procedures", str(path), "--atomic", stdout=StringIO())

    assert Procedure.objects.count() == 0
