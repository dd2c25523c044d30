"""Dossier reads: who sees which dossier, the work queues, tracking and the control sheet."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from dossiers.choices import DossierAction, DossierOutcome, Timeliness
from dossiers.selectors import (
    dossier_approval_queue,
    dossier_assigned_to,
    dossier_control_sheet,
    dossier_desk_queue,
    dossier_division_queue,
    dossier_get_for_user,
    dossier_list_for_user,
    dossier_timeline,
    dossier_track,
    staff_agency_ids,
)
from dossiers.services import (
    dossier_assign,
    dossier_attach_file,
    dossier_complete,
    dossier_complete_step,
    dossier_create_draft,
    dossier_forward,
    dossier_receive,
    dossier_register_walk_in,
    dossier_request_supplement,
    dossier_return,
    dossier_submit,
)
from tests.dossiers.factories import PDF_BYTES, applicant_data, upload
from tests.dossiers.moments import at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def submitted(office, **applicant):
    draft = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(**applicant), user=office.citizen
    )
    dossier_attach_file(
        dossier=draft,
        required_document=office.application_form,
        upload=upload("to-khai.pdf", PDF_BYTES),
        actor=office.citizen,
    )
    return dossier_submit(dossier=draft, actor=office.citizen)


def viewer(office, name):
    if name == "anonymous":
        return AnonymousUser()
    if name == "superuser":
        return UserFactory(is_superuser=True)
    return getattr(office, name)


VISIBILITY = [
    ("anonymous", False),
    ("citizen", True),  # the owner
    ("other_citizen", False),
    ("desk", True),  # desk officer of the centre serving the department
    ("other_desk", False),  # desk officer of another centre
    ("specialist", True),  # specialist of the department's division
    ("other_specialist", False),  # specialist of another department
    ("division_head", True),
    ("leader", True),
    ("superuser", True),
]


@pytest.mark.parametrize(("who", "visible"), VISIBILITY)
def test_who_sees_a_submitted_dossier(lifecycle_office_with_day_off, who, visible):
    dossier = submitted(lifecycle_office_with_day_off)
    user = viewer(lifecycle_office_with_day_off, who)

    if visible:
        assert dossier_get_for_user(user=user, dossier_id=dossier.pk) == dossier
        assert list(dossier_list_for_user(user=user)) == [dossier]
    else:
        with pytest.raises(Http404):
            dossier_get_for_user(user=user, dossier_id=dossier.pk)
        assert list(dossier_list_for_user(user=user)) == []


@pytest.mark.parametrize(
    ("who", "visible"),
    [("citizen", True), ("other_citizen", False), ("desk", False), ("leader", False)],
)
def test_a_draft_is_visible_to_its_applicant_only(lifecycle_office_with_day_off, who, visible):
    draft = dossier_create_draft(
        procedure=lifecycle_office_with_day_off.procedure,
        applicant=applicant_data(),
        user=lifecycle_office_with_day_off.citizen,
    )

    assert (
        draft in dossier_list_for_user(user=viewer(lifecycle_office_with_day_off, who))
    ) is visible


def test_unknown_or_malformed_ids_are_404(lifecycle_office_with_day_off):
    with pytest.raises(Http404):
        dossier_get_for_user(user=lifecycle_office_with_day_off.leader, dossier_id=999999)
    with pytest.raises(Http404):
        dossier_get_for_user(user=lifecycle_office_with_day_off.leader, dossier_id="abc")


def test_staff_agency_ids(lifecycle_office_with_day_off):
    department_tree = {
        lifecycle_office_with_day_off.department.pk,
        lifecycle_office_with_day_off.division.pk,
    }

    assert staff_agency_ids(lifecycle_office_with_day_off.desk) == department_tree | {
        lifecycle_office_with_day_off.centre.pk
    }
    assert staff_agency_ids(lifecycle_office_with_day_off.other_desk) == {
        lifecycle_office_with_day_off.other_department.pk,
        lifecycle_office_with_day_off.other_centre.pk,
    }
    assert staff_agency_ids(lifecycle_office_with_day_off.leader) == department_tree
    assert staff_agency_ids(lifecycle_office_with_day_off.specialist) == department_tree
    assert staff_agency_ids(lifecycle_office_with_day_off.citizen) == set()
    assert staff_agency_ids(AnonymousUser()) == set()


def test_list_query_count_does_not_grow_with_dossiers(
    lifecycle_office_with_day_off, django_assert_max_num_queries
):
    for _ in range(5):
        dossier_register_walk_in(
            procedure=lifecycle_office_with_day_off.procedure,
            applicant=applicant_data(),
            actor=lifecycle_office_with_day_off.desk,
        )
    leader = type(lifecycle_office_with_day_off.leader).objects.get(
        pk=lifecycle_office_with_day_off.leader.pk
    )

    with django_assert_max_num_queries(4):
        rows = [
            (d.code, d.procedure.name, d.agency.name, d.current_step, d.assignee)
            for d in dossier_list_for_user(user=leader)
        ]
    assert len(rows) == 5


def test_desk_queues_and_search(lifecycle_office_with_day_off):
    binh = submitted(lifecycle_office_with_day_off, name="Trần Thị Bình", phone="0987654321")
    an = submitted(lifecycle_office_with_day_off, name="Nguyễn Văn An")
    waiting = submitted(lifecycle_office_with_day_off, name="Lê Văn Cường")
    dossier_request_supplement(
        dossier=waiting, actor=lifecycle_office_with_day_off.desk, items=["A"], reason="Thiếu"
    )

    assert list(dossier_desk_queue(user=lifecycle_office_with_day_off.desk, queue="reception")) == [
        binh,
        an,
    ]
    assert list(
        dossier_desk_queue(user=lifecycle_office_with_day_off.desk, queue="supplement")
    ) == [waiting]
    assert list(dossier_desk_queue(user=lifecycle_office_with_day_off.desk, queue="return")) == []
    assert list(
        dossier_desk_queue(
            user=lifecycle_office_with_day_off.desk, queue="reception", query="tran thi"
        )
    ) == [binh]
    assert list(
        dossier_desk_queue(user=lifecycle_office_with_day_off.desk, queue="reception", query="BÌNH")
    ) == [binh]
    assert list(
        dossier_desk_queue(
            user=lifecycle_office_with_day_off.desk, queue="reception", query="+84 987 654 321"
        )
    ) == [binh]
    assert list(
        dossier_desk_queue(
            user=lifecycle_office_with_day_off.desk, queue="reception", query=an.code
        )
    ) == [an]
    assert (
        list(dossier_desk_queue(user=lifecycle_office_with_day_off.other_desk, queue="reception"))
        == []
    )


def test_department_queues_follow_the_current_step(lifecycle_office_with_day_off, time_machine):
    time_machine.move_to(at(2026, 11, 30, 8, 0), tick=False)
    dossier = dossier_register_walk_in(
        procedure=lifecycle_office_with_day_off.procedure,
        applicant=applicant_data(),
        actor=lifecycle_office_with_day_off.desk,
    )
    dossier_forward(dossier=dossier, actor=lifecycle_office_with_day_off.desk)

    assert list(dossier_division_queue(user=lifecycle_office_with_day_off.division_head)) == [
        dossier
    ]
    assert list(dossier_division_queue(user=lifecycle_office_with_day_off.other_specialist)) == []
    assert list(dossier_assigned_to(user=lifecycle_office_with_day_off.specialist)) == []
    assert list(dossier_approval_queue(user=lifecycle_office_with_day_off.leader)) == []

    dossier_assign(
        dossier=dossier,
        actor=lifecycle_office_with_day_off.division_head,
        assignee=lifecycle_office_with_day_off.specialist,
    )
    assert list(dossier_assigned_to(user=lifecycle_office_with_day_off.specialist)) == [dossier]

    dossier_complete_step(
        dossier=dossier, actor=lifecycle_office_with_day_off.specialist
    )  # → head of division
    assert list(dossier_division_queue(user=lifecycle_office_with_day_off.division_head)) == [
        dossier
    ]
    assert list(dossier_assigned_to(user=lifecycle_office_with_day_off.specialist)) == []

    dossier_complete_step(
        dossier=dossier, actor=lifecycle_office_with_day_off.division_head
    )  # → leader
    assert list(dossier_division_queue(user=lifecycle_office_with_day_off.division_head)) == []
    assert list(dossier_approval_queue(user=lifecycle_office_with_day_off.leader)) == [dossier]
    assert list(dossier_approval_queue(user=lifecycle_office_with_day_off.other_specialist)) == []


def test_track_by_code_and_any_spelling_of_the_phone(lifecycle_office_with_day_off):
    dossier = submitted(lifecycle_office_with_day_off, phone="0912345678")

    assert dossier_track(code=dossier.code, phone="+84 912.345.678") == dossier
    assert dossier_track(code=dossier.code.lower(), phone="0912345678") == dossier
    assert dossier_track(code=dossier.code, phone="0900000000") is None
    assert dossier_track(code="", phone="0912345678") is None
    assert dossier_track(code=dossier.code, phone="") is None


def test_a_draft_cannot_be_tracked(lifecycle_office_with_day_off):
    draft = dossier_create_draft(
        procedure=lifecycle_office_with_day_off.procedure,
        applicant=applicant_data(),
        user=lifecycle_office_with_day_off.citizen,
    )
    assert dossier_track(code=str(draft.code), phone="0912345678") is None


def test_timeline_and_control_sheet(lifecycle_office_with_day_off, time_machine):
    time_machine.move_to(at(2026, 11, 30, 8, 0), tick=False)
    dossier = submitted(lifecycle_office_with_day_off)
    dossier_receive(dossier=dossier, actor=lifecycle_office_with_day_off.desk)
    time_machine.move_to(at(2026, 11, 30, 9, 0), tick=False)
    dossier_forward(dossier=dossier, actor=lifecycle_office_with_day_off.desk)
    dossier_assign(
        dossier=dossier,
        actor=lifecycle_office_with_day_off.division_head,
        assignee=lifecycle_office_with_day_off.specialist,
    )
    time_machine.move_to(at(2026, 12, 1, 10, 0), tick=False)
    dossier_complete_step(dossier=dossier, actor=lifecycle_office_with_day_off.specialist)
    time_machine.move_to(at(2026, 12, 3, 8, 0), tick=False)
    dossier_complete_step(dossier=dossier, actor=lifecycle_office_with_day_off.division_head)
    time_machine.move_to(at(2026, 12, 3, 9, 0), tick=False)
    dossier_complete(
        dossier=dossier, actor=lifecycle_office_with_day_off.leader, outcome=DossierOutcome.APPROVED
    )
    time_machine.move_to(at(2026, 12, 3, 10, 0), tick=False)
    dossier_return(dossier=dossier, actor=lifecycle_office_with_day_off.desk, method="at_desk")

    timeline = dossier_timeline(dossier=dossier)
    assert [event.action for event in timeline] == [
        DossierAction.CREATED,
        DossierAction.FILE_ATTACHED,
        DossierAction.SUBMITTED,
        DossierAction.RECEIVED,
        DossierAction.FORWARDED,
        DossierAction.ASSIGNED,
        DossierAction.STEP_COMPLETED,
        DossierAction.STEP_COMPLETED,
        DossierAction.COMPLETED,
        DossierAction.RETURNED,
    ]

    dossier.refresh_from_db()
    rows = dossier_control_sheet(dossier=dossier)
    assert [(row.giver, row.receiver) for row in rows] == [
        (None, lifecycle_office_with_day_off.desk),
        (lifecycle_office_with_day_off.desk, lifecycle_office_with_day_off.specialist),
        (lifecycle_office_with_day_off.specialist, lifecycle_office_with_day_off.division_head),
        (lifecycle_office_with_day_off.division_head, lifecycle_office_with_day_off.leader),
        (lifecycle_office_with_day_off.leader, lifecycle_office_with_day_off.desk),
    ]
    # Specialist: 12 h from Monday 09:00 end Tuesday 15:00, done Tuesday 10:00 (same day).
    # Head of division: 4 h from Tuesday 10:00 end Tuesday 16:00, done Thursday 08:00.
    # Leader: 4 h from Thursday 08:00 end 14:00, signed 09:00. The dossier: due Friday 08:00
    # (three working days from Monday 08:00, Wednesday off), signed Thursday 09:00: early.
    assert [(row.due_at, row.timeliness) for row in rows] == [
        (None, ""),
        (at(2026, 12, 1, 15, 0), Timeliness.ON_TIME),
        (at(2026, 12, 1, 16, 0), Timeliness.LATE),
        (at(2026, 12, 3, 14, 0), Timeliness.ON_TIME),
        (at(2026, 12, 4, 8, 0), Timeliness.EARLY),
    ]
