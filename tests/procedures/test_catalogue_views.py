"""The public catalogue: list, filters, pagination, detail pages and what bad input gets."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procedures.choices import OnlineLevel
from procedures.models import Procedure
from procedures.text import fold
from tests.factories import (
    AgencyFactory,
    FieldFactory,
    ProcedureFactory,
    ProcedureStepFactory,
    RequiredDocumentFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("procedures:list")


def codes_on_page(response) -> list[str]:
    return [procedure.code for procedure in response.context["page"].object_list]


def test_list_shows_only_versions_published_and_valid_today(procedure):
    today = timezone.localdate()
    ProcedureFactory(code="9.draft", is_published=False)
    ProcedureFactory(code="9.future", valid_from=today + timedelta(days=1))
    ProcedureFactory(
        code="9.expired", valid_from=date(2020, 1, 1), valid_until=today - timedelta(days=1)
    )
    ProcedureFactory(code="9.lastday", valid_from=date(2020, 1, 1), valid_until=today)

    response = client_get(LIST_URL)

    assert response.status_code == 200
    assert sorted(codes_on_page(response)) == ["1.000001", "9.lastday"]


def test_search_without_diacritics_through_the_page(procedure):
    ProcedureFactory(code="1.000002", name="Cho phép doanh nhân sử dụng thẻ ABTC")

    by_words = client_get(LIST_URL, {"q": "hoi nghi quoc te"})
    by_acronym = client_get(LIST_URL, {"q": "ABTC"})

    assert codes_on_page(by_words) == ["1.000001"]
    assert codes_on_page(by_acronym) == ["1.000002"]
    assert "Cho phép doanh nhân sử dụng thẻ ABTC" in by_acronym.content.decode()


def test_filters_by_agency_field_and_online_level(procedure):
    other_agency = AgencyFactory(code="000.00.17.H62")
    other_field = FieldFactory(code="LANHSU")
    ProcedureFactory(code="2.0001", agency=other_agency, field=procedure.field)
    ProcedureFactory(code="2.0002", agency=procedure.agency, field=other_field)
    ProcedureFactory(
        code="2.0003", agency=procedure.agency, field=procedure.field, online_level=OnlineLevel.FULL
    )

    by_agency = client_get(LIST_URL, {"agency": other_agency.pk})
    by_field = client_get(LIST_URL, {"field": other_field.pk})
    by_level = client_get(LIST_URL, {"online_level": "full"})
    combined = client_get(
        LIST_URL,
        {"agency": procedure.agency.pk, "field": procedure.field.pk, "online_level": "partial"},
    )

    assert codes_on_page(by_agency) == ["2.0001"]
    assert codes_on_page(by_field) == ["2.0002"]
    assert codes_on_page(by_level) == ["2.0003"]
    assert codes_on_page(combined) == ["1.000001"]


@pytest.mark.parametrize(
    "params",
    [
        {"agency": "abc"},
        {"agency": "999999"},
        {"field": "-1"},
        {"online_level": "level4"},
        {"q": "x" * 500},
        {"page": "abc"},
        {"page": "-3"},
        {"page": "99999"},
        {"q": "\x00"},
    ],
    ids=lambda params: "&".join(f"{k}={str(v)[:10]!r}" for k, v in params.items()),
)
def test_bad_query_parameters_get_a_page_not_an_error(procedure, params):
    response = client_get(LIST_URL, params)

    assert response.status_code == 200
    # The valid part of the request still applies: the one procedure is listed.
    if "q" not in params:
        assert codes_on_page(response) == ["1.000001"]


def test_invalid_filter_is_reported_in_vietnamese(procedure):
    response = client_get(LIST_URL, {"agency": "abc"})

    assert (
        "Một số bộ lọc trong địa chỉ không hợp lệ và đã được bỏ qua." in response.content.decode()
    )


def test_empty_search_says_so_in_vietnamese(procedure):
    response = client_get(LIST_URL, {"q": "khong co thu tuc nay"})

    assert codes_on_page(response) == []
    assert "Không có thủ tục nào phù hợp" in response.content.decode()


def test_list_is_paginated_twenty_per_page(agency, field):
    for number in range(45):
        ProcedureFactory(
            code=f"5.{number:06d}", name=f"Thủ tục {number:02d}", agency=agency, field=field
        )

    first = client_get(LIST_URL)
    third = client_get(LIST_URL, {"page": 3})

    assert len(codes_on_page(first)) == 20
    assert codes_on_page(third) == [f"5.{number:06d}" for number in range(40, 45)]
    assert first.context["page"].paginator.count == 45


def test_catalogue_list_runs_a_fixed_number_of_queries_for_2000_procedures(agency, field):
    def make(start, count):
        Procedure.objects.bulk_create(
            Procedure(
                code=f"7.{number:06d}",
                name=f"Hội nghị quốc tế số {number}",
                search_text=fold(f"7.{number:06d} Hội nghị quốc tế số {number}"),
                field=field,
                agency=agency,
                decision_authority="Chủ tịch UBND tỉnh",
                time_limit_amount=Decimal("10"),
                result="Văn bản",
                legal_basis="QĐ 06/2020/QĐ-TTg",
                valid_from=date(2025, 1, 1),
                is_published=True,
            )
            for number in range(start, start + count)
        )

    make(0, 20)
    with CaptureQueriesContext(connection) as few:
        assert client_get(LIST_URL, {"q": "hoi nghi"}).status_code == 200
    make(20, 1980)
    with CaptureQueriesContext(connection) as many:
        response = client_get(LIST_URL, {"q": "hoi nghi", "page": 50})

    assert response.context["page"].paginator.count == 2000
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 8


def test_detail_shows_every_field_of_the_procedure(procedure):
    RequiredDocumentFactory(
        procedure=procedure, name="Tờ trình xin phép tổ chức", original_count=1, copy_count=2
    )
    ProcedureStepFactory(
        procedure=procedure, name="Chuyên viên thẩm định", budget_hours=Decimal("80")
    )
    procedure.fees.create(name="Lệ phí", amount=30000)
    procedure.conditions = "Có đề án tổ chức"
    procedure.save()

    response = client_get(procedure.get_absolute_url())
    page = response.content.decode()

    assert response.status_code == 200
    for expected in [
        procedure.name,
        procedure.code,
        procedure.field.name,
        procedure.agency.name,
        procedure.decision_authority,
        procedure.result,
        procedure.legal_basis,
        "Có đề án tổ chức",
        "Tờ trình xin phép tổ chức",
        "Chuyên viên thẩm định",
        "30.000 đ",
        "10 ngày làm việc",
        "Nộp hồ sơ trực tuyến",
    ]:
        assert expected in page, expected


def test_unknown_code_gets_a_vietnamese_404(procedure):
    response = client_get(reverse("procedures:detail", kwargs={"code": "0.999999"}))

    assert response.status_code == 404
    assert "Không có thủ tục nào đang được công bố với mã 0.999999." in response.content.decode()


def test_document_template_downloads_for_a_published_procedure(procedure):
    document = RequiredDocumentFactory(procedure=procedure)
    document.template_file.save("mau-01.docx", ContentFile(b"template bytes"))
    url = reverse(
        "procedures:template", kwargs={"code": procedure.code, "document_id": document.pk}
    )

    response = client_get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"template bytes"
    assert "mau-01.docx" in response.headers["Content-Disposition"]


def test_document_template_of_an_unpublished_version_is_not_served(procedure):
    draft = ProcedureFactory(code="9.hidden", is_published=False)
    document = RequiredDocumentFactory(procedure=draft)
    document.template_file.save("mau.docx", ContentFile(b"secret draft"))
    url = reverse("procedures:template", kwargs={"code": draft.code, "document_id": document.pk})

    assert client_get(url).status_code == 404


def test_document_template_must_belong_to_the_procedure_in_the_url(procedure):
    other = ProcedureFactory(code="9.other")
    document = RequiredDocumentFactory(procedure=other)
    document.template_file.save("mau.docx", ContentFile(b"x"))
    url = reverse(
        "procedures:template", kwargs={"code": procedure.code, "document_id": document.pk}
    )

    assert client_get(url).status_code == 404


def client_get(url, params=None):
    from django.test import Client

    return Client().get(url, params or {})
