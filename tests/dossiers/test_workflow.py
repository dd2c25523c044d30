"""The dossier state machine: allowed moves, refused moves, and the one place status changes."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from dossiers.choices import DossierStatus as S
from dossiers.models import Dossier
from dossiers.workflow import (
    FINAL_STATUSES,
    TRANSITIONS,
    InvalidTransition,
    apply_history,
    apply_transition,
    check_transition,
)

ALLOWED = [
    (None, S.DRAFT),
    (None, S.RECEIVED),
    (S.DRAFT, S.SUBMITTED),
    (S.SUBMITTED, S.RECEIVED),
    (S.SUBMITTED, S.NEEDS_SUPPLEMENT),
    (S.SUBMITTED, S.REFUSED),
    (S.SUBMITTED, S.WITHDRAWN),
    (S.NEEDS_SUPPLEMENT, S.SUBMITTED),
    (S.NEEDS_SUPPLEMENT, S.PROCESSING),
    (S.NEEDS_SUPPLEMENT, S.WITHDRAWN),
    (S.RECEIVED, S.PROCESSING),
    (S.RECEIVED, S.WITHDRAWN),
    (S.PROCESSING, S.NEEDS_SUPPLEMENT),
    (S.PROCESSING, S.RESULT_READY),
    (S.PROCESSING, S.WITHDRAWN),
    (S.RESULT_READY, S.RETURNED),
]
EVERY_PAIR = [(source, target) for source in [None, *S.values] for target in S.values]
REFUSED = [pair for pair in EVERY_PAIR if pair not in ALLOWED]


def test_the_table_is_exactly_the_designed_workflow():
    """Every status has an entry, and the table allows the designed moves and nothing else."""
    assert set(TRANSITIONS) == {None, *S.values}
    table_pairs = {
        (source, target) for source, targets in TRANSITIONS.items() for target in targets
    }
    assert table_pairs == set(ALLOWED)
    assert {S.RETURNED, S.REFUSED, S.WITHDRAWN} == FINAL_STATUSES


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_allowed_transition_passes_the_check(source, target):
    check_transition(source, target)


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_refused_transition_raises(source, target):
    with pytest.raises(InvalidTransition) as raised:
        check_transition(source, target)
    assert raised.value.from_status == source
    assert raised.value.to_status == target


def test_invalid_transition_message_names_both_statuses():
    with translation.override("en"):
        error = InvalidTransition(S.WITHDRAWN, S.RECEIVED)
        assert str(error) == "A dossier that is “Withdrawn” cannot become “Received”."
        assert (
            str(InvalidTransition(None, S.RETURNED)) == "A new dossier cannot start as “Returned”."
        )


def test_apply_transition_sets_the_status_and_returns_the_previous_one():
    dossier = Dossier(status=S.SUBMITTED)
    dossier._state.adding = False
    assert apply_transition(dossier, S.RECEIVED) == S.SUBMITTED
    assert dossier.status == S.RECEIVED


def test_apply_transition_starts_an_unsaved_dossier_from_nothing():
    dossier = Dossier()
    assert apply_transition(dossier, S.RECEIVED) is None
    assert dossier.status == S.RECEIVED
    with pytest.raises(InvalidTransition):
        apply_transition(Dossier(), S.PROCESSING)


def test_refused_apply_transition_leaves_the_status_alone():
    dossier = Dossier(status=S.RETURNED)
    dossier._state.adding = False
    with pytest.raises(InvalidTransition):
        apply_transition(dossier, S.PROCESSING)
    assert dossier.status == S.RETURNED


def test_nothing_but_the_workflow_assigns_dossier_status():
    """Application code never sets `.status =` on a dossier outside dossiers/workflow.py."""
    root = Path(__file__).resolve().parents[2]
    assignment = re.compile(r"\b(dossier|self|obj|instance)\.status\s*=[^=]")
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for app in ("dossiers", "procedures", "portal")
        for path in (root / app).rglob("*.py")
        if "migrations" not in path.parts and path.name != "workflow.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if assignment.search(line)
    ]
    assert offenders == []


def test_apply_history_checks_every_move_of_a_bulk_built_history():
    """The generator's histories go through the same table: an impossible path is refused."""

    dossier = Dossier()
    apply_history(
        dossier, ["draft", "submitted", "received", "processing", "processing", "result_ready"]
    )
    assert dossier.status == "result_ready"

    with pytest.raises(InvalidTransition):
        apply_history(Dossier(), ["draft", "received"])
