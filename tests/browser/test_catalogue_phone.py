"""The catalogue on a 390 px phone: real records (names of thousands of characters) never make the
page scroll sideways, and the filters work. Rows are made with the models from the national sample
(catalogue-v1.json.gz), not through the importer.

Set CATALOGUE_SCREENSHOTS to a folder to keep screenshots of each page at phone and desktop width.
"""

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from procedures.choices import AgencyKind, Channel, TimeUnit
from procedures.models import Agency, Field, Procedure
from tests.national_sample import read_national_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
CASE_PREFIX = "Trường hợp: "
FEE_CHANNELS = {"(trực tuyến)": Channel.ONLINE, "(trực tiếp)": Channel.DIRECT}

# Every element's box, and the page's scroll width, against the viewport.
OVERFLOW_SCRIPT = """() => {
  const width = window.innerWidth;
  const wide = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    // Nothing drawn, or a visually hidden 1 px box (the skip link).
    if (box.width <= 1 && box.height <= 1) continue;
    if (box.right > width + 0.5 || box.left < -0.5) {
      wide.push(`${element.tagName}.${element.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 10)};
}"""


@pytest.fixture(scope="module")
def sample():
    return read_national_sample()


def make_agencies_and_fields(sample):
    agencies = {
        item["code"]: Agency.objects.create(
            code=item["code"], name=item["name"], kind=item["kind"] or AgencyKind.DEPARTMENT
        )
        for item in sample["agencies"]
    }
    fields = {
        item["code"]: Field.objects.create(code=item["code"], name=item["name"])
        for item in sample["fields"]
    }
    return agencies, fields


def make_procedure(record, agencies, fields) -> Procedure:
    """The record's procedure row as v1 gives it (a limit without a unit is not stated)."""
    amount = record["time_limit_amount"]
    return Procedure.objects.create(
        code=record["code"],
        name=record["name"],
        field=fields[record["field"]],
        agency=agencies[record["agency"]],
        decision_authority=record["decision_authority"] or "",
        levels=record["level"],
        applicant_type=record["applicant_type"],
        online_level=record["online_level"],
        accepts_direct=record["accepts_direct"],
        accepts_postal=record["accepts_postal"],
        accepts_online=record["accepts_online"],
        time_limit_amount=Decimal(amount) if amount is not None else None,
        time_limit_unit=record["time_limit_unit"] or TimeUnit.NOT_STATED,
        time_limit_note=record["time_limit_note"] or "",
        steps_description=record["steps_description"] or "",
        conditions=record["conditions"] or "",
        fee_note=record["fee_note"] or "",
        result=record["result"] or "",
        legal_basis=record["legal_basis"] or "",
        publication_decision=record["publication_decision"] or "",
        valid_from=date.fromisoformat(record["valid_from"]),
        is_published=True,
    )


def make_full_procedure(record, agencies, fields) -> Procedure:
    """The record with its documents (grouped by the case v1 folded into their description) and
    fees (channel read from the fee name)."""
    procedure = make_procedure(record, agencies, fields)
    cases = {}
    for item in record["documents"]:
        description = item["description"] or ""
        case = None
        if description.startswith(CASE_PREFIX):
            title = description.removeprefix(CASE_PREFIX)
            if title not in cases:
                cases[title] = procedure.cases.create(position=len(cases) + 1, title=title)
            case, description = cases[title], ""
        procedure.documents.create(
            case=case,
            position=item["position"],
            name=item["name"],
            description=description,
            original_count=item["original_count"],
            copy_count=item["copy_count"],
            is_mandatory=item["is_mandatory"],
        )
    for fee in record["fees"]:
        channel = next((c for suffix, c in FEE_CHANNELS.items() if suffix in fee["name"]), "")
        procedure.fees.create(
            name=fee["name"], channel=channel, amount=fee["amount"], note=fee["note"] or ""
        )
    return procedure


