"""Catalogue search: whole words, diacritics and case optional, the best match first, and the
same procedures in the same order on SQLite and on PostgreSQL."""

from datetime import date

import pytest
from django.db import connection, transaction

from procedures.choices import ApplicantType, ProcedureLevel
from procedures.collation import vietnamese_sort_key
from procedures.models import Agency, Field, Procedure, ProcedureResult, RequiredDocument
from procedures.search import procedure_refresh_search
from procedures.selectors import catalogue_filter_choices, procedure_list_published
from procedures.text import fold, search_terms, trigram_similarity, word_text, words
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, RequiredDocumentFactory
from tests.national_sample import read_national_sample

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]

NAMES = {
    "HNHT_PM": "Cho phép tổ chức hội nghị, hội thảo quốc tế thuộc thẩm quyền của Thủ tướng",
    "HNHT_LOCAL": "Cho phép tổ chức hội nghị, hội thảo quốc tế không thuộc thẩm quyền của Thủ tướng",
    "ABTC": "Cho phép doanh nhân sử dụng thẻ đi lại của doanh nhân APEC (thẻ ABTC)",
    "CONSULAR": "Chứng nhận lãnh sự, hợp pháp hóa lãnh sự giấy tờ, tài liệu",
    "TRAVEL": "Cử cán bộ, công chức đi công tác nước ngoài",
    "PRIVATE": "Cho phép cán bộ đi nước ngoài về việc riêng",
    "VISIT": "Cho phép tổ chức, cá nhân nước ngoài vào làm việc với cơ quan trên địa bàn tỉnh",
    "DOMESTIC": "Đăng ký hội nghị trong nước",
}
CODES = {
    "HNHT_PM": "1.000101",
    "HNHT_LOCAL": "1.000102",
    "ABTC": "1.000201",
    "CONSULAR": "2.000301",
    "TRAVEL": "1.000401",
    "PRIVATE": "1.000402",
    "VISIT": "1.000501",
    "DOMESTIC": "3.000601",
}


def codes_found(query="", **filters) -> list[str]:
    return list(procedure_list_published(query=query, **filters).values_list("code", flat=True))


@pytest.fixture
def catalogue():
    return {key: ProcedureFactory(code=CODES[key], name=name) for key, name in NAMES.items()}


SEARCH_CASES = [
    ("hoi nghi", {"HNHT_PM", "HNHT_LOCAL", "DOMESTIC"}),
    ("HỘI NGHỊ", {"HNHT_PM", "HNHT_LOCAL", "DOMESTIC"}),
    ("hội nghi", {"HNHT_PM", "HNHT_LOCAL", "DOMESTIC"}),
    ("Hoi Nghi", {"HNHT_PM", "HNHT_LOCAL", "DOMESTIC"}),
    ("hoi nghi quoc te", {"HNHT_PM", "HNHT_LOCAL"}),
    ("hội nghị quốc tế", {"HNHT_PM", "HNHT_LOCAL"}),
    ("HOI NGHI QUOC TE", {"HNHT_PM", "HNHT_LOCAL"}),
    ("quoc te hoi nghi", {"HNHT_PM", "HNHT_LOCAL"}),
    ("khong thuoc tham quyen", {"HNHT_LOCAL"}),
    ("ABTC", {"ABTC"}),
    ("abtc", {"ABTC"}),
    ("the abtc", {"ABTC"}),
    ("thẻ ABTC", {"ABTC"}),
    ("apec", {"ABTC"}),
    ("lanh su", {"CONSULAR"}),
    ("LÃNH SỰ", {"CONSULAR"}),
    ("hop phap hoa", {"CONSULAR"}),
    ("hợp pháp hoá", {"CONSULAR"}),  # the other placement of the tone mark
    ("dang ky", {"DOMESTIC"}),  # đ matches d
    ("đăng ký", {"DOMESTIC"}),
    ("ĐĂNG KÝ", {"DOMESTIC"}),
    ("dia ban", {"VISIT"}),
    ("nuoc ngoai", {"TRAVEL", "PRIVATE", "VISIT"}),
    ("nước ngoài việc riêng", {"PRIVATE"}),
    ("1.000201", {"ABTC"}),
    ("2.000301", {"CONSULAR"}),
    ("  hoi   nghi  ", {"HNHT_PM", "HNHT_LOCAL", "DOMESTIC"}),
    ("hội nghị, quốc tế!", {"HNHT_PM", "HNHT_LOCAL"}),
    ("visa", set()),
    ("hoi nghi abtc", set()),
    # Whole words only: parts of words find nothing.
    ("hoi ngh", set()),
    ("nuoc ngo", set()),
    ("1.0002", set()),
    ("", set(NAMES)),
    ("?!", set(NAMES)),  # no word at all: no filter
]


