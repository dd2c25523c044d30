"""A procedure version that dossiers use (drafts included) never changes: not through the import,
the admin, seed_demo or code. A change becomes the next version; removing a row dossiers rely on is
refused with a message naming how many dossiers use the version, never a traceback."""

import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.roles import Role
from procedures.choices import Channel, TimeUnit
from procedures.exchange import catalogue_export, catalogue_import
from procedures.exchange.export import procedure_record, record_content, stored_parts
from procedures.models import (
    ChannelTimeLimit,
    DocumentCase,
    Fee,
    LegalBasis,
    Procedure,
    ProcedureResult,
    RequiredDocument,
)
from procedures.usage import VersionInUseError
from tests.dossiers.factories import DossierFactory
from tests.factories import (
    AgencyFactory,
    ProcedureStepFactory,
    RequiredDocumentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_use(procedure):
    """Version 1 with a document, a step, a fee and two dossiers (one only a draft)."""
    RequiredDocumentFactory(procedure=procedure, name="Tờ khai")
    ProcedureStepFactory(procedure=procedure, budget_hours=Decimal("80"))
    Fee.objects.create(procedure=procedure, name="Lệ phí", amount=100000)
    DossierFactory(procedure=procedure)  # a draft counts: it will be submitted under it
    DossierFactory(procedure=procedure)
    return procedure


def content_of(procedure: Procedure) -> dict:
    procedure = Procedure.objects.get(pk=procedure.pk)
    return record_content(procedure_record(procedure, stored_parts(procedure), hashes=True))


# ---- code: every way of writing a version in use --------------------------------------------

CODE_CHANGES = [
    ("rename", lambda p: (setattr(p, "name", "Tên khác"), p.save())),
    ("change the limit", lambda p: (setattr(p, "time_limit_amount", Decimal(3)), p.save())),
    ("change the unit", lambda p: (setattr(p, "time_limit_unit", TimeUnit.MONTHS), p.save())),
    ("change the levels", lambda p: (setattr(p, "levels", "commune"), p.save())),
    ("add a document", lambda p: RequiredDocument.objects.create(procedure=p, name="Mới")),
    ("edit a document", lambda p: _edit(p.documents.first(), name="Khác")),
    ("remove a document", lambda p: p.documents.first().delete()),
    ("remove a step", lambda p: p.steps.first().delete()),
    ("edit a step", lambda p: _edit(p.steps.first(), budget_hours=Decimal("1"))),
    ("remove a fee", lambda p: p.fees.first().delete()),
    ("add a case", lambda p: DocumentCase.objects.create(procedure=p, title="Trường hợp 1")),
    (
        "add a channel limit",
        lambda p: ChannelTimeLimit.objects.create(
            procedure=p, channel=Channel.ONLINE, amount=1, unit=TimeUnit.WORKING_DAYS
        ),
    ),
    ("add a result", lambda p: ProcedureResult.objects.create(procedure=p, name="Quyết định")),
    ("add a legal basis", lambda p: LegalBasis.objects.create(procedure=p, number="1/2025")),
    ("add a handling agency", lambda p: p.other_agencies.add(AgencyFactory())),
    ("delete the version", lambda p: p.delete()),
]


def _edit(row, **values):
    for key, value in values.items():
        setattr(row, key, value)
    row.save()


@pytest.mark.parametrize("change", [c[1] for c in CODE_CHANGES], ids=[c[0] for c in CODE_CHANGES])
def test_code_cannot_change_a_version_in_use(in_use, change):
    before = content_of(in_use)

    with pytest.raises(VersionInUseError) as error, transaction.atomic():
        change(Procedure.objects.get(pk=in_use.pk))

    assert "2 hồ sơ" in error.value.messages[0]
    assert content_of(in_use) == before


def test_code_may_still_close_a_version_in_use(in_use):
    in_use.valid_until = date(2030, 1, 1)
    in_use.is_published = False
    in_use.save()

    in_use.refresh_from_db()
    assert (in_use.valid_until, in_use.is_published) == (date(2030, 1, 1), False)


def test_a_version_no_dossier_uses_can_change(procedure):
    procedure.name = "Tên mới"
    procedure.save()
    RequiredDocumentFactory(procedure=procedure).delete()

    assert Procedure.objects.get(pk=procedure.pk).name == "Tên mới"


# ---- import ---------------------------------------------------------------------------------


def changed_file(procedure: Procedure, **changes) -> dict:
    exported = catalogue_export()
    record = next(
        r
        for r in exported["procedures"]
        if (r["code"], r["version"]) == (procedure.code, procedure.version)
    )
    record.update(changes)
    return exported


def test_import_of_a_changed_record_makes_a_new_version_and_leaves_the_old_one(in_use):
    before = content_of(in_use)
    data = changed_file(in_use, name="Tên theo quyết định mới", steps=[], fees=[])

    result = catalogue_import(data, effective=date(2027, 1, 4))

    assert (result.procedures_created, result.procedures_updated, result.versions_added) == (
        0,
        0,
        1,
    )
    assert content_of(in_use) == before
    in_use.refresh_from_db()
    assert in_use.valid_until == date(2027, 1, 3)
    new = Procedure.objects.get(code=in_use.code, version=2)
    assert (new.name, new.valid_from, new.is_published) == (
        "Tên theo quyết định mới",
        date(2027, 1, 4),
        True,
    )
    assert new.steps.count() == 0 and new.fees.count() == 0
    assert in_use.steps.count() == 1 and in_use.fees.count() == 1


def test_a_second_import_of_the_same_file_writes_nothing(in_use):
    data = changed_file(in_use, name="Tên theo quyết định mới")
    catalogue_import(copy.deepcopy(data))
    snapshot = json.dumps(catalogue_export()["procedures"], sort_keys=True)

    again = catalogue_import(data)

    assert (again.procedures_created, again.procedures_updated, again.versions_added) == (0, 0, 0)
    assert json.dumps(catalogue_export()["procedures"], sort_keys=True) == snapshot


def test_new_version_starts_today_unless_the_record_says_later(in_use):
    today = timezone.localdate()
    catalogue_import(changed_file(in_use, name="Bản sửa"))
    assert Procedure.objects.get(code=in_use.code, version=2).valid_from == today

    later = today + timedelta(days=40)
    catalogue_import(
        changed_file(
            in_use, name="Bản sửa lần hai", valid_from=later.isoformat(), valid_until=None
        ),
        effective=None,
    )
    assert Procedure.objects.get(code=in_use.code, version=3).valid_from == later


def test_import_removing_a_step_of_a_version_in_use_is_no_traceback(in_use):
    data = changed_file(in_use, steps=[])

    result = catalogue_import(data)

    assert result.refused == [] and result.versions_added == 1
    assert in_use.steps.count() == 1


# ---- admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client_catalogue(client):
    client.force_login(UserFactory(role=Role.CATALOGUE_ADMIN, is_staff=True))
    return client


def test_admin_shows_a_version_in_use_read_only_and_says_why(admin_client_catalogue, in_use):
    url = reverse("admin:procedures_procedure_change", args=[in_use.pk])

    page = admin_client_catalogue.get(url)

    assert page.status_code == 200
    assert "name" not in page.context["adminform"].form.fields
    assert "2 hồ sơ" in page.content.decode()
    for inline in page.context["inline_admin_formsets"]:
        assert not inline.has_add_permission and not inline.has_delete_permission


def test_admin_post_cannot_change_a_version_in_use(admin_client_catalogue, in_use):
    before = content_of(in_use)
    url = reverse("admin:procedures_procedure_change", args=[in_use.pk])

    admin_client_catalogue.post(
        url,
        {
            "name": "Tên khác",
            "time_limit_amount": "1",
            "valid_from": "01/01/2025",
            "is_published": "on",
            **{
                f"{prefix}-{key}": "0"
                for prefix in [
                    "documents",
                    "steps",
                    "fees",
                    "channel_time_limits",
                    "cases",
                    "results",
                    "legal_documents",
                ]
                for key in ["TOTAL_FORMS", "INITIAL_FORMS"]
            },
        },
    )

    assert content_of(in_use) == before


def test_admin_cannot_delete_a_version_in_use(admin_client_catalogue, in_use):
    url = reverse("admin:procedures_procedure_delete", args=[in_use.pk])

    response = admin_client_catalogue.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert Procedure.objects.filter(pk=in_use.pk).exists()


def test_admin_action_makes_the_new_version_with_every_row(admin_client_catalogue, procedure):
    case = DocumentCase.objects.create(procedure=procedure, title="Trường hợp A")
    RequiredDocumentFactory(procedure=procedure, case=case, name="Giấy tờ riêng")
    ChannelTimeLimit.objects.create(
        procedure=procedure, channel=Channel.ONLINE, amount=3, unit=TimeUnit.WORKING_DAYS
    )
    ProcedureResult.objects.create(procedure=procedure, code="KQ.G15.000033", name="Giấy phép")
    LegalBasis.objects.create(procedure=procedure, number="12/2025/NĐ-CP", title="Nghị định")
    procedure.other_agencies.add(AgencyFactory())
    DossierFactory(procedure=procedure)
    in_use = procedure
    admin_client_catalogue.post(
        reverse("admin:procedures_procedure_changelist"),
        {"action": "create_new_version", "_selected_action": [in_use.pk]},
    )

    new = Procedure.objects.get(code=in_use.code, version=2)
    assert record_content(procedure_record(new, stored_parts(new), hashes=True)) == content_of(
        in_use
    )
    new.name = "Bản chỉnh sửa"
    new.save()  # the draft copy is free to change


# ---- seed_demo ------------------------------------------------------------------------------


def test_seed_demo_never_rewrites_a_version_in_use(settings, tmp_path, monkeypatch):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    used = Procedure.objects.filter(dossiers__isnull=False).distinct()
    before = {p.pk: content_of(p) for p in used}
    assert before

    # The demo file changes (as a new release of the project would change it).
    from portal.management.commands import seed_demo

    data = json.loads(seed_demo.DEMO_CATALOGUE.read_text(encoding="utf-8"))
    for record in data["procedures"]:
        record["name"] += " (sửa đổi)"
    changed = tmp_path / "demo.json"
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(seed_demo, "DEMO_CATALOGUE", changed)

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert {p.pk: content_of(p) for p in used} == before
    assert f"{len(data['procedures'])} new versions of versions in use" in out.getvalue()
    assert not Procedure.objects.exclude(code__startswith="DEMO.").exists()
