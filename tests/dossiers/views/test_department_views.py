"""Department screens: the division queue, my dossiers, approvals, and the actions on a dossier."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.choices import DossierOutcome, DossierStatus, ReturnMethod
from dossiers.deadlines import VIETNAM_TZ
from dossiers.models import Dossier, DossierStep
from portal.roles import Role
from procedures.models import Agency
from tests.dossiers.staff_setup import (
    department_post,
    desk_post,
    forwarded_dossier,
    message_levels,
    stamp,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def listed(client, name, user) -> list[int]:
    client.force_login(user)
    response = client.get(reverse(f"dossiers:{name}"))
    assert response.status_code == 200
    return [dossier.pk for dossier in response.context["page"].object_list]


def test_department_journey_from_assignment_to_the_return_at_the_desk(client, office):
    """Assign → the specialist's step → the head's step → the leader signs → the desk returns it."""
    dossier = forwarded_dossier(office)
    assert listed(client, "division_queue", office.division_head) == [dossier.pk]
    assert listed(client, "assigned", office.specialist) == []

    client.force_login(office.division_head)
    page = client.get(reverse("dossiers:department_detail", kwargs={"pk": dossier.pk}))
    assert office.specialist in page.context["forms"]["assign"].fields["assignee"].queryset
    assert office.desk not in page.context["forms"]["assign"].fields["assignee"].queryset
    response = department_post(client, dossier, "assign", assignee=office.specialist.pk)
    assert message_levels(response) == ["success"]
    assert listed(client, "assigned", office.specialist) == [dossier.pk]

    client.force_login(office.specialist)
    response = department_post(client, dossier, "complete_step", note="Hồ sơ đủ điều kiện")
    assert message_levels(response) == ["success"]
    dossier.refresh_from_db()
    assert dossier.current_step.role == Role.DIVISION_HEAD

    client.force_login(office.division_head)
    department_post(client, dossier, "complete_step", note="")
    dossier.refresh_from_db()
    assert dossier.current_step.role == Role.LEADER
    assert listed(client, "division_queue", office.division_head) == []
    assert listed(client, "approvals", office.leader) == [dossier.pk]

    client.force_login(office.leader)
    response = department_post(client, dossier, "complete", outcome=DossierOutcome.APPROVED)
    assert message_levels(response) == ["success"]
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RESULT_READY
    assert dossier.outcome == DossierOutcome.APPROVED
    assert dossier.timeliness

    client.force_login(office.desk)
    queue = client.get(reverse("dossiers:desk_queue"), {"queue": "return"})
    assert [row.pk for row in queue.context["page"].object_list] == [dossier.pk]
    response = desk_post(client, dossier, "return", method=ReturnMethod.POSTAL)
    assert message_levels(response) == ["success"]
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RETURNED
    assert dossier.return_method == ReturnMethod.POSTAL


def test_queues_show_the_due_state_of_the_dossier_and_of_its_step(client, office, time_machine):
    """Each row carries both badges, each from its own due time."""
    time_machine.move_to(datetime(2026, 12, 2, 9, 0, tzinfo=VIETNAM_TZ), tick=False)
    dossier = forwarded_dossier(office)
    now = timezone.now()
    Dossier.objects.filter(pk=dossier.pk).update(due_at=now - timedelta(hours=1))
    DossierStep.objects.filter(pk=dossier.current_step_id).update(due_at=now + timedelta(hours=1))
    client.force_login(office.division_head)

    response = client.get(reverse("dossiers:division_queue"))

    row = response.context["page"].object_list[0]
    assert row.pk == dossier.pk
    assert (row.due_state, row.step_due_state) == ("overdue", "due_soon")
    html = response.content.decode()
    assert 'class="badge text-bg-danger"' in html
    assert 'class="badge text-bg-warning"' in html

    # Ten working days ahead, both are within their time.
    Dossier.objects.filter(pk=dossier.pk).update(due_at=now + timedelta(days=14))
    DossierStep.objects.filter(pk=dossier.current_step_id).update(due_at=now + timedelta(days=14))
    row = client.get(reverse("dossiers:division_queue")).context["page"].object_list[0]
    assert (row.due_state, row.step_due_state) == ("within", "within")


def test_only_a_leader_completes_the_dossier(client, office):
    """A specialist posting the leader's form gets an error; nothing changes."""
    dossier = forwarded_dossier(office)
    client.force_login(office.specialist)
    page = client.get(reverse("dossiers:department_detail", kwargs={"pk": dossier.pk}))
    assert "complete" not in page.context["forms"]
    assert "extend" not in page.context["forms"]

    response = department_post(client, dossier, "complete", outcome=DossierOutcome.APPROVED)

    assert response.status_code == 302
    assert message_levels(response) == ["error"]
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING


