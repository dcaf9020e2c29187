"""Rules of the initial phase: inventory, focus, contract (IPT-02, 03, 06-13, 19, 31, 34)."""

from __future__ import annotations

from domain.errors import InvalidCommand, RuleViolation
from domain.measures import PHQ9_SEVERE
from domain.pathway.commands import ChooseFocus, SignContract
from domain.pathway.rules import Deviation, checks
from domain.pathway.state import PathwayState, consent_key
from domain.protocols import Protocol
from domain.values import Relationship
from domain.vocabulary import (
    GRIEF,
    GUARDIAN,
    INTERPERSONAL_DEFICITS,
    IPAF,
    PHQ9,
    ROLE_DISPUTE,
    ROLE_TRANSITION,
    TREATMENT,
    ProblemArea,
)

_NON_RESIDUAL: frozenset[ProblemArea] = frozenset({GRIEF, ROLE_DISPUTE, ROLE_TRANSITION})
_CHANGE_SHOWS: dict[str, ProblemArea] = {"death": GRIEF, "dispute": ROLE_DISPUTE,
                                         "role_change": ROLE_TRANSITION}


@checks("IPT-13")
def check_inventory_may_change(state: PathwayState) -> None:
    if state.contract is not None:
        raise RuleViolation("IPT-13", "The interpersonal inventory can be recorded again only in"
                            " the initial phase, before the contract is signed.")


@checks("IPT-08", "IPT-09")
def check_areas(protocol: Protocol, areas: tuple[str, ...]) -> None:
    """IPT-08 (one primary, at most one secondary) and IPT-09 (areas of the protocol)."""
    if len(areas) != len(set(areas)):
        raise RuleViolation("IPT-08", "A pathway has one primary focus and at most one different"
                            " secondary focus; the same area was given twice.")
    outside = [area for area in areas if area not in protocol.problem_areas]
    if outside:
        allowed = ", ".join(sorted(protocol.problem_areas))
        raise RuleViolation("IPT-09", f"{', '.join(outside)} is not a focus of the "
                            f"{protocol.id} protocol (allowed: {allowed}).")


@checks("IPT-02", "IPT-13")
def check_focus(state: PathwayState, command: ChooseFocus) -> list[Deviation]:
    if state.contract is not None:
        raise RuleViolation("IPT-02", "The contract is signed: foci change only through a"
                            " renegotiated contract with a reason and the patient's agreement.")
    if state.inventory is None:
        raise RuleViolation("IPT-13", "A focus is chosen from the interpersonal inventory:"
                            " record the inventory first.")
    protocol = state.protocol
    areas = (command.primary,) if command.secondary is None else (command.primary,
                                                                   command.secondary)
    check_areas(protocol, areas)
    if IPAF in protocol.problem_areas and not command.pattern_summary:
        raise InvalidCommand("pattern_summary", "a dit focus (IPAF) needs a short description"
                             " of the recurring relational pattern")
    return focus_deviations(state, areas)


@checks("IPT-10", "IPT-11", "IPT-34")
def focus_deviations(state: PathwayState, areas: tuple[str, ...]) -> list[Deviation]:
    """IPT-10 and IPT-11: does the inventory support the chosen areas? IPT-34: are they the
    areas the format is for (a couple's dispute)?"""
    inventory = state.inventory or ()
    deviations: list[Deviation] = []
    expected = state.format_rules.expected_foci
    if expected is not None and (other := [area for area in areas if area not in expected]):
        deviations.append(("IPT-34", f"A {state.format} pathway's focus is"
                           f" {' or '.join(sorted(expected))}, not {', '.join(other)}."))
    if GRIEF in areas and not any(person.deceased for person in inventory):
        deviations.append(("IPT-10", "A grief focus needs a death: no one in the inventory is"
                           " marked deceased (other losses are role transitions)."))
    if INTERPERSONAL_DEFICITS in areas:
        shown = areas_shown(inventory) & _NON_RESIDUAL
        if shown:
            deviations.append(("IPT-11", "Interpersonal deficits is the residual area, but the"
                               f" inventory shows {', '.join(sorted(shown))}."))
    return deviations


