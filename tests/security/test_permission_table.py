"""One table says who may do what (dossiers.permissions.ACTIONS), and every service enforces it.

The services are called directly, as the coming API, an admin action or a task would: a staff
action with a missing or wrong actor is refused (ActionForbidden) and changes nothing; the
parties the table names succeed.
"""

import ast
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import services
from dossiers.choices import DossierOutcome, DossierStatus, ReturnMethod, SatisfactionLevel
from dossiers.models import Dossier, DossierEvent
from dossiers.permissions import ACTIONS, ActionForbidden, user_may
from dossiers.workflow import TRANSITIONS, InvalidTransition, is_allowed
from portal.roles import Role
from procedures.models import Agency
from tests.dossiers.factories import applicant_data
from tests.dossiers.staff_setup import build_office, forwarded_dossier, submitted_dossier
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MONDAY_8AM = datetime.fromisoformat("2026-11-30T08:00:00+07:00")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

IDENTITIES = (
    "anonymous",
    "owner",
    "other_citizen",
    "desk",
    "other_desk",
    "specialist",
    "other_specialist",
    "division_head",
    "leader",
    "catalogue_admin",
    "superuser",
)
DESK = {"desk", "superuser"}
DEPARTMENT = {"specialist", "division_head", "leader", "superuser"}
HANDLING_STAFF = {"desk", "specialist", "division_head", "leader", "superuser"}
OWNER = {"owner"}


def _people(office) -> dict:
    other_department = Agency.objects.get(code="000.00.16.H99")
    return {
        "anonymous": AnonymousUser(),
        "owner": office.citizen,
        "other_citizen": UserFactory(role=Role.CITIZEN),
        "desk": office.desk,
        "other_desk": office.other_desk,
        "specialist": office.specialist,
        "other_specialist": UserFactory(role=Role.SPECIALIST, agency=other_department),
        "division_head": office.division_head,
        "leader": office.leader,
        "catalogue_admin": UserFactory(role=Role.CATALOGUE_ADMIN, agency=office.province),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }


# ---- the dossiers each action starts from, built with the right actors -------------------------


def _draft(office):
    return services.dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )


def _draft_with_file(office):
    dossier = _draft(office)
    services.dossier_attach_file(dossier=dossier, upload=_pdf(), actor=office.citizen)
    return dossier


def _received(office):
    return services.dossier_receive(dossier=submitted_dossier(office), actor=office.desk)


def _awaiting_supplement(office):
    return services.dossier_request_supplement(
        dossier=submitted_dossier(office),
        actor=office.desk,
        items=["Bản sao hộ chiếu"],
        reason="Thiếu hộ chiếu",
    )


def _steps_done(office):
    dossier = forwarded_dossier(office)
    dossier = services.dossier_complete_step(dossier=dossier, actor=office.specialist)
    return services.dossier_complete_step(dossier=dossier, actor=office.division_head)


def _result_ready(office):
    return services.dossier_complete(
        dossier=_steps_done(office), actor=office.leader, outcome=DossierOutcome.APPROVED
    )


def _returned(office):
    return services.dossier_return(
        dossier=_result_ready(office), actor=office.desk, method=ReturnMethod.AT_DESK
    )


def _ask_supplement(office, dossier, actor):
    return services.dossier_request_supplement(
        dossier=dossier, actor=actor, items=["Bản sao hộ chiếu"], reason="Thiếu"
    )


def _pdf():
    return SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf")


# action → (the dossier it starts from, the call, who may[, who is refused otherwise than by
# ActionForbidden])
CASES = {
    "receive": (
        submitted_dossier,
        lambda o, d, actor: services.dossier_receive(dossier=d, actor=actor),
        DESK,
    ),
    "refuse": (
        submitted_dossier,
        lambda o, d, actor: services.dossier_refuse(
            dossier=d, actor=actor, reason="Sai thẩm quyền"
        ),
        DESK,
    ),
    "request_supplement at the desk": (
        submitted_dossier,
        _ask_supplement,
        DESK,
    ),
    "forward": (
        _received,
        lambda o, d, actor: services.dossier_forward(dossier=d, actor=actor),
        DESK,
    ),
    "request_supplement during processing": (
        forwarded_dossier,
        _ask_supplement,
        DEPARTMENT,
    ),
    "assign": (
        forwarded_dossier,
        lambda o, d, actor: services.dossier_assign(dossier=d, actor=actor, assignee=o.specialist),
        {"division_head", "superuser"},
    ),
    "complete_step": (
        forwarded_dossier,
        lambda o, d, actor: services.dossier_complete_step(dossier=d, actor=actor),
        DEPARTMENT,
    ),
    "complete": (
        _steps_done,
        lambda o, d, actor: services.dossier_complete(
            dossier=d, actor=actor, outcome=DossierOutcome.APPROVED
        ),
        {"leader", "superuser"},
    ),
    "extend": (
        forwarded_dossier,
        lambda o, d, actor: services.dossier_extend(
            dossier=d,
            actor=actor,
            new_appointment_at=Dossier.objects.get(pk=d.pk).due_at + timedelta(days=7),
            reason="Cần xác minh thêm",
        ),
        {"leader", "superuser"},
    ),
    "return": (
        _result_ready,
        lambda o, d, actor: services.dossier_return(
            dossier=d, actor=actor, method=ReturnMethod.POSTAL
        ),
        DESK,
    ),
    "rate": (
        _returned,
        lambda o, d, actor: services.dossier_rate(
            dossier=d, actor=actor, level=SatisfactionLevel.SATISFIED
        ),
        OWNER,
    ),
    "update_draft": (
        _draft,
        lambda o, d, actor: services.dossier_update_draft(
            dossier=d, actor=actor, applicant={"name": "Trần Thị Bình"}
        ),
        OWNER,
    ),
    "submit": (_draft, lambda o, d, actor: services.dossier_submit(dossier=d, actor=actor), OWNER),
    "withdraw": (
        submitted_dossier,
        lambda o, d, actor: services.dossier_withdraw(dossier=d, actor=actor, reason="Không cần"),
        OWNER | DESK,
    ),
    "resubmit": (
        _awaiting_supplement,
        lambda o, d, actor: services.dossier_resubmit(dossier=d, actor=actor),
        OWNER | DESK,
    ),
    "attach_file to a draft": (
        _draft,
        lambda o, d, actor: services.dossier_attach_file(dossier=d, upload=_pdf(), actor=actor),
        OWNER,
    ),
    "attach_file (digitise) to a received dossier": (
        _received,
        lambda o, d, actor: services.dossier_attach_file(dossier=d, upload=_pdf(), actor=actor),
        HANDLING_STAFF,
        # The applicant's own row exists; it is the status that closes it now.
        {"owner": InvalidTransition},
    ),
    "remove_file": (
        _draft_with_file,
        lambda o, d, actor: services.dossier_remove_file(
            dossier=d, file_id=d.files.get().pk, actor=actor
        ),
        OWNER,
    ),
}


