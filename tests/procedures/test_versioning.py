"""Procedure versions: publishing a new one replaces the old one from its first valid day."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.roles import Role
from procedures.models import Procedure
from procedures.selectors import procedure_get_published
from procedures.services import procedure_create_version, procedure_publish
from tests.factories import (
    ProcedureFactory,
    ProcedureStepFactory,
    RequiredDocumentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def published_name_on(code, day):
    return procedure_get_published(code=code, on=day).name


def test_new_version_replaces_the_old_one_from_its_valid_from(procedure):
    RequiredDocumentFactory(procedure=procedure, name="Tờ trình")
    new = procedure_create_version(procedure=procedure, valid_from=date(2026, 12, 1))
    new.name = "Tên mới theo quyết định công bố 2026"
    new.save()

    procedure_publish(procedure=new)

    procedure.refresh_from_db()
    assert procedure.valid_until == date(2026, 11, 30)
    assert published_name_on(procedure.code, date(2026, 11, 30)) == procedure.name
    assert (
        published_name_on(procedure.code, date(2026, 12, 1))
        == "Tên mới theo quyết định công bố 2026"
    )
    assert Procedure.objects.filter(code=procedure.code).count() == 2
    assert list(new.documents.values_list("name", flat=True)) == ["Tờ trình"]


def test_public_page_switches_version_on_the_day(client, procedure):
    new = procedure_create_version(procedure=procedure, valid_from=date(2026, 12, 1))
    new.name = "Phiên bản thứ hai"
    new.save()
    procedure_publish(procedure=new)
    url = reverse("procedures:detail", kwargs={"code": procedure.code})

    with time_machine.travel(date(2026, 11, 30), tick=False):
        before = client.get(url).content.decode()
    with time_machine.travel(date(2026, 12, 1), tick=False):
        after = client.get(url).content.decode()

    assert procedure.name in before and "Phiên bản thứ hai" not in before
    assert "Phiên bản thứ hai" in after


def test_draft_version_is_not_public(procedure):
    new = procedure_create_version(procedure=procedure, valid_from=date(2025, 6, 1))
    new.name = "Bản nháp"
    new.save()

    assert not new.is_published
    assert published_name_on(procedure.code, date(2025, 7, 1)) == procedure.name


def test_publishing_over_a_later_published_version_is_refused(procedure):
    later = ProcedureFactory(code=procedure.code, version=2, valid_from=date(2026, 1, 1))
    procedure.refresh_from_db()
    third = ProcedureFactory(
        code=procedure.code, version=3, valid_from=date(2025, 6, 1), is_published=False
    )

    with pytest.raises(ValidationError) as error:
        procedure_publish(procedure=third)

    assert error.value.code == "publication_conflict"
    third.refresh_from_db()
    later.refresh_from_db()
    assert not third.is_published
    assert later.valid_until is None


def test_publishing_requires_step_budgets_to_add_up(procedure):
    draft = procedure_create_version(procedure=procedure, valid_from=date(2026, 1, 1))
    ProcedureStepFactory(procedure=draft, budget_hours=Decimal("40"))
    ProcedureStepFactory(procedure=draft, budget_hours=Decimal("30"))

    with pytest.raises(ValidationError) as error:
        procedure_publish(procedure=draft)

    assert error.value.code == "step_budgets"
    draft.refresh_from_db()
    assert not draft.is_published


def test_database_refuses_a_version_ending_before_it_starts(procedure):
    procedure.valid_until = procedure.valid_from - timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        procedure.save()


def test_database_refuses_two_rows_with_the_same_code_and_version(procedure):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcedureFactory(code=procedure.code, version=procedure.version)


@pytest.fixture
def admin_client_catalogue(client):
    user = UserFactory(role=Role.CATALOGUE_ADMIN, is_staff=True)
    client.force_login(user)
    return client


def admin_post_data(procedure: Procedure, **overrides) -> dict:
    data = {
        "code": procedure.code,
        "version": procedure.version,
        "name": procedure.name,
        "field": procedure.field_id,
        "agency": procedure.agency_id,
        "decision_authority": procedure.decision_authority,
        "levels": procedure.level_list,
        "applicant_type": procedure.applicant_type,
        "online_level": procedure.online_level,
        "accepts_direct": "on",
        "accepts_online": "on",
        "time_limit_amount": "10",
        "time_limit_unit": "working_days",
        "cutoff_15h": "on",
        "supplement_policy": "restart",
        "result": procedure.result,
        "legal_basis": procedure.legal_basis,
        "valid_from": "01/01/2025",
        "valid_until": "",
        "documents-TOTAL_FORMS": "0",
        "documents-INITIAL_FORMS": "0",
        "steps-TOTAL_FORMS": "0",
        "steps-INITIAL_FORMS": "0",
        "fees-TOTAL_FORMS": "0",
        "fees-INITIAL_FORMS": "0",
        "channel_time_limits-TOTAL_FORMS": "0",
        "channel_time_limits-INITIAL_FORMS": "0",
        "cases-TOTAL_FORMS": "0",
        "cases-INITIAL_FORMS": "0",
        "results-TOTAL_FORMS": "0",
        "results-INITIAL_FORMS": "0",
        "legal_documents-TOTAL_FORMS": "0",
        "legal_documents-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_admin_rejects_step_budgets_that_do_not_add_up(admin_client_catalogue, procedure):
    url = reverse("admin:procedures_procedure_change", args=[procedure.pk])
    data = admin_post_data(
        procedure,
        **{
            "steps-TOTAL_FORMS": "2",
            "steps-0-position": "1",
            "steps-0-name": "Thẩm định",
            "steps-0-role": "specialist",
            "steps-0-budget_hours": "40",
            "steps-1-position": "2",
            "steps-1-name": "Ký duyệt",
            "steps-1-role": "leader",
            "steps-1-budget_hours": "8",
            "is_published": "on",
        },
    )

    response = admin_client_catalogue.post(url, data)

    assert response.status_code == 200
    assert "48" in str(response.context["inline_admin_formsets"][1].formset.non_form_errors())
    assert procedure.steps.count() == 0


def test_admin_accepts_matching_budgets_and_rejects_disordered_dates(
    admin_client_catalogue, procedure
):
    url = reverse("admin:procedures_procedure_change", args=[procedure.pk])
    steps = {
        "steps-TOTAL_FORMS": "2",
        "steps-0-position": "1",
        "steps-0-name": "Thẩm định",
        "steps-0-role": "specialist",
        "steps-0-budget_hours": "72",
        "steps-1-position": "2",
        "steps-1-name": "Ký duyệt",
        "steps-1-role": "leader",
        "steps-1-budget_hours": "8",
        "is_published": "on",
    }

    bad_dates = admin_client_catalogue.post(
        url, admin_post_data(procedure, valid_until="01/01/2024", **steps)
    )
    good = admin_client_catalogue.post(url, admin_post_data(procedure, **steps))

    assert (
        bad_dates.status_code == 200 and "valid_until" in bad_dates.context["adminform"].form.errors
    )
    assert good.status_code == 302
    assert sorted(procedure.steps.values_list("budget_hours", flat=True)) == [
        Decimal("8"),
        Decimal("72"),
    ]


def test_admin_publishing_a_new_version_closes_the_old_one(admin_client_catalogue, procedure):
    new = procedure_create_version(procedure=procedure, valid_from=date(2026, 12, 1))
    url = reverse("admin:procedures_procedure_change", args=[new.pk])

    response = admin_client_catalogue.post(
        url, admin_post_data(new, valid_from="01/12/2026", is_published="on", name="Bản 2026")
    )

    assert response.status_code == 302
    procedure.refresh_from_db()
    new.refresh_from_db()
    assert new.is_published
    assert procedure.valid_until == date(2026, 11, 30)
    assert published_name_on(procedure.code, date(2026, 12, 1)) == "Bản 2026"
    assert published_name_on(procedure.code, date(2026, 11, 1)) == procedure.name


def test_admin_action_creates_a_draft_version(admin_client_catalogue, procedure):
    response = admin_client_catalogue.post(
        reverse("admin:procedures_procedure_changelist"),
        {"action": "create_new_version", "_selected_action": [procedure.pk]},
    )

    assert response.status_code == 302
    assert list(
        Procedure.objects.filter(code=procedure.code).values_list("version", "is_published")
    ) == [
        (2, False),
        (1, True),
    ]
