"""Input that is what it claims: numbers in ASCII digits, names without invisible characters
or e-mail looks, and request parameters that never fail with a 500."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from dossiers.generator import generate_dossiers
from dossiers.statistics import Period, report_drilldown
from portal.auth import find_account, login_key
from portal.validators import (
    clean_personal_name,
    normalize_identity_number,
    normalize_phone,
    validate_identity_number,
    validate_phone,
)
from procedures.exchange import catalogue_import_json
from tests.dossiers.staff_setup import build_office
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "mot-mat-khau-moi-2026"
ARABIC_INDIC_PHONE = "0٩١٢٣٤٥٦٧٨"  # looks like 0912345678
FULL_WIDTH_PHONE = "０９１２３４５６７８"
HUGE = "99999999999999999999999"
NON_ASCII_DIGITS = "Vui lòng chỉ dùng các chữ số từ 0 đến 9."


def _register(client, **fields):
    data = {
        "full_name": "Trần Thị Bình",
        "email": "",
        "phone": "",
        "identity_number": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(fields)
    return client.post(reverse("portal:register"), data)


def _errors(response, field):
    return [
        (error.code, str(error.message % error.params if error.params else error.message))
        for error in response.context["form"].errors.as_data().get(field, [])
    ]


# ---- digits ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        ARABIC_INDIC_PHONE,
        "0۹۱۲۳۴۵۶۷۸",  # Extended Arabic-Indic (Persian)
        "0९१२३४५६७८",  # Devanagari
        "0912345６७8",  # mixed
        "+84 ٩١٢ ٣٤٥ ٦٧٨",
    ],
)
def test_phones_in_other_digit_scripts_are_refused(phone):
    with pytest.raises(ValidationError) as caught:
        validate_phone(phone)
    assert caught.value.code == "non_ascii_digits"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (FULL_WIDTH_PHONE, "0912345678"),
        ("＋８４ ９１２ ３４５ ６７８", "0912345678"),
        ("0912.345.678", "0912345678"),
    ],
)
def test_full_width_phones_are_normalised_to_ascii(typed, stored):
    validate_phone(typed)
    assert normalize_phone(typed) == stored


def test_an_identity_number_in_arabic_indic_digits_is_refused():
    with pytest.raises(ValidationError) as caught:
        validate_identity_number("٠٠١٢٠٣٠٠٤٥٦٧")
    assert caught.value.code == "non_ascii_digits"


def test_an_identity_number_in_full_width_digits_is_normalised_before_the_check():
    """The stored value is ASCII: the check itself accepts only ASCII, so a caller that does not
    normalise can never store full-width digits."""
    typed = "００１２０３００４５６７"
    with pytest.raises(ValidationError):
        validate_identity_number(typed)
    assert normalize_identity_number(typed) == "001203004567"
    validate_identity_number(normalize_identity_number(typed))


def test_registration_refuses_a_phone_in_arabic_indic_digits_with_a_clear_message(client):
    """The look-alike of the demo citizen's 0912345678 is not stored."""
    response = _register(client, phone=ARABIC_INDIC_PHONE)
    assert response.status_code == 200
    assert _errors(response, "phone") == [("non_ascii_digits", NON_ASCII_DIGITS)]
    assert not User.objects.exists()


def test_registration_refuses_an_identity_number_in_arabic_indic_digits(client):
    response = _register(client, email="binh@example.vn", identity_number="٠٠١٢٠٣٠٠٤٥٦٧")
    assert _errors(response, "identity_number") == [("non_ascii_digits", NON_ASCII_DIGITS)]
    assert not User.objects.exists()


def test_registration_stores_full_width_digits_as_ascii(client):
    response = _register(client, phone=FULL_WIDTH_PHONE, identity_number="００１２０３００４５６７")
    assert response.status_code == 302
    user = User.objects.get()
    assert (user.phone, user.identity_number) == ("0912345678", "001203004567")


def test_a_look_alike_phone_finds_no_account_at_login():
    """`0٩١٢٣٤٥٦٧٨` is not a spelling of 0912345678, and it is counted under itself."""
    UserFactory(phone="0912345678")
    assert find_account(ARABIC_INDIC_PHONE) is None
    assert login_key(ARABIC_INDIC_PHONE) == ARABIC_INDIC_PHONE
    assert find_account(FULL_WIDTH_PHONE).phone == "0912345678"


# ---- names -------------------------------------------------------------------------------------

