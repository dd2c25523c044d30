"""Catalogue export and import (JSON) for a province loading its own catalogue."""

import copy
import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from procedures.choices import AgencyKind, TimeUnit
from procedures.exchange import (
    CatalogueImportError,
    catalogue_export,
    catalogue_import,
    catalogue_import_json,
)
from procedures.models import Agency, Fee, Field, Procedure, ProcedureStep, RequiredDocument
from tests.factories import (
    AgencyFactory,
    ProcedureFactory,
    ProcedureStepFactory,
    RequiredDocumentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_catalogue(field):
    province = AgencyFactory(code="000.00.00.H62", name="UBND tỉnh", kind=AgencyKind.PROVINCE)
    department = AgencyFactory(code="000.00.16.H62", name="Sở Ngoại vụ", parent=province)
    centre = AgencyFactory(
        code="000.00.01.H62",
        name="Trung tâm PVHCC",
        kind=AgencyKind.SERVICE_CENTRE,
        parent=province,
    )
    centre.serves.add(department)
    AgencyFactory(
        code="000.16.02.H62", name="Phòng Lãnh sự", kind=AgencyKind.DIVISION, parent=department
    )
    first = ProcedureFactory(
        code="1.000001",
        name="Cho phép tổ chức hội nghị quốc tế",
        agency=department,
        field=field,
        time_limit_amount=Decimal("0.5"),
        time_limit_unit=TimeUnit.WORKING_DAYS,
        conditions="Điều kiện đặc biệt",
        valid_until=date(2026, 11, 30),
    )
    document = RequiredDocumentFactory(
        procedure=first, name="Tờ trình", copy_count=2, is_mandatory=False
    )
    document.template_file.save("to-trinh.docx", ContentFile("nội dung mẫu".encode()))
    ProcedureStepFactory(procedure=first, position=1, name="Thẩm định", budget_hours=Decimal("3.5"))
    ProcedureStepFactory(
        procedure=first, position=2, name="Ký", role="leader", budget_hours=Decimal("0.5")
    )
    Fee.objects.create(procedure=first, name="Lệ phí", amount=30000, note="mỗi bản")
    Fee.objects.create(procedure=first, name="Phí khác", amount=None)
    ProcedureFactory(
        code="1.000001",
        version=2,
        name="Bản 2",
        agency=department,
        field=field,
        valid_from=date(2026, 12, 1),
    )
    ProcedureFactory(
        code="2.000002", name="Bản nháp", agency=department, field=field, is_published=False
    )
    return catalogue_export()


def without_timestamp(exported: dict) -> dict:
    exported = copy.deepcopy(exported)
    exported.pop("exported_at")
    return exported


def wipe_catalogue():
    Procedure.objects.all().delete()
    Agency.objects.update(parent=None)
    Agency.objects.all().delete()
    Field.objects.all().delete()


def test_export_then_import_into_an_empty_database_reproduces_the_catalogue(rich_catalogue):
    text = json.dumps(rich_catalogue, ensure_ascii=False)
    wipe_catalogue()
    assert Procedure.objects.count() == 0

    result = catalogue_import_json(text.encode("utf-8"))

    assert (result.agencies, result.fields, result.procedures_created) == (4, 1, 3)
    assert without_timestamp(catalogue_export()) == without_timestamp(rich_catalogue)
    document = RequiredDocument.objects.get(name="Tờ trình")
    assert document.template_file.read().decode() == "nội dung mẫu"


def test_importing_the_same_file_twice_changes_nothing(rich_catalogue):
    catalogue_import(rich_catalogue)
    catalogue_import(rich_catalogue)

    assert without_timestamp(catalogue_export()) == without_timestamp(rich_catalogue)
    assert Procedure.objects.count() == 3
    assert ProcedureStep.objects.count() == 2
    assert RequiredDocument.objects.count() == 1


def test_export_and_import_commands_round_trip(rich_catalogue, tmp_path):
    target = tmp_path / "catalogue.json"
    call_command("export_procedures", str(target), stdout=StringIO())
    wipe_catalogue()
    out = StringIO()

    call_command("import_procedures", str(target), stdout=out)

    assert "3" in out.getvalue()
    assert without_timestamp(json.loads(target.read_text(encoding="utf-8"))) == without_timestamp(
        catalogue_export()
    )


def broken(rich_catalogue, mutate):
    data = copy.deepcopy(rich_catalogue)
    mutate(data)
    return data


BAD_RECORDS = [
    (
        "unknown key",
        lambda d: d["procedures"][0].update(nmae="typo"),
        "procedures[0] (1.000001 v1).nmae: ",
    ),
    (
        "bad time unit",
        lambda d: d["procedures"][1].update(time_limit_unit="weeks"),
        "procedures[1] (1.000001 v2).time_limit_unit: ",
    ),
    (
        "amount not a number",
        lambda d: d["procedures"][2].update(time_limit_amount="mười"),
        "procedures[2] (2.000002 v1).time_limit_amount: ",
    ),
    (
        "bad date",
        lambda d: d["procedures"][2].update(valid_from="31/12/2025"),
        "procedures[2] (2.000002 v1).valid_from: ",
    ),
    (
        "dates disordered",
        lambda d: d["procedures"][2].update(valid_from="2026-01-01", valid_until="2025-01-01"),
        "procedures[2] (2.000002 v1).valid_until: ",
    ),
    (
        "unknown agency",
        lambda d: d["procedures"][2].update(agency="999.99.99.X00"),
        "procedures[2] (2.000002 v1).agency: ",
    ),
    (
        "unknown field",
        lambda d: d["procedures"][2].update(field="NOPE"),
        "procedures[2] (2.000002 v1).field: ",
    ),
    (
        "budgets do not add up",
        lambda d: d["procedures"][0]["steps"][0].update(budget_hours="7"),
        "procedures[0] (1.000001 v1).steps: ",
    ),
    (
        "bad step role",
        lambda d: d["procedures"][0]["steps"][1].update(role="janitor"),
        "procedures[0] (1.000001 v1).steps[1].role: ",
    ),
    (
        "missing name",
        lambda d: d["procedures"][2].pop("name"),
        "procedures[2] (2.000002 v1).name: ",
    ),
    (
        "two published versions on one day",
        lambda d: d["procedures"][0].update(valid_until=None),
        "procedures 1.000001: ",
    ),
    (
        "duplicate code and version",
        lambda d: d["procedures"].append(copy.deepcopy(d["procedures"][2])),
        "procedures[3] (2.000002 v1): ",
    ),
    (
        "bad parent",
        lambda d: d["agencies"][0].update(parent="nope"),
        "agencies[0]: ",
    ),
    (
        "bad base64",
        lambda d: d["procedures"][0]["documents"][0]["template"].update(content_base64="%%%"),
        "procedures[0] (1.000001 v1).documents[0].template.content_base64: ",
    ),
    (
        "document not an object",
        lambda d: d["procedures"][0]["documents"].append("Tờ khai"),
        "procedures[0] (1.000001 v1).documents[1]: ",
    ),
    # Wrong types that used to end in a traceback (TypeError) instead of the list of problems.
    (
        "field code not text",
        lambda d: d["procedures"][0].update(field=["NGOAIVU"]),
        "procedures[0] (1.000001 v1).field: ",
    ),
    (
        "agency code not text",
        lambda d: d["agencies"][0].update(code={"a": 1}),
        "agencies[0].code: ",
    ),
    (
        "serves not a list",
        lambda d: d["agencies"][0].update(serves=5),
        "agencies[0].serves: ",
    ),
    (
        "unknown fee key",
        lambda d: d["procedures"][0]["fees"].append({"label": "Lệ phí", "bogus": 1}),
        "procedures[0] (1.000001 v1).fees[",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "where"), [c[1:] for c in BAD_RECORDS], ids=[c[0] for c in BAD_RECORDS]
)
def test_invalid_record_is_reported_with_its_key_and_nothing_is_imported(
    rich_catalogue, mutate, where
):
    data = broken(rich_catalogue, mutate)
    wipe_catalogue()

    with pytest.raises(CatalogueImportError) as error:
        catalogue_import(data, atomic=True)

    assert any(message.startswith(where) for message in error.value.errors), error.value.errors
    assert Procedure.objects.count() == 0
    assert Agency.objects.count() == 0


def test_every_problem_is_reported_not_just_the_first(rich_catalogue):
    def mutate(data):
        data["procedures"][1]["time_limit_unit"] = "weeks"
        data["procedures"][2]["field"] = "NOPE"

    with pytest.raises(CatalogueImportError) as error:
        catalogue_import(broken(rich_catalogue, mutate), atomic=True)

    assert len(error.value.errors) == 2


def test_errors_are_in_vietnamese(rich_catalogue):
    with pytest.raises(CatalogueImportError) as error:
        catalogue_import(
            broken(rich_catalogue, lambda d: d["procedures"][2].update(field="NOPE")), atomic=True
        )

    assert error.value.errors == [
        "procedures[2] (2.000002 v1).field: mã lĩnh vực NOPE không tồn tại."
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b'{"format": "motcua.procedures",\n "format_version": 1,\n "agencies": [}',
            "dòng 3, cột 15",
        ),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b"[1, 2]", "một đối tượng JSON"),
        (b'{"format": "other"}', "motcua.procedures"),
    ],
    ids=["syntax error", "not utf-8", "not an object", "wrong format"],
)
def test_unreadable_files_get_a_clear_message(content, expected):
    with pytest.raises(CatalogueImportError) as error:
        catalogue_import_json(content)

    assert expected in error.value.errors[0]


def test_import_command_lists_problems_and_fails(rich_catalogue, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(broken(rich_catalogue, lambda d: d["procedures"][2].update(field="NOPE")))
    )

    with pytest.raises(CommandError) as error:
        call_command("import_procedures", str(path), "--atomic")

    assert "Không nhập dữ liệu nào" in str(error.value)
    assert "procedures[2] (2.000002 v1).field" in str(error.value)


def test_import_command_on_a_missing_file_fails_clearly(tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("import_procedures", str(tmp_path / "missing.json"))

    assert "missing.json" in str(error.value)


def test_imported_documents_are_searchable(rich_catalogue):
    from procedures.selectors import procedure_list_published

    wipe_catalogue()
    catalogue_import(rich_catalogue)

    found = procedure_list_published(query="to trinh", on=date(2026, 11, 1))

    assert [p.code for p in found] == ["1.000001"]
