import pytest
from django.core.cache import cache

from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, UserFactory

PASSWORD = "mat-khau-an-toan-2026"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes uploads into its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


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