INVISIBLE = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
]


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_bidi_controls_and_zero_width_characters_are_stripped_from_names(char):
    assert clean_personal_name(f"Trần{char} Thị{char}{char} Bình{char}") == "Trần Thị Bình"


def test_a_right_to_left_override_cannot_make_a_name_read_differently(client):
    """ "Nguyễn Văn <RLO>nA" would show as "Nguyễn Văn An": it is stored without the override."""
    response = _register(client, email="an2@example.vn", full_name="Nguyễn Văn \u202enA")
    assert response.status_code == 302
    assert User.objects.get().first_name == "Nguyễn Văn nA"


def test_names_are_composed_and_spaced_once():
    decomposed = "Tra\u0302\u0300n  Thi\u0323\tBi\u0300nh"
    assert clean_personal_name(decomposed) == "Trần Thị Bình"


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u202e", " \ufeff "])
def test_a_name_of_invisible_characters_only_is_refused(client, name):
    response = _register(client, email="binh@example.vn", full_name=name)
    assert response.status_code == 200
    assert [code for code, _message in _errors(response, "full_name")] == ["required"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["lanhdao@example.vn", "Lãnh đạo <lanhdao@example.vn>", "lanhdao＠example.vn", "a@b"],
)
def test_a_name_that_looks_like_an_email_address_is_refused(client, name):
    """A staff address as a citizen's name would pass for that member of staff."""
    response = _register(client, email="binh@example.vn", full_name=name)
    assert response.status_code == 200
    assert _errors(response, "full_name") == [
        (
            "name_like_email",
            "Họ và tên không được chứa ký tự “@”. Vui lòng nhập họ và tên, không nhập địa chỉ "
            "thư điện tử.",
        )
    ]
    assert not User.objects.exists()


# ---- parameters that never fail ----------------------------------------------------------------

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OCTOBER = {"period": "month", "year": "2026", "month": "10"}


@pytest.fixture
def dossiers():
    path = settings.BASE_DIR / "procedures" / "fixtures" / "demo_catalogue.json"
    catalogue_import_json(path.read_bytes())
    generate_dossiers(
        count=40,
        seed=6,
        start=date(2026, 9, 1),
        end=date(2026, 11, 25),
        now=datetime(2026, 11, 26, 10, 0, tzinfo=TZ),
    )


@pytest.fixture
def boss():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.mark.parametrize(
    ("grouping", "key"),
    [
        ("agency", HUGE),
        ("agency", str(2**63)),
        ("agency", str(2**63 - 1)),
        ("agency", "0"),
        ("agency", "-1"),
        ("agency", "1" * 5000),
        ("field", HUGE),
        ("procedure", "\x00"),
        ("procedure", "1.000001\x00"),
        ("channel", "online\x00"),
    ],
)
def test_drilldown_keys_out_of_range_list_nothing_without_an_error(
    client, boss, dossiers, grouping, key
):
    """The issue's 500 (`key=99999999999999999999999`) and its relatives: the page answers 200
    with an empty list and no message, as for any key that names no group."""
    client.force_login(boss)
    client.raise_request_exception = False

    response = client.get(
        reverse("dossiers:report_dossiers"),
        {**OCTOBER, "column": "received_total", "grouping": grouping, "key": key},
    )

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert [m.message for m in response.context["messages"]] == []
    assert "Không có hồ sơ nào." in response.content.decode()


def test_report_drilldown_refuses_out_of_range_ids_itself(boss, dossiers):
    """The statistics function is safe for any caller, not only the page."""
    period = Period.month(2026, 10)
    for key in (2**63, -5, HUGE):
        listed = report_drilldown(
            user=boss, period=period, column="received_total", grouping="agency", key=key
        )
        assert list(listed) == []


@pytest.mark.parametrize("procedure", [HUGE, str(2**63), "-1", "0", "\x00", "1e3"])
def test_the_walk_in_form_survives_any_procedure_id(client, procedure):
    """A posted procedure id past the primary keys' range used to fail its case query."""
    office = build_office()
    client.force_login(office.desk)
    client.raise_request_exception = False

    response = client.post(reverse("dossiers:walk_in"), {"procedure": procedure})

    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.parametrize("page", [HUGE, "-1", "x", "\x00"])
def test_the_drilldown_page_number_is_never_an_error(client, boss, dossiers, page):
    client.force_login(boss)
    client.raise_request_exception = False
    response = client.get(
        reverse("dossiers:report_dossiers"),
        {**OCTOBER, "column": "received_total", "page": page},
    )
    assert response.status_code == 200
