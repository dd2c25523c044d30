"""The whole online journey in a real browser, one person per browser context: a citizen submits,
the one-stop desk receives and forwards, the division and the department's leader process and
sign, the desk returns the result and the citizen rates the service.

Button and message texts are looked up through Django's Vietnamese catalogue (`vi`), so the test
reads the screens as a Vietnamese user does, with or without a translation for each string yet.
"""

import io

import pytest
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import expect

from dossiers.choices import DossierAction, DossierStatus, SatisfactionLevel, Timeliness
from dossiers.models import Dossier
from portal.demo import DEMO_PASSWORD
from procedures.models import Procedure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Cho phép cán bộ, công chức, viên chức đi nước ngoài về việc riêng: full online service; after
# the desk, a head of division assigns, a specialist examines, the head checks, leaders sign.
PROCEDURE = "DEMO.2.002203"

CITIZEN = "congdan@example.vn"
DESK_OFFICER = "motcua@example.vn"
SPECIALIST = "chuyenvien@example.vn"
DIVISION_HEAD = "truongphong@example.vn"
LEADER = "lanhdao@example.vn"
SPECIALIST_NAME = "Lê Minh Châu"

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def vi(text) -> str:
    """`text` as the Vietnamese screens show it."""
    with translation.override("vi"):
        return translation.gettext(str(text))


@pytest.fixture
def demo():
    # seed_demo: the demo catalogue, the working calendar and one account per role.
    call_command("seed_demo", "--force", stdout=io.StringIO())


@pytest.fixture
def browser_session(chromium, live_server):
    """`open(login, staff=...)` gives a logged-in page in its own browser context; every console
    error (a CSP violation, a script error) of any of them ends up in `errors`."""
    contexts = []
    errors = []

    def open_session(login, *, staff):
        context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                message.type == "error" and errors.append(f"{login}: {message.text} ({page.url})")
            ),
        )
        page.on("pageerror", lambda error: errors.append(f"{login}: {error} ({page.url})"))
        page.goto(f"{live_server.url}{'/staff/login/' if staff else '/accounts/login/'}")
        form = page.locator("main form")
        form.locator("input[name=username]").fill(login)
        form.locator("input[name=password]").fill(DEMO_PASSWORD)
        form.get_by_role("button", name=vi("Log in")).click()
        expect(page.get_by_role("button", name=vi("Log out"))).to_be_visible()
        return page

    open_session.errors = errors
    yield open_session
    for context in contexts:
        context.close()


def expect_success(page, text):
    expect(page.locator(".alert-success")).to_contain_text(vi(text))


def open_row(page, code):
    """Open the dossier `code` from the queue shown on `page`."""
    row = page.locator("table tbody tr", has_text=code)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=code).click()
    expect(page.locator("h1")).to_contain_text(code)


def finish_step(page, note=""):
    if note:
        page.get_by_label(vi("Note")).fill(note)
    page.get_by_role("button", name=vi("Finish the step and hand over")).click()
    expect_success(page, "The step is done; the dossier moves on.")


