"""Archetypes of pathways past their acute course: completed, maintenance and closed."""

from __future__ import annotations

from services.demo import blocks as b
from services.demo.blocks import Client
from services.demo.script import Script

NO_CONTACT = "outreach by phone and letter after two no-shows, no reply"


def partial_medication(client: Client, _round: int) -> Script:
    script = b.ipt_started(client, "partial")
    script.idle_days = client.rng.randint(3, 30)
    return b.completed(script, client, "medication_referral")


def no_response(client: Client, round_: int) -> Script:
    """IPT-16 review recorded at session 8, IPT-25 next step for a non-responder."""
    script = b.ipt_started(client, "none")
    script.idle_days = client.rng.randint(3, 30)
    return b.completed(script, client, ("alternative_treatment", "new_contract")[round_ % 2])


def dit_response(client: Client, _round: int) -> Script:
    script = b.started(client, "dit", b.course_for(client, "response"), "ipaf", sessions=16)
    script.idle_days = client.rng.randint(1, 20)
    return b.completed(script, client, "discharge")


def adolescent_completed(client: Client, round_: int) -> Script:
    """Remission awaiting a maintenance contract, or a non-responder offered a new contract."""
    result, step = (("remission", "maintenance"), ("none", "new_contract"))[round_ % 2]
    script = b.started(client, "ipt-a", b.course_for(client, result), "role_transition",
                       sessions=12)
    script.idle_days = client.rng.randint(1, 14)
    return b.completed(script, client, step)


def maintenance_stable(client: Client, _round: int) -> Script:
    script = b.ipt_started(client, "remission")
    b.completed(script, client, "maintenance")
    script.idle_days = client.rng.randint(3, 20)
    return b.maintained(script, sessions=6, totals=(3, 2))


def maintenance_recurrence(client: Client, _round: int) -> Script:
    """IPT-28: a maintenance PHQ-9 of 10 or more raises RecurrenceSuspected."""
    script = b.ipt_started(client, "remission")
    b.completed(script, client, "maintenance")
    script.idle_days = client.rng.randint(0, 6)
    return b.maintained(script, sessions=6, totals=(3, 5, client.rng.randint(10, 13)))


def dropped_out(client: Client, _round: int) -> Script:
    """Two no-shows (outreach due), a third with the outreach noted (IPT-21), then closed."""
    script = b.ipt_started(client, "partial")
    script.held_until(client.rng.randint(3, 5))
    script.missed().missed().missed(reason=NO_CONTACT)
    script.idle_days = client.rng.randint(5, 40)
    return script.closed("dropped_out")


def discharged(client: Client, round_: int) -> Script:
    protocol, sessions, focus, result = (("ipt", 12, b.ipt_focus(client), "remission"),
                                         ("dit", 16, "ipaf", "response"))[round_ % 2]
    script = b.started(client, protocol, b.course_for(client, result), focus, sessions=sessions)
    b.completed(script, client, "discharge")
    script.idle_days = client.rng.randint(5, 60)
    return script.closed("discharged")


def maintenance_ended(client: Client, _round: int) -> Script:
    script = b.ipt_started(client, "remission")
    b.completed(script, client, "maintenance")
    b.maintained(script, sessions=3, totals=(2, 3, 2))
    script.idle_days = client.rng.randint(5, 60)
    return script.closed("maintenance_ended", days=1)
