"""factory_boy factories shared by the whole suite."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from portal.roles import Role
from procedures.choices import AgencyKind, OnlineLevel, TimeUnit
from procedures.models import Agency, Field, Procedure, ProcedureStep, RequiredDocument


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"000.00.{n % 100:02d}.T{n:03d}")
    name = factory.Sequence(lambda n: f"Sở thử nghiệm {n}")
    kind = AgencyKind.DEPARTMENT


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"FIELD{n}")
    name = factory.Sequence(lambda n: f"Lĩnh vực {n}")


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure

    code = factory.Sequence(lambda n: f"9.{n:06d}")
    version = 1
    name = factory.Sequence(lambda n: f"Thủ tục thử nghiệm số {n}")
    field = factory.SubFactory(FieldFactory)
    agency = factory.SubFactory(AgencyFactory)
    decision_authority = "Giám đốc Sở"
    online_level = OnlineLevel.PARTIAL
    time_limit_amount = Decimal("10")
    time_limit_unit = TimeUnit.WORKING_DAYS
    result = "Văn bản chấp thuận"
    legal_basis = "Nghị định 118/2025/NĐ-CP"
    valid_from = date(2025, 1, 1)
    is_published = True


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    procedure = factory.SubFactory(ProcedureFactory)
    name = factory.Sequence(lambda n: f"Giấy tờ {n}")


class ProcedureStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcedureStep

    procedure = factory.SubFactory(ProcedureFactory)
    name = factory.Sequence(lambda n: f"Bước {n}")
    role = "specialist"
    budget_hours = Decimal("8")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.vn")
    email = factory.LazyAttribute(lambda user: user.username)
    first_name = "Nguyễn Văn An"
    password = factory.PostGenerationMethodCall("set_password", "mat-khau-an-toan-2026")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """`UserFactory(role=Role.LEADER)` puts the user in that role's group."""
        if create and extracted:
            self.groups.add(Group.objects.get(name=Role(extracted).value))
        if create:
            self.save()