@pytest.mark.parametrize(
    ("query", "expected"), SEARCH_CASES, ids=[c[0] or "<empty>" for c in SEARCH_CASES]
)
def test_search_finds_exactly_the_matching_procedures(catalogue, query, expected):
    assert set(codes_found(query)) == {CODES[key] for key in expected}


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Hội nghị", "hoi nghi"),
        ("ĐĂNG KÝ", "dang ky"),
        ("Thủ tướng Chính phủ", "thu tuong chinh phu"),
        ("hợp pháp hóa", "hop phap hoa"),
        ("hợp pháp hoá", "hop phap hoa"),
        ("  nhiều   khoảng  trắng ", "nhieu khoang trang"),
        ("Ư Ơ Ă Â Ê Ô", "u o a a e o"),
        ("Ðăng ký", "dang ky"),  # Icelandic eth typed for Đ
        ("đăng k\u200eý", "dang ky"),  # a left-to-right mark inside a word, as in real records
    ],
)
def test_fold_removes_every_vietnamese_mark(text, folded):
    assert fold(text) == folded


def test_search_terms_drop_punctuation_and_repeats():
    assert search_terms("Hội nghị, hội nghị; (quốc tế) 1.000201.") == [
        "hoi",
        "nghi",
        "quoc",
        "te",
        "1.000201",
    ]


def test_words_keep_codes_whole_and_split_everything_else():
    assert words("Kết quả KQ.G15.000033 theo 68/2013/TT-BCA, mẫu_01 (1.000201).") == [
        "ket",
        "qua",
        "kq.g15.000033",
        "theo",
        "68",
        "2013",
        "tt",
        "bca",
        "mau",
        "01",
        "1.000201",
    ]
    assert word_text("Đăng ký", "", "khai  sinh!") == "dang ky khai sinh"


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        # Values PostgreSQL 15's pg_trgm returns (float4).
        ("thu tuc dang ky khai sinh", "khai sinh", 0.41666666),
        ("gia han tam tru", "gia han tam tru", 1.0),
        ("1.000201 a_b", "1 000201 a b", 1.0),
        ("", "", 0.0),
        ("abc", "", 0.0),
    ],
)
def test_trigram_similarity_is_pg_trgm_similarity(left, right, expected):
    assert trigram_similarity(left, right) == pytest.approx(expected, abs=1e-7)
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [left, right])
        (in_database,) = cursor.fetchone()
    assert in_database == pytest.approx(trigram_similarity(left, right), abs=1e-7)


def test_renaming_a_procedure_updates_what_search_finds(catalogue):
    procedure = catalogue["VISIT"]
    procedure.name = "Tiếp đoàn khách quốc tế"
    procedure.save(update_fields=["name"])

    assert codes_found("doan khach") == [CODES["VISIT"]]
    assert not procedure_list_published(query="dia ban").exists()


def test_words_are_whole_words_not_parts_of_words():
    """`cong ham` (công hàm, a diplomatic note) is not `công tác` + `thẩm quyền`, and `khai
    sinh` is not `phát sinh` + `sinh hoạt`."""
    note = ProcedureFactory(name="Tiếp nhận công hàm của cơ quan đại diện")
    ProcedureFactory(name="Cử cán bộ đi công tác thuộc thẩm quyền của tỉnh")
    birth = ProcedureFactory(name="Đăng ký khai sinh")
    ProcedureFactory(name="Điều chỉnh phí nước sinh hoạt phát sinh")

    assert codes_found("cong ham") == [note.code]
    assert codes_found("khai sinh") == [birth.code]


