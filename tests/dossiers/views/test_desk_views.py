"""The one-stop desk screens: queues, walk-in reception, the actions on a dossier, Mẫu 01."""

import re
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dossiers.choices import DossierAction, DossierStatus
from dossiers.deadlines import VIETNAM_TZ
from dossiers.models import Dossier, DossierEvent
from dossiers.services import (
    dossier_attach_file,
    dossier_create_draft,
    dossier_request_supplement,
    dossier_resubmit,
    dossier_submit,
)
from tests.dossiers.factories import applicant_data
from tests.dossiers.staff_setup import (
    desk_post,
    message_levels,
    submitted_dossier,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_client(client, office):
    client.force_login(office.desk)
    return client


def hh_mm_dd_mm_yyyy(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def test_desk_queue_lists_a_submitted_dossier_with_queue_counts(desk_client, office):
    """A dossier the citizen sent shows in the reception tab, which counts it."""
    dossier = submitted_dossier(office)

    response = desk_client.get(reverse("dossiers:desk_queue"))

    assert response.status_code == 200
    assert dossier.code in response.content.decode()
    tabs = {tab["key"]: tab["count"] for tab in response.context["tabs"]}
    assert tabs == {"reception": 1, "supplement": 0, "return": 0}
    assert 'accesskey="r"' in response.content.decode()
    assert "autofocus" in response.content.decode()


def test_desk_queue_search_and_empty_state(desk_client, office):
    """The search box filters by phone; an unmatched search says so."""
    dossier = submitted_dossier(office, phone="0987654321")
    submitted_dossier(office, name="Trần Thị Bình", phone="0911111111")

    found = desk_client.get(reverse("dossiers:desk_queue"), {"q": "0987654321"})
    assert [row.pk for row in found.context["page"].object_list] == [dossier.pk]

    missing = desk_client.get(reverse("dossiers:desk_queue"), {"q": "khong-co-ai"})
    assert missing.status_code == 200
    assert list(missing.context["page"].object_list) == []


def test_desk_detail_shows_the_due_state_of_a_received_dossier(desk_client, office, time_machine):
    """The due-state badge, computed for the dossier on the agency's working calendar."""
    time_machine.move_to(datetime(2026, 12, 2, 9, 0, tzinfo=VIETNAM_TZ), tick=False)
    dossier = submitted_dossier(office)
    desk_post(desk_client, dossier, "receive")
    url = reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk})
    now = timezone.now()

    states = []
    for due_at in (now + timedelta(days=14), now + timedelta(hours=1), now - timedelta(hours=1)):
        Dossier.objects.filter(pk=dossier.pk).update(due_at=due_at)
        states.append(desk_client.get(url).context["dossier"].due_state)

    assert states == ["within", "due_soon", "overdue"]


def test_desk_journey_receive_then_forward(desk_client, office):
    """Receive lands on the receipt; forward sends the dossier to processing."""
    dossier = submitted_dossier(office)

    response = desk_post(desk_client, dossier, "receive")

    assert response.status_code == 302
    assert response.url == reverse("dossiers:receipt", kwargs={"pk": dossier.pk})
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.received_at is not None

    response = desk_post(desk_client, dossier, "forward")

    assert response.url == reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk})
    assert message_levels(response) == ["success"]
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING
    assert dossier.current_step is not None


def test_desk_requests_a_supplement_with_one_item_per_line(desk_client, office):
    """The items textarea becomes the list of the open request."""
    dossier = submitted_dossier(office)

    response = desk_post(
        desk_client,
        dossier,
        "supplement",
        items="Tờ khai có chữ ký\n\n  Bản sao CCCD  \n",
        reason="Thiếu chữ ký",
    )

    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.NEEDS_SUPPLEMENT
    assert dossier.supplement_items == ["Tờ khai có chữ ký", "Bản sao CCCD"]
    queue = desk_client.get(reverse("dossiers:desk_queue"), {"queue": "supplement"})
    assert [row.pk for row in queue.context["page"].object_list] == [dossier.pk]


def test_refuse_needs_a_reason_and_the_confirmation(desk_client, office):
    """Without a reason (or the box ticked) nothing changes; with both the dossier is refused."""
    dossier = submitted_dossier(office)

    response = desk_post(desk_client, dossier, "refuse", reason="   ", confirm="on")
    assert message_levels(response) == ["error"]
    response = desk_post(desk_client, dossier, "refuse", reason="Không thuộc thẩm quyền")
    assert message_levels(response) == ["error"]
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED

    response = desk_post(
        desk_client, dossier, "refuse", reason="Không thuộc thẩm quyền", confirm="on"
    )

    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.REFUSED
    assert message_levels(response) == ["success"]


