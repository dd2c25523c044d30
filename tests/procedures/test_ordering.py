"""Lists sorted by name follow the Vietnamese alphabet (Đ right after D, Ă and Â after A), tone
marks only between otherwise equal names, case ignored; the same order on both databases."""

import random
import unicodedata
from itertools import groupby

import pytest

from procedures.collation import by_vietnamese_name, vietnamese_sort_key
from procedures.models import Agency, Procedure
from procedures.selectors import agency_tree, catalogue_filter_choices, procedure_list_published
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory
from tests.procedures.test_search import national_sample  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]

# The Vietnamese order, written out by hand.
IN_ORDER = [
    "An toàn thực phẩm",
    "Ăn uống",
    "Âm nhạc",
    "Bảo hiểm",
    "Cấp hộ chiếu",
    "cấp lại thẻ",  # case does not count
    "Cấp thẻ",
    "Dân tộc",
    "Dịch thuật",
    "Du lịch",
    "Đăng ký kết hôn",
    "đăng ký khai sinh",
    "Đăng ký thường trú",
    "Điều chỉnh",
    "E-mail",
    "Em bé",
    "Ê kíp",
    "Giấy phép",
    "Ha",
    "Hà",  # tone marks: none, huyền, hỏi, ngã, sắc, nặng
    "Hả",
    "Hã",
    "Há",
    "Hạ",
    "Hac",  # a letter more outweighs any tone mark
    "Ô tô",
    "Ơn",
    "Phí",
    "Ủy ban",
    "Ưu đãi",
    "Xác nhận",
]


def shuffled(names):
    names = list(names)
    random.Random(20261203).shuffle(names)
    return names


def test_procedures_without_a_query_are_in_vietnamese_order():
    for number, name in enumerate(shuffled(IN_ORDER)):
        ProcedureFactory(code=f"8.{number:06d}", name=name)

    names = list(procedure_list_published().values_list("name", flat=True))

    assert names == IN_ORDER
    assert names.index("Đăng ký kết hôn") > names.index("Dịch thuật")
    assert names.index("Đăng ký thường trú") < names.index("E-mail")


def test_equal_names_are_ordered_by_code():
    for code in ["4.000003", "4.000001", "4.000002"]:
        ProcedureFactory(code=code, name="Cấp thẻ")

    assert list(procedure_list_published().values_list("code", flat=True)) == [
        "4.000001",
        "4.000002",
        "4.000003",
    ]


def test_filter_menus_and_agency_tree_are_in_vietnamese_order():
    names = ["Sở Tư pháp", "Đài Phát thanh", "Công an tỉnh", "Dân tộc", "Ủy ban nhân dân"]
    for name in shuffled(names):
        ProcedureFactory(agency=AgencyFactory(name=name), field=FieldFactory(name=name))
    expected = ["Công an tỉnh", "Dân tộc", "Đài Phát thanh", "Sở Tư pháp", "Ủy ban nhân dân"]

    agencies, fields = catalogue_filter_choices()

    assert [agency.name for agency in agencies] == expected
    assert [field.name for field in fields] == expected
    assert [agency.name for agency, _depth in agency_tree()] == expected


def test_the_helper_works_through_relations_and_reverses():
    for name in ["Đài", "Dân", "Ba"]:
        ProcedureFactory(agency=AgencyFactory(name=name))

    by_agency = Procedure.objects.order_by(by_vietnamese_name("agency__name"))
    backwards = Agency.objects.order_by(by_vietnamese_name("name").desc())

    assert [p.agency.name for p in by_agency] == ["Ba", "Dân", "Đài"]
    assert [a.name for a in backwards] == ["Đài", "Dân", "Ba"]


def test_the_database_collation_agrees_with_the_python_key():
    samples = [*IN_ORDER, "a b", "a-b", "a,b", "ab", "(a)", "“a”", "1", "10", "9", "z", "ñ", ""]
    for number, name in enumerate(shuffled(samples)):
        AgencyFactory(code=f"PROBE.{number:03d}", name=name)

    in_database = Agency.objects.order_by(by_vietnamese_name("name")).values_list("name", flat=True)

    assert list(in_database) == sorted(samples, key=vietnamese_sort_key)


@pytest.mark.usefixtures("national_sample")
class TestNationalSample:
    def test_all_610_names_in_the_same_order_as_the_python_key(self, national_sample):  # noqa: F811
        """Both databases sort the real names exactly as the key does, so they agree."""
        expected = [
            record["code"]
            for record in sorted(
                national_sample["procedures"],
                key=lambda record: (vietnamese_sort_key(record["name"]), record["code"]),
            )
        ]

        assert list(procedure_list_published().values_list("code", flat=True)) == expected

    def test_initial_letters_follow_the_vietnamese_alphabet(self):
        """Each initial letter forms one block and the blocks follow the alphabet: the
        Đăng ký, Điều chỉnh … names after every D name and before E."""
        names = procedure_list_published().values_list("name", flat=True)
        blocks = [letter for letter, _names in groupby(initial(name) for name in names)]

        assert len(blocks) == len(set(blocks))
        assert blocks == sorted(blocks, key=ALPHABET.index)
        assert {"C", "Đ", "G"} <= set(blocks)


ALPHABET = "AĂÂBCDĐEÊFGHIJKLMNOÔƠPQRSTUƯVWXYZ"


def initial(name: str) -> str:
    """The first letter of `name` as the alphabet has it: without its tone mark, upper case."""
    decomposed = unicodedata.normalize("NFD", name.strip())
    letter = decomposed[0]
    for mark in decomposed[1:]:
        if not unicodedata.combining(mark):
            break
        if mark in "\u0306\u0302\u031b":  # breve, circumflex, horn: part of the letter
            letter += mark
    return unicodedata.normalize("NFC", letter).upper()