def test_other_fields_are_searched_once_the_children_are_written():
    agency = AgencyFactory(name="Cục Lãnh sự")
    other = AgencyFactory(name="Sở Tư pháp", short_name="STP")
    field = FieldFactory(name="Hộ tịch")
    procedure = ProcedureFactory(
        name="Thủ tục A",
        agency=agency,
        field=field,
        decision_authority="Chủ tịch Ủy ban nhân dân tỉnh",
        result="Giấy chứng nhận",
    )
    procedure.other_agencies.add(other)
    RequiredDocumentFactory(procedure=procedure, name="Tờ khai đăng ký giám hộ")
    ProcedureResult.objects.create(procedure=procedure, code="KQ.G15.000033", name="Trích lục")
    procedure_refresh_search(procedure)

    for query in [
        "cuc lanh su",
        "so tu phap",
        "stp",
        "ho tich",
        "chu tich uy ban",
        "giay chung nhan",
        "to khai giam ho",
        "kq.g15.000033",
        "trich luc",
    ]:
        assert codes_found(query) == [procedure.code], query

    procedure.name = "Thủ tục B"
    procedure.save()  # a later save keeps what its documents and results say
    assert codes_found("to khai giam ho") == [procedure.code]
    assert codes_found("thu tuc b") == [procedure.code]


def test_tiers_code_then_phrase_then_words_in_name_then_other_fields():
    words_elsewhere = ProcedureFactory(
        code="1.000005", name="Cấp phép A", decision_authority="Sinh viên khai báo"
    )
    phrase_elsewhere = ProcedureFactory(
        code="1.000004", name="Cấp phép B", decision_authority="Người khai sinh"
    )
    words_in_name = ProcedureFactory(code="1.000003", name="Khai báo việc sinh con")
    phrase_in_name = ProcedureFactory(code="1.000002", name="Thủ tục đăng ký khai sinh lưu động")
    plain = ProcedureFactory(code="1.000001", name="Đăng ký khai sinh")

    assert codes_found("khai sinh") == [
        plain.code,  # the phrase, and the name most like the query
        phrase_in_name.code,
        words_in_name.code,
        phrase_elsewhere.code,
        words_elsewhere.code,
    ]
    assert codes_found("1.000003") == [words_in_name.code]


def test_level_filter():
    province = ProcedureFactory(levels=ProcedureLevel.PROVINCE)
    both = ProcedureFactory(levels=f"{ProcedureLevel.PROVINCE},{ProcedureLevel.COMMUNE}")
    commune = ProcedureFactory(levels=ProcedureLevel.COMMUNE)

    assert set(codes_found(level=ProcedureLevel.COMMUNE)) == {both.code, commune.code}
    assert set(codes_found(level=ProcedureLevel.PROVINCE)) == {province.code, both.code}
    assert codes_found(level=ProcedureLevel.MINISTRY) == []


def test_applicant_type_filter_counts_procedures_open_to_both():
    citizen = ProcedureFactory(applicant_type=ApplicantType.CITIZEN)
    organisation = ProcedureFactory(applicant_type=ApplicantType.ORGANISATION)
    both = ProcedureFactory(applicant_type=ApplicantType.BOTH)

    assert set(codes_found(applicant_type=ApplicantType.CITIZEN)) == {citizen.code, both.code}
    assert set(codes_found(applicant_type=ApplicantType.ORGANISATION)) == {
        organisation.code,
        both.code,
    }
    assert codes_found(applicant_type=ApplicantType.BOTH) == [both.code]


def test_agency_filter_and_menu_include_other_handling_agencies():
    principal, helper, idle = (AgencyFactory(name=name) for name in ["Sở B", "Sở A", "Sở C"])
    procedure = ProcedureFactory(agency=principal)
    procedure.other_agencies.add(helper)
    ProcedureFactory(agency=idle, is_published=False)

    assert codes_found(agency=principal) == [procedure.code]
    assert codes_found(agency=helper) == [procedure.code]
    assert codes_found(agency=idle) == []
    agencies, _fields = catalogue_filter_choices()
    assert [agency.name for agency in agencies] == ["Sở A", "Sở B"]


