"""The service plan's workflows: every legal step, and illegal ones refused with a reason."""

from __future__ import annotations

import pytest

from bot.messages import Role
from bot.models import TicketKind
from bot.workflow import (
    FINAL,
    INITIAL,
    WORKFLOWS,
    Action,
    IllegalTransition,
    Status,
    check_role,
    next_actions,
    transition_for,
)

LEGAL = [
    (kind, source, step.action, step.target)
    for kind, steps in WORKFLOWS.items()
    for step in steps
    for source in sorted(step.sources)
]


@pytest.mark.parametrize(("kind", "source", "action", "target"), LEGAL,
                         ids=[f"{k}-{s}-{a}" for k, s, a, _ in LEGAL])
def test_every_legal_step_reaches_its_target(kind, source, action, target):
    assert transition_for(kind, source, action).target == target


@pytest.mark.parametrize("kind", list(WORKFLOWS))
def test_every_other_step_is_refused_with_a_reason(kind):
    steps = WORKFLOWS[kind]
    statuses = {s for step in steps for s in step.sources} | {step.target for step in steps}
    refused = 0
    for status in statuses:
        for action in Action:
            if any(step.action == action and status in step.sources for step in steps):
                continue
            with pytest.raises(IllegalTransition) as error:
                transition_for(kind, status, action)
            assert action.value in error.value.reason, (status, action)
            refused += 1
    assert refused > len(statuses)  # most steps are illegal from most states


def test_repair_follows_the_plan_from_report_to_archive():
    status = INITIAL[TicketKind.REPAIR]
    path = [Action.DISPATCH, Action.ACCEPT, Action.START, Action.DONE, Action.FOLLOW_UP, Action.ARCHIVE]
    seen = [status]
    for action in path:
        status = transition_for(TicketKind.REPAIR, status, action).target
        seen.append(status)
    assert seen == [Status.REPORTED, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED,
                    Status.FOLLOWED_UP, Status.ARCHIVED]


def test_an_engineer_can_return_or_transfer_a_job():
    assert transition_for("repair", "accepted", "return").target == Status.REPORTED
    assert transition_for("repair", "in_progress", "transfer").target == Status.DISPATCHED


def test_renovation_inspection_repeats_and_a_failed_acceptance_goes_back_to_construction():
    assert transition_for("renovation", "construction", "inspect").target == Status.CONSTRUCTION
    assert transition_for("renovation", "construction", "fail").target == Status.CONSTRUCTION
    assert transition_for("renovation", "applied", "revise").target == Status.REVISING
    assert transition_for("renovation", "revising", "resubmit").target == Status.APPLIED


def test_complaint_and_emergency_and_inquiry_paths():
    assert next_actions("complaint", "recorded") == [Action.ANALYSE, Action.CANCEL]
    assert transition_for("emergency", "alarmed", "arrive").target == Status.ON_SITE
    assert transition_for("inquiry", "handed_over", "close").target == Status.CLOSED


def test_a_finished_ticket_says_so():
    with pytest.raises(IllegalTransition, match="already archived"):
        transition_for("repair", "archived", "dispatch")


def test_unknown_step_is_refused():
    with pytest.raises(IllegalTransition, match="unknown step 'explode'"):
        transition_for("repair", "reported", "explode")


def test_roles_are_checked():
    step = transition_for("repair", "dispatched", "accept")
    check_role(step, {Role.ENGINEER})
    with pytest.raises(IllegalTransition, match="only engineer"):
        check_role(step, {Role.AGENT})


def test_every_kind_can_end():
    for kind, steps in WORKFLOWS.items():
        assert any(step.target in FINAL for step in steps), kind
