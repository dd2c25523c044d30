"""The notification outbox: queued in the transaction of the change, delivered with retries,
read in the portal (the bell), rendered in the recipient's language."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from dossiers.choices import DossierOutcome, ReturnMethod
from dossiers.models import Dossier, Notification, NotificationChannel, NotificationStatus
from dossiers.notifications.backends import LocmemSmsBackend, render_notification
from dossiers.services import (
    dossier_assign,
    dossier_attach_file,
    dossier_complete,
    dossier_complete_step,
    dossier_create_draft,
    dossier_extend,
    dossier_forward,
    dossier_receive,
    dossier_register_walk_in,
    dossier_request_supplement,
    dossier_return,
    dossier_submit,
)
from dossiers.services import handling as handling_services
from dossiers.services.notifications import (
    notification_deliver_batch,
    notification_queue,
    retry_delay,
)
from tests.dossiers.factories import PDF_BYTES, applicant_data, upload
from tests.dossiers.moments import at

pytestmark = pytest.mark.django_db

C = NotificationChannel
S = NotificationStatus


class FailingSms(LocmemSmsBackend):
    def send_sms(self, *, phone, text, key):
        raise ConnectionError("gateway down")


@pytest.fixture(autouse=True)
def _locmem_sms(settings):
    settings.SMS_BACKEND = "dossiers.notifications.backends.LocmemSmsBackend"
    settings.NOTIFICATION_EMAIL_BACKEND = ""
    LocmemSmsBackend.outbox = []
    yield
    LocmemSmsBackend.outbox = []


def walk_in(office, time_machine):
    time_machine.move_to(at(2026, 11, 30, 8, 0), tick=False)
    return dossier_register_walk_in(
        procedure=office.procedure, applicant=applicant_data(), actor=office.desk
    )


def queued(dossier, template) -> set[tuple[str, str]]:
    return {
        (row.channel, row.recipient_label)
        for row in Notification.objects.filter(dossier=dossier, template=template)
    }


# ---- queueing ---------------------------------------------------------------------------------


def test_each_transition_queues_its_message_for_the_right_people(lifecycle_office, time_machine):
    applicant = {(C.EMAIL, "an.nguyen@example.vn"), (C.SMS, "0912345678")}
    dossier = walk_in(lifecycle_office, time_machine)
    assert queued(dossier, "received") == applicant

    time_machine.move_to(at(2026, 11, 30, 9, 0), tick=False)
    dossier = dossier_forward(dossier=dossier, actor=lifecycle_office.desk)
    head = lifecycle_office.division_head
    assert queued(dossier, "forwarded") == {(C.IN_APP, str(head.pk)), (C.EMAIL, head.email)}

    dossier = dossier_assign(dossier=dossier, actor=head, assignee=lifecycle_office.specialist)
    specialist = lifecycle_office.specialist
    assert queued(dossier, "assigned") == {
        (C.IN_APP, str(specialist.pk)),
        (C.EMAIL, specialist.email),
    }

    dossier = dossier_extend(
        dossier=dossier,
        actor=lifecycle_office.leader,
        new_appointment_at=at(2026, 12, 10, 17, 0),
        reason="Cần xác minh thêm",
    )
    assert queued(dossier, "extended") == applicant
    apology = Notification.objects.get(dossier=dossier, template="extended", channel=C.EMAIL)
    assert apology.payload["reason"] == "Cần xác minh thêm"

    time_machine.move_to(at(2026, 12, 1, 10, 0), tick=False)
    dossier = dossier_complete_step(dossier=dossier, actor=specialist)
    dossier = dossier_complete_step(dossier=dossier, actor=head)
    dossier = dossier_complete(
        dossier=dossier, actor=lifecycle_office.leader, outcome=DossierOutcome.APPROVED
    )
    assert queued(dossier, "completed") == applicant
    dossier = dossier_return(
        dossier=dossier, actor=lifecycle_office.desk, method=ReturnMethod.AT_DESK
    )
    assert queued(dossier, "returned") == applicant
    # One message per event: steps completed tell nobody.
    assert sorted(set(Notification.objects.values_list("template", flat=True))) == [
        "assigned",
        "completed",
        "extended",
        "forwarded",
        "received",
        "returned",
    ]


def test_an_online_applicant_also_gets_the_message_in_the_portal(lifecycle_office, time_machine):
    time_machine.move_to(at(2026, 11, 30, 8, 0), tick=False)
    citizen = lifecycle_office.citizen
    dossier = dossier_create_draft(
        procedure=lifecycle_office.procedure, applicant=applicant_data(phone=""), user=citizen
    )
    dossier_attach_file(
        dossier=dossier,
        required_document=lifecycle_office.application_form,
        upload=upload("to-khai.pdf", PDF_BYTES),
        actor=citizen,
    )
    dossier = dossier_submit(dossier=dossier, actor=citizen)
    assert not Notification.objects.exists()
    dossier = dossier_request_supplement(
        dossier=dossier,
        actor=lifecycle_office.desk,
        items=["Bản sao hộ chiếu"],
        reason="Thiếu hộ chiếu",
    )
    assert queued(dossier, "supplement_requested") == {
        (C.IN_APP, str(citizen.pk)),
        (C.EMAIL, "an.nguyen@example.vn"),
    }
    row = Notification.objects.get(template="supplement_requested", channel=C.IN_APP)
    assert row.payload["items"] == ["Bản sao hộ chiếu"]
    assert row.event.action == "supplement_requested"


def test_a_service_that_rolls_back_leaves_no_notification(
    lifecycle_office, time_machine, monkeypatch
):
    dossier = walk_in(lifecycle_office, time_machine)
    Notification.objects.all().delete()

    def queue_then_fail(**kwargs):
        assert notification_queue(**kwargs) > 0
        assert Notification.objects.filter(template="forwarded").exists()
        raise RuntimeError("crash after the outbox row was written")

    monkeypatch.setattr(handling_services, "notification_queue", queue_then_fail)
    with pytest.raises(RuntimeError):
        dossier_forward(dossier=dossier, actor=lifecycle_office.desk)
    assert not Notification.objects.exists()
    assert Dossier.objects.get(pk=dossier.pk).status == "received"


def test_queueing_the_same_message_twice_inserts_it_once(lifecycle_office, time_machine):
    dossier = walk_in(lifecycle_office, time_machine)
    kwargs = {
        "dossier": dossier,
        "template": "overdue",
        "recipients": [lifecycle_office.leader, lifecycle_office.leader],
        "key": "due-2026-12-03",
    }
    assert notification_queue(**kwargs) == 2  # in the portal and by e-mail
    assert notification_queue(**kwargs) == 0
    assert Notification.objects.filter(template="overdue").count() == 2


# ---- delivery ---------------------------------------------------------------------------------


def test_delivery_sends_each_channel_once(lifecycle_office, time_machine):
    dossier = walk_in(lifecycle_office, time_machine)
    dossier_forward(dossier=dossier, actor=lifecycle_office.desk)
    result = notification_deliver_batch()
    assert (result.claimed, result.sent, result.failed) == (4, 4, 0)
    assert set(Notification.objects.values_list("status", flat=True)) == {S.SENT}
    assert all(row.sent_at is not None for row in Notification.objects.all())
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        ["an.nguyen@example.vn", lifecycle_office.division_head.email]
    )
    email = next(m for m in mail.outbox if m.to == ["an.nguyen@example.vn"])
    assert email.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert "Ngày hẹn trả kết quả" in email.body
    assert [
        (phone, key.endswith(":sms:0912345678")) for phone, _t, key in LocmemSmsBackend.outbox
    ] == [("0912345678", True)]
    # Nothing is due any more: a second run (a redelivered task) sends nothing.
    assert notification_deliver_batch().claimed == 0
    assert len(mail.outbox) == 2


def test_a_failing_backend_is_retried_with_back_off_then_marked_failed(
    lifecycle_office, time_machine, settings, admin_client
):
    settings.SMS_BACKEND = "tests.dossiers.services.test_notifications.FailingSms"
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    walk_in(lifecycle_office, time_machine)
    sms = Notification.objects.get(channel=C.SMS)
    start = timezone.now()

    result = notification_deliver_batch()
    assert (result.sent, result.retried) == (1, 1)
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (S.PENDING, 1)
    assert sms.available_at == start + timedelta(minutes=2)
    assert "gateway down" in sms.last_error
    # Not due yet: nothing is claimed.
    assert notification_deliver_batch().claimed == 0

    time_machine.move_to(sms.available_at, tick=False)
    notification_deliver_batch()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (S.PENDING, 2)
    assert (
        sms.available_at == timezone.now() + retry_delay(2) == timezone.now() + timedelta(minutes=4)
    )

    time_machine.move_to(sms.available_at, tick=False)
    assert notification_deliver_batch().failed == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (S.FAILED, 3)

    # The administrator's retry action puts it back in the queue, due now.
    settings.SMS_BACKEND = "dossiers.notifications.backends.LocmemSmsBackend"
    response = admin_client.post(
        reverse("admin:dossiers_notification_changelist"),
        {"action": "retry", "_selected_action": [sms.pk]},
    )
    assert response.status_code == 302
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == (S.PENDING, 0, "")
    assert notification_deliver_batch().sent == 1
    sms.refresh_from_db()
    assert sms.status == S.SENT
    assert len(LocmemSmsBackend.outbox) == 1


def test_a_row_left_sending_by_a_dead_worker_is_claimed_again(
    lifecycle_office, time_machine, settings
):
    settings.NOTIFICATION_CLAIM_TIMEOUT_MINUTES = 10
    walk_in(lifecycle_office, time_machine)
    Notification.objects.update(status=S.SENDING, claimed_at=timezone.now())
    assert notification_deliver_batch().claimed == 0  # another worker may still be on it
    time_machine.move_to(timezone.now() + timedelta(minutes=11), tick=False)
    assert notification_deliver_batch().sent == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {S.SENT}


def test_the_file_sms_backend_writes_a_key_once(tmp_path, settings):
    from dossiers.notifications.backends import FileSmsBackend

    backend = FileSmsBackend(tmp_path / "sms.log")
    backend.send_sms(phone="0912345678", text="Hồ sơ\nđã có kết quả", key="1:2:completed:sms:x")
    backend.send_sms(phone="0912345678", text="again", key="1:2:completed:sms:x")
    lines = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
    assert lines == ["1:2:completed:sms:x\t0912345678\tHồ sơ đã có kết quả"]


# ---- rendering --------------------------------------------------------------------------------


def test_messages_are_rendered_in_the_recipients_language(lifecycle_office, time_machine):
    dossier = walk_in(lifecycle_office, time_machine)
    dossier = dossier_forward(dossier=dossier, actor=lifecycle_office.desk)
    dossier = dossier_extend(
        dossier=dossier,
        actor=lifecycle_office.leader,
        new_appointment_at=at(2026, 12, 10, 17, 0),
        reason="Cần xác minh thêm",
    )
    row = Notification.objects.get(template="extended", channel=C.EMAIL)
    assert row.language == "vi"
    message = render_notification(row)
    assert message.subject.startswith("Thư xin lỗi: hồ sơ ")
    assert "thành thật xin lỗi" in message.body
    assert "Ngày hẹn trả kết quả mới: 17:00 10/12/2026." in message.body
    row.language = "en"
    english = render_notification(row)
    assert english.subject == f"Apology: new appointment for dossier {dossier.code}"
    assert "New appointment: 17:00 10/12/2026." in english.body


# ---- the bell ---------------------------------------------------------------------------------


def test_the_bell_counts_unread_messages_and_the_page_marks_them_read(
    lifecycle_office, time_machine, client
):
    dossier = walk_in(lifecycle_office, time_machine)
    dossier = dossier_forward(dossier=dossier, actor=lifecycle_office.desk)
    dossier_assign(
        dossier=dossier, actor=lifecycle_office.division_head, assignee=lifecycle_office.specialist
    )
    head = lifecycle_office.division_head
    # A second message for the head, and one for someone else.
    notification_queue(
        dossier=dossier, template="due_soon", recipients=[head, lifecycle_office.leader]
    )

    client.force_login(head)
    response = client.get(reverse("portal:home"))
    assert response.context["unread_notifications"] == 2
    assert reverse("dossiers:notification_list") in response.content.decode()

    page = client.get(reverse("dossiers:notification_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Hồ sơ {dossier.code} đã được chuyển xử lý" in text
    assert f"Hồ sơ {dossier.code} sắp đến hạn" in text
    assert "được giao cho bạn" not in text  # the specialist's message

    # Someone else's id changes nothing.
    leader_row = Notification.objects.get(recipient_user=lifecycle_office.leader, channel=C.IN_APP)
    client.post(reverse("dossiers:notification_read"), {"id": leader_row.pk})
    leader_row.refresh_from_db()
    assert leader_row.read_at is None
    assert client.get(reverse("portal:home")).context["unread_notifications"] == 2

    one = Notification.objects.filter(recipient_user=head, channel=C.IN_APP).first()
    client.post(reverse("dossiers:notification_read"), {"id": one.pk})
    assert client.get(reverse("portal:home")).context["unread_notifications"] == 1
    client.post(reverse("dossiers:notification_read"))
    assert client.get(reverse("portal:home")).context["unread_notifications"] == 0
    assert (
        Notification.objects.filter(
            recipient_user=lifecycle_office.leader, channel=C.IN_APP, read_at=None
        ).count()
        == 1
    )


def test_anonymous_visitors_have_no_bell(client, db):
    response = client.get(reverse("portal:home"))
    assert "unread_notifications" not in response.context
    assert client.get(reverse("dossiers:notification_list")).status_code == 302


def test_receiving_an_online_dossier_tells_the_applicant(lifecycle_office, time_machine):
    time_machine.move_to(at(2026, 11, 30, 8, 0), tick=False)
    citizen = lifecycle_office.citizen
    dossier = dossier_create_draft(
        procedure=lifecycle_office.procedure, applicant=applicant_data(), user=citizen
    )
    dossier_attach_file(
        dossier=dossier,
        required_document=lifecycle_office.application_form,
        upload=upload("to-khai.pdf", PDF_BYTES),
        actor=citizen,
    )
    dossier = dossier_submit(dossier=dossier, actor=citizen)
    dossier = dossier_receive(dossier=dossier, actor=lifecycle_office.desk)
    assert queued(dossier, "received") == {
        (C.IN_APP, str(citizen.pk)),
        (C.EMAIL, "an.nguyen@example.vn"),
        (C.SMS, "0912345678"),
    }


@pytest.mark.parametrize("bad_id", ["abc", "²", "99999999999999999999999", "-1", ""])
def test_a_malformed_id_marks_nothing_and_says_so(lifecycle_office, time_machine, client, bad_id):
    dossier = walk_in(lifecycle_office, time_machine)
    notification_queue(
        dossier=dossier, template="due_soon", recipients=[lifecycle_office.division_head]
    )
    client.force_login(lifecycle_office.division_head)

    response = client.post(reverse("dossiers:notification_read"), {"id": bad_id}, follow=True)

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert client.get(reverse("portal:home")).context["unread_notifications"] == 1


def test_the_notification_page_has_no_inline_style(lifecycle_office, time_machine, client):
    dossier = walk_in(lifecycle_office, time_machine)
    notification_queue(
        dossier=dossier, template="due_soon", recipients=[lifecycle_office.division_head]
    )
    client.force_login(lifecycle_office.division_head)

    html = client.get(reverse("dossiers:notification_list")).content.decode()

    assert "style=" not in html
    assert 'class="mt-1 pre-line"' in html