# ---- the national sample: 610 real records ---------------------------------------------------


def sample_records() -> dict:
    return read_national_sample()


def load_national_sample(data: dict) -> None:
    """The records as format v1 describes them, written through the models, each procedure's
    search columns refreshed once its documents exist (as the import does)."""
    agencies = {
        record["code"]: Agency.objects.create(
            code=record["code"], name=record["name"], kind=record["kind"]
        )
        for record in data["agencies"]
    }
    fields = {
        record["code"]: Field.objects.create(code=record["code"], name=record["name"])
        for record in data["fields"]
    }
    for record in data["procedures"]:
        procedure = Procedure.objects.create(
            code=record["code"],
            version=record["version"],
            name=record["name"],
            field=fields[record["field"]],
            agency=agencies[record["agency"]],
            decision_authority=record["decision_authority"],
            levels=record["level"],
            applicant_type=record["applicant_type"],
            online_level=record["online_level"],
            result=record["result"],
            valid_from=date.fromisoformat(record["valid_from"]),
            is_published=record["is_published"],
        )
        RequiredDocument.objects.bulk_create(
            RequiredDocument(procedure=procedure, position=doc["position"], name=doc["name"])
            for doc in record["documents"]
        )
        procedure_refresh_search(procedure)


@pytest.fixture(scope="class")
def national_sample(django_db_setup, django_db_blocker):
    """The 610 records, loaded once for the tests of a class and rolled back after them."""
    data = sample_records()
    with django_db_blocker.unblock(), transaction.atomic():
        load_national_sample(data)
        yield data
        transaction.set_rollback(True)


# (query typed without diacritics, the code that must come first) — each checked by reading
# the records: the procedure a person typing this is looking for.
FIRST_RESULTS = [
    ("khai sinh", "1.001193"),  # Thủ tục đăng ký khai sinh (was 6th of 17)
    ("cap lai the can cuoc", "1.014064"),  # Cấp lại thẻ căn cước
    ("cap doi the can cuoc", "1.014063"),  # Cấp đổi thẻ căn cước
    ("gia han tam tru", "1.002755"),  # Gia hạn tạm trú
    ("dang ky tam tru", "1.004194"),  # Đăng ký tạm trú
    ("dang ky thuong tru", "1.004222"),  # Đăng ký thường trú
    ("xoa dang ky thuong tru", "1.003197"),  # Xóa đăng ký thường trú
    ("ly lich tu phap", "3.000333"),  # Cấp Phiếu Lý lịch tư pháp cho công dân Việt Nam, …
    ("khieu nai", "2.000592"),  # Thủ tục giải quyết khiếu nại về trợ giúp pháp lý
    ("ket hon", "1.000894"),  # Thủ tục đăng ký kết hôn
    ("DANG KY KET HON", "1.000894"),
    ("dang ky khai tu", "1.000656"),  # Thủ tục đăng ký khai tử
    ("chung thuc di chuc", "2.001019"),  # Chứng thực di chúc
    ("cap the cong chung vien", "1.013859"),  # Cấp thẻ công chứng viên
    ("nuoi con nuoi", "2.001263"),  # Đăng ký việc nuôi con nuôi trong nước
    ("xac nhan tinh trang hon nhan", "1.004873"),  # Thủ tục cấp Giấy xác nhận tình trạng hôn nhân
    ("ban sao trich luc ho tich", "2.000635"),  # Cấp bản sao Trích lục hộ tịch, …
    ("the abtc", "2.000293"),  # Cấp lại thẻ ABTC
    ("1.001193", "1.001193"),  # a code typed exactly
    (" 2.000528 ", "2.000528"),
    ("đăng ký kết hôn", "1.000894"),  # with diacritics too
]

# Whole result lists, in order, pinned: the same on both databases.
TOP_FIVE = {
    "khai sinh": ["1.001193", "1.004884", "1.003583", "2.000635", "2.000528"],
    "cap lai the can cuoc": ["1.014064", "2.001194", "1.000757", "1.014060", "2.000908"],
    "gia han tam tru": ["1.002755", "1.001146", "1.003326", "1.000771", "1.002411"],
    "ly lich tu phap": ["3.000333", "3.000330", "3.000335", "3.000334", "2.000581"],
}


