"""Mẫu 05, the process control sheet: one row per hand-over, printable, staff only."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.choices import DossierAction
from dossiers.models import DossierEvent
from tests.dossiers.staff_setup import returned_dossier, submitted_dossier

pytestmark = pytest.mark.django_db


def minute(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def test_control_sheet_rows_match_the_events(client, office):
    """Reception, the three department steps and the return, with who and when to the minute."""
    dossier = returned_dossier(office)
    client.force_login(office.desk)

    response = client.get(reverse("dossiers:control_sheet", kwargs={"pk": dossier.pk}))

    assert response.status_code == 200
    rows = response.context["rows"]
    steps = list(dossier.steps.order_by("position"))
    assert [row.step for row in rows[1:-1]] == [step.name for step in steps]
    assert len(rows) == len(steps) + 2
    received = DossierEvent.objects.get(dossier=dossier, action=DossierAction.RECEIVED)
    returned = DossierEvent.objects.get(dossier=dossier, action=DossierAction.RETURNED)
    assert rows[0].receiver == received.actor == office.desk
    assert rows[-1].receiver == returned.actor == office.desk
    assert [row.receiver for row in rows[1:-1]] == [
        office.specialist,
        office.division_head,
        office.leader,
    ]
    completions = DossierEvent.objects.filter(
        dossier=dossier, action__in=[DossierAction.STEP_COMPLETED, DossierAction.COMPLETED]
    ).order_by("at", "pk")
    assert [row.finished_at for row in rows[1:-1]] == [event.at for event in completions]
    html = response.content.decode()
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    assert dossier.code in html
    assert minute(dossier.received_at) in html
    for step in steps:
        assert minute(step.started_at) in html
    assert html.count("Trước hạn") + html.count("Đúng hạn") + html.count("Quá hạn") >= 4
    assert "Đủ điều kiện" in html
    assert "dossiers/staff.css" in html
    assert "style=" not in html


def test_control_sheet_of_a_dossier_not_yet_received_is_empty(client, office):
    """No hand-over before reception: the sheet says so."""
    dossier = submitted_dossier(office)
    client.force_login(office.desk)

    response = client.get(reverse("dossiers:control_sheet", kwargs={"pk": dossier.pk}))

    assert response.status_code == 200
    assert response.context["rows"] == []


def test_control_sheet_is_for_the_staff_of_the_dossier(client, office):
    """Desk and department staff see it; citizens get 403, another centre's officer 404."""
    dossier = returned_dossier(office)
    url = reverse("dossiers:control_sheet", kwargs={"pk": dossier.pk})

    assert client.get(url).status_code == 302
    for user, expected in [
        (office.desk, 200),
        (office.specialist, 200),
        (office.leader, 200),
        (office.citizen, 403),
        (office.other_desk, 404),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == expected, user
