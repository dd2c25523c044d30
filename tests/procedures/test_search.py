"""Catalogue search ignores Vietnamese diacritics and case, on SQLite and on PostgreSQL."""

import pytest

from procedures.selectors import procedure_list_published
from procedures.text import fold, search_terms
from tests.factories import ProcedureFactory

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
    ("", set(NAMES)),
]


@pytest.mark.parametrize(
    ("query", "expected"), SEARCH_CASES, ids=[c[0] or "<empty>" for c in SEARCH_CASES]
)
def test_search_finds_exactly_the_matching_procedures(catalogue, query, expected):
    found = set(procedure_list_published(query=query).values_list("code", flat=True))

    assert found == {CODES[key] for key in expected}


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


def test_renaming_a_procedure_updates_what_search_finds(catalogue):
    procedure = catalogue["VISIT"]
    procedure.name = "Tiếp đoàn khách quốc tế"
    procedure.save(update_fields=["name"])

    assert list(procedure_list_published(query="doan khach").values_list("code", flat=True)) == [
        CODES["VISIT"]
    ]
    assert not procedure_list_published(query="dia ban").exists()
