"""A leader asks for the dossier register in a real browser and watches it being prepared: the
job page polls (htmx, under the strict CSP) and shows the progress and then the download, without
a reload. The build itself runs in the test thread, as a Celery worker would run it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from dossiers.choices import DocumentJobStatus
from dossiers.generator import generate_dossiers
from dossiers.models import DocumentJob
from dossiers.services.document_jobs import document_job_run
from portal.roles import Role
from procedures.exchange import catalogue_import_json
from procedures.models import Agency
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def leader():
    path = settings.BASE_DIR / "procedures" / "fixtures" / "demo_catalogue.json"
    catalogue_import_json(path.read_bytes())
    generate_dossiers(count=60, seed=5, start=date(2026, 10, 1), end=date(2026, 10, 31), now=NOW)
    department = Agency.objects.get(code="000.00.16.H62")
    return UserFactory(role=Role.LEADER, agency=department, first_name="Giám đốc Sở")


def _logged_in_page(chromium, live_server, user):
    client = Client()
    client.force_login(user)
    context = chromium.new_context(
        locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def test_the_register_page_shows_progress_then_the_download(chromium, live_server, leader):
    context, page, errors = _logged_in_page(chromium, live_server, leader)
    try:
        page.goto(f"{live_server.url}/documents/")
        page.select_option("#register-field", label="Hội nghị, hội thảo quốc tế")
        page.fill("#register-from", "01/10/2026")
        page.fill("#register-to", "31/10/2026")
        page.click("#register-form button[type=submit]")

        status = page.locator("#job-status")
        assert status.get_attribute("data-status") == DocumentJobStatus.QUEUED
        assert "Đang chờ" in status.inner_text()
        job = DocumentJob.objects.get(requested_by=leader)

        document_job_run(job_id=job.pk)  # what the worker does

        # The page notices by itself (no reload) and offers the file.
        page.wait_for_selector("#job-status[data-status=done] #job-download")
        assert page.locator("[data-percent]").get_attribute("data-percent") == "100"
        with page.expect_download() as download_info:
            page.click("#job-download")
        path = download_info.value.path()
        with open(path, "rb") as handle:
            assert handle.read(5) == b"%PDF-"
        job.refresh_from_db()
        assert job.status == DocumentJobStatus.DONE and job.progress_total > 0
        assert errors == []
    finally:
        context.close()
