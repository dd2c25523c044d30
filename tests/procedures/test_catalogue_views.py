"""The public catalogue: list, filters, pagination, detail pages and what bad input gets."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags

from procedures.choices import ApplicantType, Channel, OnlineLevel, TimeUnit
from procedures.models import Procedure, TimeLimit
from procedures.templatetags.catalogue import time_limit_text
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


def client_get(url, params=None, **headers):
    from django.test import Client

    return Client().get(url, params or {}, **headers)


_BLOCK_TAG = re.compile(r"</?(?:div|p|li|ul|ol|dt|dd|dl|h\d|td|th|tr|section|aside|nav)\b[^>]*>")


def page_text(response) -> str:
    """What a reader sees: the page without tags (blocks apart), whitespace collapsed."""
    html = _BLOCK_TAG.sub(" ", response.content.decode())
    return re.sub(r"\s+", " ", strip_tags(html)).strip()


SUBMIT_LABEL = "Nộp hồ sơ trực tuyến"


# ---- catalogue list: filters, count, phone cards -----------------------------------------------


def test_filters_by_level_and_applicant_type(agency, field):
    ProcedureFactory(code="3.0001", levels="ministry", applicant_type=ApplicantType.CITIZEN)
    ProcedureFactory(
        code="3.0002", levels="province,commune", applicant_type=ApplicantType.ORGANISATION
    )
    ProcedureFactory(code="3.0003", levels="province", applicant_type=ApplicantType.BOTH)

    by_ministry = client_get(LIST_URL, {"level": "ministry"})
    by_commune = client_get(LIST_URL, {"level": "commune"})
    by_province = client_get(LIST_URL, {"level": "province"})
    by_organisation = client_get(LIST_URL, {"applicant_type": "organisation"})
    combined = client_get(LIST_URL, {"level": "province", "applicant_type": "citizen"})

    assert codes_on_page(by_ministry) == ["3.0001"]
    assert codes_on_page(by_commune) == ["3.0002"]
    assert sorted(codes_on_page(by_province)) == ["3.0002", "3.0003"]
    assert sorted(codes_on_page(by_organisation)) == ["3.0002", "3.0003"]
    assert codes_on_page(combined) == ["3.0003"]


@pytest.mark.parametrize("params", [{"level": "district"}, {"applicant_type": "robot"}])
def test_unknown_level_or_applicant_type_is_ignored_and_said(procedure, params):
    response = client_get(LIST_URL, params)

    assert response.status_code == 200
    assert codes_on_page(response) == ["1.000001"]
    assert "Một số bộ lọc trong địa chỉ không hợp lệ" in response.content.decode()


def test_filters_are_styled_bootstrap_controls(procedure):
    page = client_get(LIST_URL).content.decode()

    assert re.search(r'<input type="search" name="q"[^>]*class="form-control"', page)
    for name in ["level", "agency", "field", "online_level", "applicant_type"]:
        assert re.search(rf'<select name="{name}" class="form-select"', page), name
    assert '<option value="ministry">Cấp bộ</option>' in page
    assert '<option value="organisation">Tổ chức</option>' in page


def test_result_count_in_vietnamese(agency, field):
    for number in range(3):
        ProcedureFactory(code=f"4.{number:06d}", agency=agency, field=field)

    assert "Tìm thấy 3 thủ tục." in page_text(client_get(LIST_URL))
    assert "Tìm thấy 0 thủ tục." in page_text(client_get(LIST_URL, {"q": "khong co"}))


def test_pagination_keeps_the_filters(agency, field):
    for number in range(25):
        ProcedureFactory(code=f"6.{number:06d}", levels="commune", agency=agency, field=field)

    response = client_get(LIST_URL, {"level": "commune", "q": "thu tuc"})

    assert response.context["page"].paginator.count == 25
    assert 'href="?level=commune&amp;q=thu+tuc&amp;page=2"' in response.content.decode()


def test_list_rows_are_also_cards_for_a_phone(procedure):
    page = client_get(LIST_URL).content.decode()

    # The table shows from md up, the cards below it; each holds the procedure's link once.
    assert 'class="table-responsive d-none d-md-block' in page
    assert 'class="list-unstyled d-md-none' in page
    assert page.count(f'href="{procedure.get_absolute_url()}"') == 2


def test_list_shows_limits_per_channel_and_which_accept_no_dossier(agency, field):
    split = ProcedureFactory(code="8.0001", agency=agency, field=field)
    split.channel_time_limits.create(
        channel=Channel.ONLINE, amount=Decimal("1"), unit=TimeUnit.WORKING_DAYS
    )
    ProcedureFactory(
        code="8.0002",
        agency=agency,
        field=field,
        time_limit_amount=None,
        time_limit_unit=TimeUnit.NOT_STATED,
    )

    text = page_text(client_get(LIST_URL))

    assert "Trực tuyến: 1 ngày làm việc" in text
    assert "Trực tiếp, Qua dịch vụ bưu chính công ích: 10 ngày làm việc" in text
    assert "Không quy định Chưa tiếp nhận hồ sơ" in text
    assert text.count("Chưa tiếp nhận hồ sơ") == 2  # the table row and the phone card


# ---- procedure page: every field of a v2 record ---------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (Decimal("1"), TimeUnit.WORKING_DAYS, "1 ngày làm việc"),
        (Decimal("5.00"), TimeUnit.WORKING_DAYS, "5 ngày làm việc"),
        (Decimal("0.5"), TimeUnit.WORKING_DAYS, "0,5 ngày làm việc"),
        (Decimal("8"), TimeUnit.WORKING_HOURS, "8 giờ làm việc"),
        (Decimal("30"), TimeUnit.CALENDAR_DAYS, "30 ngày"),
        (Decimal("24"), TimeUnit.HOURS, "24 giờ"),
        (Decimal("3"), TimeUnit.MONTHS, "3 tháng"),
        (None, TimeUnit.WITHIN_DAY, "Trong ngày"),
        (None, TimeUnit.NOT_STATED, "Không quy định"),
        (None, TimeUnit.WORKING_DAYS, "Không quy định"),
    ],
)
def test_time_limit_units_in_vietnamese(procedure, amount, unit, expected):
    procedure.time_limit_amount = amount
    procedure.time_limit_unit = unit
    procedure.save()

    text = page_text(client_get(procedure.get_absolute_url()))

    assert f"Thời hạn giải quyết {expected} " in text


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (Decimal("1"), TimeUnit.WORKING_DAYS, "1 working day"),
        (Decimal("2"), TimeUnit.WORKING_DAYS, "2 working days"),
        (Decimal("1.5"), TimeUnit.WORKING_DAYS, "1,5 working days"),
        (Decimal("1"), TimeUnit.WORKING_HOURS, "1 working hour"),
        (Decimal("1"), TimeUnit.CALENDAR_DAYS, "1 day"),
        (Decimal("1"), TimeUnit.HOURS, "1 hour"),
        (Decimal("24"), TimeUnit.HOURS, "24 hours"),
        (Decimal("1"), TimeUnit.MONTHS, "1 month"),
        (Decimal("3"), TimeUnit.MONTHS, "3 months"),
        (None, TimeUnit.WITHIN_DAY, "Within the day"),
        (None, TimeUnit.NOT_STATED, "Not stated"),
    ],
)
def test_time_limit_units_in_english_are_pluralised(amount, unit, expected):
    with translation.override("en"):
        assert time_limit_text(TimeLimit(amount, unit)) == expected


def test_english_page_says_one_working_day(procedure):
    procedure.time_limit_amount = Decimal("1")
    procedure.save()

    text = page_text(client_get(procedure.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"))

    assert "Time limit 1 working day " in text


def test_time_limit_per_channel_with_its_note(procedure):
    procedure.time_limit_note = "Kể từ ngày nhận đủ hồ sơ hợp lệ"
    procedure.save()
    procedure.channel_time_limits.create(
        channel=Channel.ONLINE,
        amount=Decimal("5"),
        unit=TimeUnit.WORKING_DAYS,
        note="Trường hợp nộp trực tuyến",
    )
    procedure.channel_time_limits.create(channel=Channel.DIRECT, unit=TimeUnit.WITHIN_DAY)

    text = page_text(client_get(procedure.get_absolute_url()))

    assert (
        "Thời hạn giải quyết Trực tuyến: 5 ngày làm việc Trường hợp nộp trực tuyến "
        "Trực tiếp: Trong ngày "
        "Qua dịch vụ bưu chính công ích: 10 ngày làm việc Kể từ ngày nhận đủ hồ sơ hợp lệ"
    ) in text


def test_levels_agencies_and_authorities(procedure):
    procedure.levels = "ministry,province"
    procedure.decision_authority = "Chủ tịch Ủy ban nhân dân tỉnh"
    procedure.authorised_agency = "Sở Ngoại vụ"
    procedure.coordinating_agency = "Công an tỉnh"
    procedure.save()
    other = AgencyFactory(name="Ủy ban nhân dân cấp xã")
    procedure.other_agencies.add(other)

    text = page_text(client_get(procedure.get_absolute_url()))

    assert "Cấp thực hiện Cấp bộ, Cấp tỉnh " in text
    assert f"Cơ quan thực hiện {procedure.agency.name} Ủy ban nhân dân cấp xã " in text
    assert "Cơ quan có thẩm quyền quyết định Chủ tịch Ủy ban nhân dân tỉnh " in text
    assert "Cơ quan được ủy quyền Sở Ngoại vụ " in text
    assert "Cơ quan phối hợp Công an tỉnh " in text


def test_blank_authorities_are_left_out(procedure):
    procedure.decision_authority = ""
    procedure.save()

    text = page_text(client_get(procedure.get_absolute_url()))

    assert "Cơ quan có thẩm quyền" not in text
    assert "Cơ quan được ủy quyền" not in text
    assert "Cơ quan phối hợp" not in text


def test_documents_grouped_by_case_with_the_common_ones_first(procedure):
    first = procedure.cases.create(position=1, title="Trường hợp 1: Đăng ký lần đầu")
    second = procedure.cases.create(position=2, title="Trường hợp 2: Đăng ký lại")
    RequiredDocumentFactory(procedure=procedure, case=second, name="Bản sao giấy cũ")
    RequiredDocumentFactory(procedure=procedure, case=first, name="Tờ khai lần đầu")
    RequiredDocumentFactory(procedure=procedure, case=None, name="Căn cước công dân")

    text = page_text(client_get(procedure.get_absolute_url()))

    assert (
        "Thành phần hồ sơ Thành phần hồ sơ chung Căn cước công dân Bản chính: 1 · Bản sao: 0 "
        "Trường hợp 1: Đăng ký lần đầu Tờ khai lần đầu Bản chính: 1 · Bản sao: 0 "
        "Trường hợp 2: Đăng ký lại Bản sao giấy cũ Bản chính: 1 · Bản sao: 0 "
    ) in text


def test_documents_without_cases_have_no_common_heading(procedure):
    RequiredDocumentFactory(procedure=procedure, name="Tờ trình")

    text = page_text(client_get(procedure.get_absolute_url()))

    assert "Thành phần hồ sơ Tờ trình Bản chính: 1" in text
    assert "Thành phần hồ sơ chung" not in text


def test_a_case_without_documents_says_so(procedure):
    procedure.cases.create(title="Trường hợp cấp lại")

    text = page_text(client_get(procedure.get_absolute_url()))

    assert "Trường hợp cấp lại Trường hợp này không có thành phần hồ sơ riêng." in text


@pytest.mark.parametrize(
    ("fee", "expected"),
    [
        ({"name": "Lệ phí", "amount": 30000}, "Lệ phí: 30.000 đồng"),
        (
            {"name": "Phí thẩm định", "amount": 50000, "amount_max": 200000},
            "Phí thẩm định: 50.000 – 200.000 đồng",
        ),
        ({"name": "Lệ phí thị thực", "amount": 10, "currency": "USD"}, "Lệ phí thị thực: 10 USD"),
        (
            {"name": "Phí", "amount": 25, "amount_max": 50, "currency": "USD"},
            "Phí: 25 – 50 USD",
        ),
        ({"name": "Lệ phí", "amount": 0}, "Lệ phí: Miễn phí"),
        (
            {"name": "Phí", "note": "Theo biểu phí của Bộ Tài chính"},
            "Phí: Theo biểu phí của Bộ Tài chính",
        ),
        ({"name": "Phí"}, "Phí: tùy từng trường hợp"),
        (
            {"name": "Lệ phí", "channel": Channel.ONLINE, "amount": 10000, "note": "Giảm 50%"},
            "Trực tuyến Lệ phí: 10.000 đồng Giảm 50%",
        ),
    ],
)
def test_fees_amounts_ranges_currencies_and_words(procedure, fee, expected):
    procedure.fees.create(**fee)

    text = page_text(client_get(procedure.get_absolute_url()))

    assert f"Phí, lệ phí {expected} " in text


def test_results_with_their_codes(procedure):
    procedure.results.create(position=1, code="KQ.G15.000033", name="Giấy phép")
    procedure.results.create(position=2, name="Văn bản từ chối")

    text = page_text(client_get(procedure.get_absolute_url()))

    assert "Kết quả thực hiện Giấy phép Mã kết quả: KQ.G15.000033 Văn bản từ chối " in text
    # The rows replace the old text field.
    assert procedure.result not in text


def test_legal_basis_rows(procedure):
    procedure.legal_documents.create(
        position=1, number="118/2025/NĐ-CP", title="Nghị định về thủ tục hành chính"
    )
    procedure.legal_documents.create(position=2, number="", title="Luật Cư trú")

    text = page_text(client_get(procedure.get_absolute_url()))

    assert ("Căn cứ pháp lý 118/2025/NĐ-CP — Nghị định về thủ tục hành chính Luật Cư trú ") in text
    assert "Nghị định 118/2025/NĐ-CP" not in text  # the old text field


def test_a_v1_record_falls_back_to_its_text_fields(procedure):
    procedure.fee_note = "Không thu phí"
    procedure.save()

    text = page_text(client_get(procedure.get_absolute_url()))

    assert "Phí, lệ phí Không thu phí " in text
    assert "Kết quả thực hiện Văn bản chấp thuận " in text
    assert "Căn cứ pháp lý Nghị định 118/2025/NĐ-CP " in text


NOTICE = "Chưa tiếp nhận hồ sơ cho đến khi tỉnh quy định thời hạn giải quyết."


@pytest.mark.parametrize(
    ("general", "online", "accepting", "button"),
    [
        ((Decimal("10"), TimeUnit.WORKING_DAYS), None, True, True),
        ((None, TimeUnit.NOT_STATED), None, False, False),
        ((None, TimeUnit.WORKING_DAYS), None, False, False),
        ((Decimal("0"), TimeUnit.MONTHS), None, False, False),
        ((None, TimeUnit.NOT_STATED), (Decimal("5"), TimeUnit.WORKING_DAYS), True, True),
        ((Decimal("10"), TimeUnit.WORKING_DAYS), (None, TimeUnit.NOT_STATED), True, False),
        ((None, TimeUnit.WITHIN_DAY), None, True, True),
    ],
    ids=["set", "not-stated", "no-amount", "zero", "online-only", "online-not-stated", "in-day"],
)
def test_notice_and_submit_button_follow_the_usable_limits(
    procedure, general, online, accepting, button
):
    procedure.time_limit_amount, procedure.time_limit_unit = general
    procedure.save()
    if online:
        procedure.channel_time_limits.create(
            channel=Channel.ONLINE, amount=online[0], unit=online[1]
        )
    submit_url = reverse("dossiers:submit_start", kwargs={"code": procedure.code})

    page = client_get(procedure.get_absolute_url()).content.decode()

    assert (NOTICE in page) is not accepting
    assert (SUBMIT_LABEL in page) is button
    assert (submit_url in page) is button


def test_a_procedure_not_accepting_online_has_no_submit_button(procedure):
    procedure.accepts_online = False
    procedure.save()

    page = client_get(procedure.get_absolute_url()).content.decode()

    assert SUBMIT_LABEL not in page
    assert NOTICE not in page


def test_detail_runs_a_fixed_number_of_queries(procedure):
    def add_rows(count):
        for number in range(count):
            case = procedure.cases.create(title=f"Trường hợp {number}")
            RequiredDocumentFactory(procedure=procedure, case=case)
            procedure.results.create(code=f"KQ.{number}", name=f"Kết quả {number}")
            procedure.legal_documents.create(number=f"{number}/2025/NĐ-CP")
            procedure.fees.create(name=f"Phí {number}", amount=number)
            procedure.other_agencies.add(AgencyFactory())

    add_rows(1)
    with CaptureQueriesContext(connection) as few:
        client_get(procedure.get_absolute_url())
    add_rows(10)
    with CaptureQueriesContext(connection) as many:
        client_get(procedure.get_absolute_url())

    assert len(many.captured_queries) == len(few.captured_queries)