def test_an_action_the_status_does_not_allow_gives_an_error_and_changes_nothing(
    desk_client, office
):
    """Forward on a submitted dossier: an error message and a redirect, never a 500."""
    dossier = submitted_dossier(office)
    events = DossierEvent.objects.filter(dossier=dossier).count()

    response = desk_post(desk_client, dossier, "forward")

    assert response.status_code == 302
    assert response.url == reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk})
    assert message_levels(response) == ["error"]
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED
    assert DossierEvent.objects.filter(dossier=dossier).count() == events


def test_a_stale_form_is_refused_with_a_message(desk_client, office):
    """Two officers open a submitted dossier; the first asks for a supplement, the citizen sends it
    and the dossier is submitted again. The second officer's old page cannot receive it."""
    dossier = submitted_dossier(office)
    page = desk_client.get(reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk}))
    old_stamp = page.context["forms"]["receive"].initial["updated_at"]
    assert old_stamp in page.content.decode()
    dossier_request_supplement(
        dossier=dossier, actor=office.desk, items=["Tờ khai"], reason="Thiếu"
    )
    dossier_resubmit(dossier=dossier, actor=office.citizen)
    dossier.refresh_from_db()
    before = (dossier.status, dossier.updated_at)
    assert dossier.status == DossierStatus.SUBMITTED

    response = desk_post(desk_client, dossier, "receive", updated_at=old_stamp)

    assert response.status_code == 302
    assert message_levels(response) == ["error"]
    dossier.refresh_from_db()
    assert (dossier.status, dossier.updated_at) == before


def test_a_stale_stamp_on_an_allowed_action_is_refused(desk_client, office):
    """The stamp alone decides: an allowed action with an old stamp changes nothing."""
    dossier = submitted_dossier(office)
    desk_post(desk_client, dossier, "receive")
    dossier.refresh_from_db()
    old_stamp = "2020-01-01T00:00:00+07:00"

    response = desk_post(desk_client, dossier, "forward", updated_at=old_stamp)

    assert message_levels(response) == ["error"]
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED


def test_walk_in_posted_twice_with_the_same_key_creates_one_dossier(desk_client, office):
    """A double-clicked walk-in form gives one dossier and lands on its receipt both times."""
    page = desk_client.get(reverse("dossiers:walk_in"))
    key = page.context["form"].initial["idempotency_key"]
    data = {
        "procedure": office.procedure.pk,
        "name": "Lê Văn Cường",
        "identity_number": "008090009999",
        "phone": "0912 345 678",
        "email": "cuong@example.vn",
        "address": "Phường Minh Xuân",
        "organisation": "",
        "idempotency_key": key,
    }

    first = desk_client.post(reverse("dossiers:walk_in"), data)
    second = desk_client.post(reverse("dossiers:walk_in"), data)

    assert Dossier.objects.filter(applicant_name="Lê Văn Cường").count() == 1
    dossier = Dossier.objects.get(applicant_name="Lê Văn Cường")
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.applicant_phone == "0912345678"
    receipt_url = reverse("dossiers:receipt", kwargs={"pk": dossier.pk})
    assert first.url == receipt_url
    assert second.url == receipt_url


def test_walk_in_form_errors_stay_on_the_page(desk_client, office):
    """A missing name and a bad identity number keep the form, nothing created."""
    response = desk_client.post(
        reverse("dossiers:walk_in"),
        {
            "procedure": office.procedure.pk,
            "name": "",
            "identity_number": "12",
            "idempotency_key": "k",
        },
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "identity_number"}
    assert not Dossier.objects.exists()


def test_receipt_shows_the_official_title_code_and_times(desk_client, office):
    """Mẫu 01: the title and motto in Vietnamese, times written HH:MM dd/mm/yyyy."""
    dossier = submitted_dossier(office)
    desk_post(desk_client, dossier, "receive")
    dossier.refresh_from_db()

    response = desk_client.get(reverse("dossiers:receipt", kwargs={"pk": dossier.pk}))

    html = response.content.decode()
    assert response.status_code == 200
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    assert "Độc lập - Tự do - Hạnh phúc" in html
    assert dossier.code in html
    assert dossier.applicant_identity_number in html
    assert "Văn bản đề nghị tổ chức hội nghị" in html
    assert office.centre.name in html
    assert hh_mm_dd_mm_yyyy(dossier.received_at) in html
    assert hh_mm_dd_mm_yyyy(dossier.appointment_at) in html
    assert re.search(r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}", html)
    assert "dossiers/staff.js" in html
    assert "<script>" not in html
    assert "style=" not in html