def _state(dossier) -> tuple:
    current = Dossier.objects.get(pk=dossier.pk)
    return (
        current.status,
        current.updated_at,
        DossierEvent.objects.filter(dossier=dossier).count(),
        current.files.count(),
    )


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("case", list(CASES))
def test_a_service_lets_only_the_parties_of_its_row_act(case, identity, time_machine):
    time_machine.move_to(MONDAY_8AM, tick=False)
    office = build_office()
    people = _people(office)
    start, call, allowed, *refused_otherwise = CASES[case]
    refusal = (refused_otherwise[0] if refused_otherwise else {}).get(identity, ActionForbidden)
    dossier = start(office)
    before = _state(dossier)

    if identity in allowed:
        call(office, dossier, people[identity])
        assert _state(dossier) != before
    else:
        with pytest.raises(refusal):
            call(office, dossier, people[identity])
        assert _state(dossier) == before


@pytest.mark.parametrize("identity", IDENTITIES)
def test_only_the_desk_of_the_agency_registers_a_walk_in(identity, time_machine):
    time_machine.move_to(MONDAY_8AM, tick=False)
    office = build_office()
    actor = _people(office)[identity]

    def register():
        return services.dossier_register_walk_in(
            procedure=office.procedure, applicant=applicant_data(), actor=actor
        )

    if identity in DESK:
        assert register().status == DossierStatus.RECEIVED
    else:
        with pytest.raises(ActionForbidden):
            register()
        assert not Dossier.objects.exists()


def test_the_pages_offer_what_the_services_accept(time_machine):
    """`user_may` (what views show) and the service agree for the desk's actions on a submitted
    dossier: offered to the desk, not to the department."""
    time_machine.move_to(MONDAY_8AM, tick=False)
    office = build_office()
    dossier = submitted_dossier(office)
    for action in ("receive", "refuse", "request_supplement_at_desk"):
        assert user_may(action, office.desk, dossier)
        assert not user_may(action, office.specialist, dossier)
        assert not user_may(action, office.other_desk, dossier)
    assert not user_may("forward", office.desk, dossier)  # not received yet


def test_every_move_in_the_table_is_one_the_workflow_allows():
    for action, rule in ACTIONS.items():
        assert rule.statuses, action
        for status in rule.statuses:
            assert status is None or status in TRANSITIONS, (action, status)
            if rule.to_status is not None:
                assert is_allowed(status, rule.to_status), (action, status, rule.to_status)


SERVICES = Path(services.__file__).parent


def _service_functions():
    """Every public function of dossiers/services taking an existing dossier and an actor."""
    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            names = {arg.arg for arg in node.args.kwonlyargs}
            if (
                {"actor", "dossier"} <= names
                or ({"actor", "procedure"} <= names)
                or ({"user", "procedure"} <= names and node.name.startswith("dossier_"))
            ):
                yield path.name, node


def _calls(node) -> set[str]:
    found = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            func = inner.func
            found.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return found


def test_every_service_with_an_actor_asks_the_table():
    """A new service that takes an actor but forgets the table fails here."""
    checked = []
    for filename, function in _service_functions():
        calls = _calls(function)
        assert calls & {"dossier_lock_for_action", "permission_require"}, (
            f"{filename}:{function.name} takes an actor but never asks dossiers.permissions"
        )
        checked.append(function.name)
    # The services of the table's rows are all among them.
    assert {
        "dossier_receive",
        "dossier_refuse",
        "dossier_forward",
        "dossier_return",
        "dossier_request_supplement",
        "dossier_register_walk_in",
        "dossier_attach_file",
        "dossier_rate",
    } <= set(checked)