@pytest.mark.usefixtures("national_sample")
class TestNationalSample:
    def test_the_sample_is_loaded_and_published(self):
        assert procedure_list_published().count() == 610

    @pytest.mark.parametrize(("query", "first"), FIRST_RESULTS, ids=[q for q, _ in FIRST_RESULTS])
    def test_the_procedure_a_person_means_comes_first(self, query, first):
        assert codes_found(query)[0] == first

    @pytest.mark.parametrize("query", list(TOP_FIVE))
    def test_the_first_five_in_order(self, query):
        assert codes_found(query)[:5] == TOP_FIVE[query]

    def test_a_code_typed_exactly_finds_only_that_procedure(self):
        assert codes_found("1.014064") == ["1.014064"]

    def test_whole_words_only_cong_ham(self, national_sample):
        """`cong ham` finds the records that say công hàm, then those with both words
        elsewhere (cấp bậc hàm, phong hàm), never one with only `công tác … thẩm quyền`: the
        2026-11 search matched parts of words."""
        found = codes_found("cong ham")

        assert found[:3] == ["1.001010", "1.003290", "3.000403"]  # "công hàm" in a document
        assert set(found[3:]) == {"1.003777", "1.000688", "1.015027"}
        parts_of_words = {
            record["code"]
            for record in national_sample["procedures"]
            if all(term in fold(f"{record['code']} {record['name']}") for term in ["cong", "ham"])
        } - records_holding_every_word(national_sample, "cong ham")
        assert len(parts_of_words) > 10
        assert not parts_of_words & set(found)

    @pytest.mark.parametrize(
        "query", ["khai sinh", "cong ham", "ho chieu", "dang ky thuong tru", "the abtc"]
    )
    def test_matches_are_the_records_holding_every_word(self, national_sample, query):
        assert set(codes_found(query)) == records_holding_every_word(national_sample, query)

    @pytest.mark.parametrize("query", ["khai sinh", "cap", "cong an", "dang ky", "1.001193"])
    def test_the_whole_order_is_the_definition(self, national_sample, query):
        """Tier, then pg_trgm similarity of the name (0 for a name holding none of the words),
        then Vietnamese name order, then code, computed here in Python from the file, for every
        match of the query."""
        terms, phrase = search_terms(query), " ".join(words(query))
        agencies = {a["code"]: a["name"] for a in national_sample["agencies"]}
        fields = {f["code"]: f["name"] for f in national_sample["fields"]}
        ranked = []
        for record in national_sample["procedures"]:
            name = word_text(record["name"])
            text = word_text(
                record["code"],
                record["name"],
                record["decision_authority"],
                record["result"],
                fields[record["field"]],
                agencies[record["agency"]],
                *(doc["name"] for doc in record["documents"]),
            )
            if not set(terms) <= set(text.split()):
                continue
            if record["code"].lower() == query.strip().lower():
                tier = 0
            elif f" {phrase} " in f" {name} ":
                tier = 1
            elif set(terms) <= set(name.split()):
                tier = 2
            elif f" {phrase} " in f" {text} ":
                tier = 3
            else:
                tier = 4
            holds_a_word = set(terms) & set(name.split())
            similarity = trigram_similarity(name, phrase) if holds_a_word else 0.0
            ranked.append((tier, -similarity, vietnamese_sort_key(record["name"]), record["code"]))

        assert codes_found(query) == [code for *_key, code in sorted(ranked)]


def records_holding_every_word(data: dict, query: str) -> set[str]:
    """Codes of the records whose code, name, authority, result, field, agency or document
    names hold every word of `query`, read from the file rather than the database."""
    agencies = {a["code"]: a["name"] for a in data["agencies"]}
    fields = {f["code"]: f["name"] for f in data["fields"]}
    found = set()
    for record in data["procedures"]:
        text = [
            record["code"],
            record["name"],
            record["decision_authority"],
            record["result"],
            fields[record["field"]],
            agencies[record["agency"]],
            *(doc["name"] for doc in record["documents"]),
        ]
        if set(search_terms(query)) <= set(words(" ".join(text))):
            found.add(record["code"])
    return found