def test_the_leader_extends_once_and_others_cannot(client, office):
    """The leader sets a new appointment once; the legal deadline stays; a specialist cannot."""
    dossier = forwarded_dossier(office)
    new_at = timezone.localtime(dossier.appointment_at + timedelta(days=3)).replace(
        second=0, microsecond=0
    )
    typed = new_at.strftime("%d/%m/%Y %H:%M")

    client.force_login(office.specialist)
    response = department_post(
        client, dossier, "extend", new_appointment_at=typed, reason="Chờ ý kiến Bộ"
    )
    assert message_levels(response) == ["error"]
    dossier.refresh_from_db()
    assert dossier.extended_at is None

    client.force_login(office.leader)
    due_at = dossier.due_at
    response = department_post(
        client, dossier, "extend", new_appointment_at=typed, reason="Chờ ý kiến Bộ"
    )
    assert message_levels(response) == ["success"]
    dossier.refresh_from_db()
    assert dossier.appointment_at == new_at
    assert dossier.due_at == due_at
    assert dossier.extended_at is not None

    page = client.get(reverse("dossiers:department_detail", kwargs={"pk": dossier.pk}))
    assert "extend" not in page.context["forms"]
    response = department_post(
        client,
        dossier,
        "extend",
        new_appointment_at=(new_at + timedelta(days=1)).strftime("%d/%m/%Y %H:%M"),
        reason="Lần hai",
    )
    assert message_levels(response) == ["error"]
    dossier.refresh_from_db()
    assert dossier.appointment_at == new_at


def test_extension_with_a_badly_typed_date_is_an_error(client, office):
    """The date must be dd/mm/yyyy HH:MM."""
    dossier = forwarded_dossier(office)
    client.force_login(office.leader)

    response = department_post(
        client, dossier, "extend", new_appointment_at="31/12 giờ chiều", reason="Lý do"
    )

    assert message_levels(response) == ["error"]
    dossier.refresh_from_db()
    assert dossier.extended_at is None


def test_a_stale_department_form_changes_nothing(client, office):
    """The head assigns from a page loaded before a leader finished the step: refused."""
    dossier = forwarded_dossier(office)
    old_stamp = stamp(dossier)
    client.force_login(office.leader)
    department_post(client, dossier, "complete_step", note="Xong")
    dossier.refresh_from_db()
    step = dossier.current_step

    client.force_login(office.division_head)
    response = department_post(
        client, dossier, "assign", assignee=office.specialist.pk, updated_at=old_stamp
    )

    assert message_levels(response) == ["error"]
    step.refresh_from_db()
    assert step.handler_id is None


def test_department_screens_role_access(client, office):
    """Anonymous → login; citizens and desk officers → 403; department roles → 200, except the
    approvals queue, which a specialist does not open."""
    urls = [reverse(f"dossiers:{name}") for name in ("division_queue", "assigned", "approvals")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("portal:staff_login"))

    catalogue_admin = UserFactory(role=Role.CATALOGUE_ADMIN, agency=office.department)
    for user, expected in [
        (office.citizen, 403),
        (office.desk, 403),
        (catalogue_admin, 403),
        (office.specialist, 200),
        (office.division_head, 200),
        (office.leader, 200),
    ]:
        client.force_login(user)
        for url in urls:
            # The approvals queue is the heads' and leaders' (a specialist approves nothing).
            wanted = 403 if user == office.specialist and url.endswith("/approvals/") else expected
            assert client.get(url).status_code == wanted, (user, url)


def test_department_detail_of_another_agency_is_404(client, office):
    """A leader of another department neither sees nor acts on the dossier."""
    dossier = forwarded_dossier(office)
    stranger = UserFactory(role=Role.LEADER, agency=Agency.objects.get(code="000.00.16.H99"))
    client.force_login(stranger)

    url = reverse("dossiers:department_detail", kwargs={"pk": dossier.pk})
    assert client.get(url).status_code == 404
    assert department_post(client, dossier, "complete", outcome="approved").status_code == 404
    assert listed(client, "approvals", stranger) == []
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING


def test_staff_home_links_by_role(client, office):
    """The workspace shows the desk to desk officers and the department screens to the others."""
    client.force_login(office.desk)
    desk_home = client.get(reverse("portal:staff_home")).content.decode()
    client.force_login(office.leader)
    leader_home = client.get(reverse("portal:staff_home")).content.decode()

    assert reverse("dossiers:desk_queue") in desk_home
    assert reverse("dossiers:division_queue") not in desk_home
    assert reverse("dossiers:approvals") in leader_home
    assert reverse("dossiers:desk_queue") not in leader_home


def test_a_specialist_posting_the_assign_form_is_refused(client, office):
    """The form is not shown to specialists; posting it anyway changes nothing."""
    dossier = forwarded_dossier(office)
    client.force_login(office.specialist)

    response = department_post(client, dossier, "assign", assignee=office.specialist.pk)

    assert message_levels(response) == ["error"]
    dossier.refresh_from_db()
    assert dossier.assignee_id is None


def test_a_step_handled_by_one_specialist_cannot_be_finished_by_another(client, office):
    dossier = forwarded_dossier(office)
    client.force_login(office.division_head)
    department_post(client, dossier, "assign", assignee=office.specialist.pk)
    dossier.refresh_from_db()
    step = dossier.current_step
    colleague = UserFactory(role=Role.SPECIALIST, agency=office.division)
    client.force_login(colleague)

    page = client.get(reverse("dossiers:department_detail", kwargs={"pk": dossier.pk}))
    response = department_post(client, dossier, "complete_step", note="Xong")

    assert 'value="complete_step"' not in page.content.decode()
    assert message_levels(response) == ["error"]
    step.refresh_from_db()
    assert step.finished_at is None