def test_online_dossier_from_submission_to_rating(live_server, browser_session, demo, tmp_path):
    url = live_server.url
    procedure = Procedure.objects.get(code=PROCEDURE, is_published=True)
    mandatory = list(procedure.documents.filter(is_mandatory=True).order_by("position"))
    assert len(mandatory) == 2
    uploads = []
    for number, _document in enumerate(mandatory, start=1):
        path = tmp_path / f"giay-to-{number}.pdf"
        path.write_bytes(PDF_BYTES)
        uploads.append(path)

    # ---- the citizen submits online ------------------------------------------------------------
    citizen = browser_session(CITIZEN, staff=False)
    citizen.goto(f"{url}/procedures/{PROCEDURE}/")
    citizen.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    citizen.wait_for_url(f"**/procedures/{PROCEDURE}/submit/")
    expect(citizen.locator("main")).to_contain_text(procedure.name)
    citizen.get_by_role("button", name=vi("Start the dossier")).click()
    citizen.wait_for_url("**/my/dossiers/*/edit/")

    # Prefilled from the account; the address is the applicant's to give.
    expect(citizen.get_by_label(vi("Full name"))).to_have_value("Nguyễn Thị Hương")
    citizen.get_by_label(vi("Personal identity number")).fill("001190012345")
    citizen.get_by_label(vi("Phone number")).fill("0912 345 678")
    citizen.get_by_label(vi("Address")).fill("Số 1 đường Tân Trào, phường Minh Xuân, Tuyên Quang")
    for document, path in zip(mandatory, uploads, strict=True):
        citizen.get_by_label(document.name).set_input_files(path)
    citizen.get_by_role("button", name=vi("Save the draft")).click()
    expect_success(citizen, "The draft has been saved.")
    for path in uploads:
        expect(citizen.get_by_role("link", name=path.name)).to_be_visible()

    citizen.get_by_role("button", name=vi("Review"), exact=True).click()
    citizen.wait_for_url("**/my/dossiers/*/review/")
    review = citizen.locator("main")
    expect(review).to_contain_text("Số 1 đường Tân Trào")
    for path in uploads:
        expect(review).to_contain_text(path.name)
    citizen.get_by_role("button", name=vi("Submit the dossier")).click()
    citizen.wait_for_url("**/my/dossiers/*/")
    code = citizen.locator(".breadcrumb-item.active").inner_text().strip()
    assert code.startswith("000.00.16.H62-"), code
    expect(citizen.locator(".alert-success")).to_contain_text(code)
    expect(citizen.locator("main .badge").first).to_have_text(vi(DossierStatus.SUBMITTED.label))

    # ---- the one-stop desk receives and forwards -----------------------------------------------
    desk = browser_session(DESK_OFFICER, staff=True)
    desk.goto(f"{url}/desk/")
    open_row(desk, code)
    desk.get_by_role("button", name=vi("Receive"), exact=True).click()
    desk.wait_for_url("**/desk/dossiers/*/receipt/")
    expect(desk.locator("h1")).to_have_text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
    receipt = desk.locator("article")
    expect(receipt).to_contain_text(code)
    expect(receipt).to_contain_text("Nguyễn Thị Hương")
    for path in uploads:
        expect(receipt).to_contain_text(path.name)
    desk.get_by_role("link", name=vi("Back to the dossier")).click()
    desk.wait_for_url("**/desk/dossiers/*/")
    desk.get_by_role("button", name=vi("Forward"), exact=True).click()
    expect_success(desk, "The dossier has been forwarded to the department.")

    # ---- the division: the head's own step, then the specialist's, then the head's check -------
    head = browser_session(DIVISION_HEAD, staff=True)
    head.goto(f"{url}/department/")
    open_row(head, code)
    finish_step(head, "Giao chuyên viên Lê Minh Châu thẩm định.")
    head.get_by_label(vi("Assign to")).select_option(label=SPECIALIST_NAME)
    head.get_by_role("button", name=vi("Assign"), exact=True).click()
    expect(head.locator(".alert-success")).to_contain_text(
        vi("The dossier has been assigned to %(name)s.") % {"name": SPECIALIST_NAME}
    )

    specialist = browser_session(SPECIALIST, staff=True)
    specialist.goto(f"{url}/department/mine/")
    open_row(specialist, code)
    finish_step(specialist, "Hồ sơ hợp lệ; đã dự thảo văn bản cho phép.")

    head.goto(f"{url}/department/")
    open_row(head, code)
    finish_step(head, "Đồng ý, trình lãnh đạo Sở.")

    # ---- the leaders sign and decide -----------------------------------------------------------
    leader = browser_session(LEADER, staff=True)
    leader.goto(f"{url}/department/approvals/")
    open_row(leader, code)
    finish_step(leader)
    leader.get_by_label(vi("Outcome")).select_option("approved")
    leader.get_by_role("button", name=vi("Sign: the result is ready")).click()
    expect_success(leader, "The result is ready; the desk will return it.")

    # ---- the desk hands the result over --------------------------------------------------------
    desk.goto(f"{url}/desk/")
    desk.get_by_role("link", name=vi("Awaiting return")).click()
    open_row(desk, code)
    desk.get_by_label(vi("How the result was returned")).select_option("at_desk")
    desk.get_by_role("button", name=vi("Record the return")).click()
    expect_success(desk, "The result has been returned.")

    # ---- the citizen sees it returned and rates the service ------------------------------------
    citizen.get_by_role("link", name=vi("My dossiers")).first.click()
    citizen.wait_for_url("**/my/dossiers/")
    row = citizen.locator("table tbody tr", has_text=code)
    expect(row.locator(".badge")).to_have_text(vi(DossierStatus.RETURNED.label))
    row.get_by_role("link", name=code).click()
    citizen.get_by_label(vi(SatisfactionLevel.VERY_SATISFIED.label)).check()
    citizen.get_by_label(vi("Comment")).fill("Nhanh chóng, cán bộ nhiệt tình.")
    citizen.get_by_role("button", name=vi("Send the rating")).click()
    expect_success(citizen, "Thank you for your rating.")
    expect(citizen.locator("main")).to_contain_text(vi(SatisfactionLevel.VERY_SATISFIED.label))

    # ---- what was recorded ---------------------------------------------------------------------
    dossier = Dossier.objects.get(code=code)
    assert dossier.status == DossierStatus.RETURNED
    assert dossier.outcome == "approved"
    assert dossier.return_method == "at_desk"
    assert dossier.timeliness == Timeliness.EARLY
    assert dossier.rating.level == SatisfactionLevel.VERY_SATISFIED
    steps = list(dossier.steps.order_by("position"))
    assert [step.role for step in steps] == [
        "division_head",
        "specialist",
        "division_head",
        "leader",
        "leader",
    ]
    assert all(step.finished_at is not None for step in steps)
    assert steps[1].handler.email == SPECIALIST
    assert steps[1].note == "Hồ sơ hợp lệ; đã dự thảo văn bản cho phép."
    actions = [
        event.action
        for event in dossier.events.order_by("at", "pk")
        if event.action
        not in {DossierAction.DRAFT_UPDATED, DossierAction.FILE_ATTACHED, DossierAction.ASSIGNED}
    ]
    assert actions == [
        DossierAction.CREATED,
        DossierAction.SUBMITTED,
        DossierAction.RECEIVED,
        DossierAction.FORWARDED,
        *[DossierAction.STEP_COMPLETED] * 4,
        DossierAction.COMPLETED,
        DossierAction.RETURNED,
        DossierAction.RATED,
    ]
    assert browser_session.errors == []
