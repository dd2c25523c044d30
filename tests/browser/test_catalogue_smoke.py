"""A citizen finds a procedure from the home page in a real browser."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from procedures.exchange import catalogue_import_json

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_catalogue():
    path = Path(settings.BASE_DIR) / "procedures" / "fixtures" / "demo_catalogue.json"
    catalogue_import_json(path.read_bytes())


def test_home_search_without_diacritics_then_open_a_procedure(live_server, page, demo_catalogue):
    console_errors = []
    page.on(
        "console", lambda message: message.type == "error" and console_errors.append(message.text)
    )

    page.goto(live_server.url)
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Trung tâm Phục vụ hành chính công" in page.locator("header").inner_text()

    page.get_by_role("searchbox").first.fill("hoi nghi quoc te")
    page.get_by_role("button", name="Tìm kiếm").first.click()
    page.wait_for_url("**/procedures/?q=*")
    results = page.locator("table tbody tr")
    assert results.count() == 4
    assert "hội nghị, hội thảo quốc tế" in results.first.inner_text()

    results.first.get_by_role("link").first.click()
    page.wait_for_url("**/procedures/*/")
    assert "hội nghị, hội thảo quốc tế" in page.locator("h1").inner_text()
    expect(page.get_by_role("link", name="Nộp hồ sơ trực tuyến")).to_be_visible()
    assert "Căn cứ pháp lý" in page.content()
    # Bootstrap and the portal script load under the Content-Security-Policy without errors.
    assert console_errors == []


def test_catalogue_is_usable_on_a_phone(live_server, chromium, demo_catalogue):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server.url}/procedures/?q=ABTC")

    assert page.locator("table tbody tr").count() == 1
    menu_button = page.locator(".navbar-toggler")
    assert menu_button.is_visible()
    menu_button.click()
    expect(
        page.locator("#main-menu").get_by_role("link", name="Thủ tục hành chính")
    ).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