def areas_shown(inventory: tuple[Relationship, ...]) -> set[ProblemArea]:
    """The problem areas an inventory points to: candidates, deaths and recent changes."""
    shown: set[ProblemArea] = {area for person in inventory for area in person.candidate_areas}
    shown |= {_CHANGE_SHOWS[p.recent_change] for p in inventory if p.recent_change in _CHANGE_SHOWS}
    if any(person.deceased for person in inventory):
        shown.add(GRIEF)
    return shown


@checks("IPT-02", "IPT-12", "IPT-13", "IPT-19", "IPT-31")
def check_contract(state: PathwayState, command: SignContract) -> None:
    protocol = state.protocol
    if state.contract is not None:
        raise RuleViolation("IPT-02", "A contract is already signed: change it through"
                            " ContractRenegotiated, with a reason and the patient's agreement.")
    if state.focus is None:
        raise RuleViolation("IPT-13", "No contract without a focus chosen from the latest"
                            " inventory: choose the focus first.")
    if not state.focus.patient_agreed:
        raise RuleViolation("IPT-13", "The contract fixes a focus the patient agreed to: choose"
                            " the focus again with the patient's agreement.")
    if tuple(command.foci) != state.focus.areas:
        raise RuleViolation("IPT-13", f"The contract's foci ({', '.join(command.foci)}) must"
                            f" equal the chosen foci, primary first"
                            f" ({', '.join(state.focus.areas)}).")
    check_session_count(protocol, command.sessions, state.sessions_held)
    if command.frequency not in protocol.frequencies:
        raise InvalidCommand("frequency", f"{command.frequency} is not an acute-course frequency"
                             f" (allowed: {', '.join(sorted(protocol.frequencies))})")
    signers = {signature.signer for signature in command.signatures}
    if missing := state.format_rules.signers - signers:
        raise InvalidCommand("signatures", f"the contract needs the signatures of the"
                             f" {' and the '.join(sorted(missing))} as well")
    baseline = state.baseline_of(PHQ9)
    if baseline and baseline.total >= PHQ9_SEVERE and state.medication_need is None:
        raise RuleViolation("IPT-12", f"The PHQ-9 baseline is {baseline.total} (severe): assess"
                            " the need for medication before signing the contract.")
    if protocol.blocks_enrolment_on_urgent_flag and state.has_open_urgent_flag:
        raise RuleViolation("IPT-19", f"No {protocol.id} enrolment while an urgent safety flag"
                            " is open: assess and resolve it first.")
    if protocol.guardian_required:
        if not state.consents.get(consent_key(GUARDIAN, TREATMENT)):
            raise RuleViolation("IPT-31", f"{protocol.id} needs a guardian's treatment consent"
                                " before the contract is signed.")
        if GUARDIAN not in signers:
            raise RuleViolation("IPT-31", f"{protocol.id} needs the guardian's signature on the"
                                " contract.")


@checks("IPT-03", "IPT-04")
def check_session_count(protocol: Protocol, sessions: int, held: int) -> None:
    low, high = protocol.sessions_range
    if not low <= sessions <= high:
        raise RuleViolation("IPT-03", f"{sessions} sessions is outside the {protocol.id} range"
                            f" of {low}-{high}.")
    if sessions <= held:
        raise RuleViolation("IPT-04", f"{held} sessions are already held: a contract of"
                            f" {sessions} would leave none.")


def prerequisites_missing(state: PathwayState) -> list[str]:
    """What IPT-07 still needs before the first middle-phase session."""
    needs = {
        "a diagnosis": state.diagnosis is not None,
        "a baseline measure": state.baseline is not None,
        "the sick role assigned": state.sick_role,
        "an interpersonal inventory": state.inventory is not None,
        "the medication need assessed": state.medication_need is not None,
        "a formulation shared": state.formulation_area is not None,
        "a focus the patient agreed to": bool(state.focus and state.focus.patient_agreed),
        "a signed contract": state.contract is not None,
    }
    return [need for need, met in needs.items() if not met]
