"""The demo catalogue that `seed_demo` loads, read through the public pages."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from portal.demo import DEMO_USERS
from procedures.exchange import catalogue_export
from procedures.models import Procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def found_codes(client, query):
    response = client.get(reverse("procedures:list"), {"q": query})
    assert response.status_code == 200
    return {procedure.code: procedure.name for procedure in response.context["page"].object_list}


def test_search_finds_abtc_and_international_conferences(client, seeded):
    abtc = found_codes(client, "ABTC")
    conferences = found_codes(client, "hoi nghi quoc te")

    assert len(abtc) == 1 and "ABTC" in next(iter(abtc.values()))
    assert len(conferences) == 4
    assert all("hội nghị, hội thảo quốc tế" in name for name in conferences.values())


def test_demo_catalogue_has_at_least_eight_published_procedures_with_steps(seeded):
    procedures = Procedure.objects.filter(is_published=True).prefetch_related("steps", "documents")

    assert procedures.count() >= 8
    for procedure in procedures:
        assert procedure.documents.exists(), procedure.code
        assert (
            sum(step.budget_hours for step in procedure.steps.all()) == procedure.time_limit_hours
        )


def test_seed_demo_is_idempotent(seeded):
    before = catalogue_export()
    users_before = get_user_model().objects.count()

    call_command("seed_demo", stdout=StringIO())

    after = catalogue_export()
    before.pop("exported_at"), after.pop("exported_at")
    assert after == before
    assert get_user_model().objects.count() == users_before == len(DEMO_USERS)


def test_seed_demo_creates_one_user_per_role_with_working_logins(client, seeded):
    users = get_user_model().objects.prefetch_related("groups")

    assert sorted(user.groups.get().name for user in users) == sorted(
        spec["role"].value for spec in DEMO_USERS
    )
    staff = users.get(email="motcua@example.vn")
    assert staff.agency.kind == "service_centre"
    assert staff.is_staff_member


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert Procedure.objects.count() == 0


def test_search_uses_the_trigram_index_on_postgresql_only():
    """On PostgreSQL a pg_trgm GIN index serves LIKE '%term%'; on SQLite there is none to use."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'procedures_search_trgm'"
            )
            (definition,) = cursor.fetchone()
            assert "gin" in definition and "gin_trgm_ops" in definition
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                "EXPLAIN SELECT id FROM procedures_procedure WHERE search_text LIKE '%hoi nghi%'"
            )
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "procedures_search_trgm" in plan
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'procedures_search_trgm'"
            )
            assert cursor.fetchone() is None