def longest_document_name(record) -> int:
    return max((len(item["name"]) for item in record["documents"]), default=0)


def assert_fits(page, label):
    measured = page.evaluate(OVERFLOW_SCRIPT)
    assert measured["scrollWidth"] <= measured["width"], (label, measured)
    assert measured["wide"] == [], (label, measured)


def screenshot(page, name):
    folder = os.environ.get("CATALOGUE_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture
def catalogue(sample):
    """All 610 real procedures (rows only), plus the documents and fees of the record with the
    longest document name and of the one with the longest procedure name."""
    agencies, fields = make_agencies_and_fields(sample)
    records = sample["procedures"]
    long_document = max(records, key=longest_document_name)
    long_name = max(records, key=lambda record: len(record["name"]))
    full = {long_document["code"], long_name["code"]}
    for record in records:
        if record["code"] in full:
            make_full_procedure(record, agencies, fields)
        else:
            make_procedure(record, agencies, fields)
    return {"records": records, "long_document": long_document, "long_name": long_name}


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_catalogue_list_fits_a_phone_and_its_filters_work(live_server, phone, catalogue):
    records = catalogue["records"]
    communes = sum(1 for record in records if "commune" in record["level"].split(","))

    phone.goto(f"{live_server.url}/procedures/")

    filters = phone.locator("form.catalogue-filters")
    for name in ["q", "level", "agency", "field", "online_level", "applicant_type"]:
        expect(filters.locator(f"[name={name}]")).to_be_visible()
    expect(phone.locator("#catalogue-count")).to_have_text(f"Tìm thấy {len(records)} thủ tục.")
    # Cards, not a squeezed table.
    expect(phone.locator("table")).to_be_hidden()
    expect(phone.locator(".catalogue-cards > li")).to_have_count(20)
    expect(phone.locator(".catalogue-cards > li").first).to_be_visible()
    assert_fits(phone, "list")
    screenshot(phone, "catalogue-list-390")

    filters.locator("[name=level]").select_option("commune")
    filters.get_by_role("button", name="Tìm kiếm").click()
    phone.wait_for_url("**/procedures/?*level=commune*")

    expect(phone.locator("#catalogue-count")).to_have_text(f"Tìm thấy {communes} thủ tục.")
    expect(phone.locator("[name=level]")).to_have_value("commune")
    assert_fits(phone, "list filtered")
    # The next page keeps the filter.
    phone.locator(".pagination").get_by_role("link", name="2", exact=True).click()
    phone.wait_for_url("**page=2*")
    assert "level=commune" in phone.url
    expect(phone.locator("#catalogue-count")).to_have_text(f"Tìm thấy {communes} thủ tục.")
    assert_fits(phone, "list page 2")


@pytest.mark.parametrize("which", ["long_document", "long_name"])
def test_a_long_real_procedure_fits_a_phone(live_server, phone, catalogue, which):
    record = catalogue[which]
    longest = max(record["documents"], key=lambda item: len(item["name"]))

    phone.goto(f"{live_server.url}/procedures/{record['code']}/")

    expect(phone.locator("h1")).to_have_text(record["name"])
    expect(phone.get_by_text(longest["name"][:200])).to_be_visible()
    assert_fits(phone, record["code"])
    screenshot(phone, f"catalogue-detail-{which}-390")


def test_pages_fit_a_desktop(live_server, desktop, catalogue):
    desktop.goto(f"{live_server.url}/procedures/")
    expect(desktop.locator("table tbody tr")).to_have_count(20)
    expect(desktop.locator(".catalogue-cards")).to_be_hidden()
    assert_fits(desktop, "list")
    screenshot(desktop, "catalogue-list-desktop")

    for which in ["long_document", "long_name"]:
        desktop.goto(f"{live_server.url}/procedures/{catalogue[which]['code']}/")
        assert_fits(desktop, which)
        screenshot(desktop, f"catalogue-detail-{which}-desktop")
