import importlib

import pytest
from django.apps import apps
from django.core.cache import cache

from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, UserFactory

PASSWORD = "mat-khau-an-toan-2026"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes uploads into its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _ensure_seed_rows():
    """Rows that data migrations create: roles (with their permissions) and the default schedule."""
    from portal.roles import grant_role_permissions

    importlib.import_module("portal.migrations.0002_roles").create_roles(apps, None)
    grant_role_permissions()
    importlib.import_module("dossiers.migrations.0002_default_schedule").create_default_schedule(
        apps, None
    )


@pytest.fixture(autouse=True)
def _seed_rows_survive_flushes(request):
    """A transactional test ends by emptying every table, data-migration rows included; put
    them back before each database test so test order never matters."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
        "admin_client",
    } & set(request.fixturenames)
    if uses_db:
        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            _ensure_seed_rows()
    yield


@pytest.fixture(autouse=True)
def _clear_cache():
    """The cache outlives each test's rolled-back transaction; start and end every test empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def agency(db):
    return AgencyFactory(code="000.00.16.H62", name="Sở Ngoại vụ tỉnh Tuyên Quang")


@pytest.fixture
def field(db):
    return FieldFactory(code="NGOAIVU.HNHT", name="Hội nghị, hội thảo quốc tế")


@pytest.fixture
def procedure(agency, field):
    return ProcedureFactory(
        code="1.000001",
        name="Cho phép tổ chức hội nghị, hội thảo quốc tế",
        agency=agency,
        field=field,
    )


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture(autouse=True)
def _portal_language():
    """Every test starts in the portal's language (Vietnamese): a test that switched to English,
    or a request that activated it, must not decide the language of the next test's messages."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