def test_receipt_of_a_dossier_not_yet_received_redirects_with_an_error(desk_client, office):
    """No appointment slip before reception."""
    dossier = submitted_dossier(office)

    response = desk_client.get(reverse("dossiers:receipt", kwargs={"pk": dossier.pk}))

    assert response.status_code == 302
    assert message_levels(response) == ["error"]


def test_desk_screens_role_access(client, office):
    """Anonymous → login; citizens and department staff → 403; desk officers and superusers → 200."""
    url = reverse("dossiers:desk_queue")
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:staff_login"))

    for user, expected in [
        (office.citizen, 403),
        (office.specialist, 403),
        (office.leader, 403),
        (office.desk, 200),
        (UserFactory(is_superuser=True, is_staff=True), 200),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == expected, user
        assert client.get(reverse("dossiers:walk_in")).status_code == expected, user


def test_desk_officers_do_not_see_department_screens(client, office):
    """The department queues and approvals are not the desk's work."""
    client.force_login(office.desk)

    for name in ("division_queue", "assigned", "approvals"):
        assert client.get(reverse(f"dossiers:{name}")).status_code == 403


def test_desk_officer_of_another_centre_gets_404(client, office):
    """A dossier of an agency the centre does not serve does not exist for its officers."""
    dossier = submitted_dossier(office)
    client.force_login(office.other_desk)

    assert client.get(reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk})).status_code == 404
    assert client.get(reverse("dossiers:receipt", kwargs={"pk": dossier.pk})).status_code == 404
    response = desk_post(client, dossier, "receive")
    assert response.status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED
    assert client.get(reverse("dossiers:desk_queue")).context["tabs"][0]["count"] == 0


def test_desk_detail_offers_the_forms_of_the_current_status(desk_client, office):
    """Submitted: receive, supplement, refuse; received: forward only."""
    dossier = submitted_dossier(office)
    url = reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk})

    assert set(desk_client.get(url).context["forms"]) == {"receive", "supplement", "refuse"}
    desk_post(desk_client, dossier, "receive")
    assert set(desk_client.get(url).context["forms"]) == {"forward"}
    assert DossierEvent.objects.filter(dossier=dossier, action=DossierAction.RECEIVED).count() == 1


def test_an_unknown_action_is_an_error_not_a_500(desk_client, office):
    """A tampered form gets a message."""
    dossier = submitted_dossier(office)

    response = desk_client.post(
        reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk}), {"action": "delete"}
    )

    assert response.status_code == 302
    assert message_levels(response) == ["error"]


def test_desk_detail_links_the_files_and_shows_the_history(desk_client, office):
    """The uploaded file links to the permission-checked download; the timeline is there."""
    draft = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )
    upload = SimpleUploadedFile("to-khai.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    file = dossier_attach_file(dossier=draft, upload=upload, actor=office.citizen)
    dossier = dossier_submit(dossier=draft, actor=office.citizen)

    response = desk_client.get(reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk}))

    html = response.content.decode()
    assert reverse("dossiers:file_download", kwargs={"pk": dossier.pk, "file_id": file.pk}) in html
    assert "to-khai.pdf" in html
    assert len(response.context["events"]) >= 2


def test_a_superuser_sees_a_processing_dossier_with_its_steps(client, office):
    """The detail page of a forwarded dossier lists the department steps."""
    dossier = submitted_dossier(office)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    desk_post(client, dossier, "receive")
    desk_post(client, dossier, "forward")

    response = client.get(reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk}))

    assert response.status_code == 200
    assert [step.role for step in response.context["steps"]] == [
        "specialist",
        "division_head",
        "leader",
    ]
    assert response.context["forms"] == {}


def test_a_desk_officer_cannot_open_or_receive_their_own_application_elsewhere(client, office):
    """Staff screens show the staff member's agencies only, not their applications as a
    citizen to another centre's agencies."""
    dossier = submitted_dossier(office)
    dossier.applicant_user = office.other_desk
    dossier.save(update_fields=["applicant_user"])
    client.force_login(office.other_desk)

    page = client.get(reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk}))
    response = desk_post(client, dossier, "receive")

    assert page.status_code == 404
    assert response.status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED
