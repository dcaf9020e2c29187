"""The demo's couple pathway (conjoint IPT for a marital dispute, domain.md 4b).

One ipt pathway in the couple format with two client references, seen by video: both partners
give treatment and telehealth consent before the first session (IPT-32), the focus is the
dispute between them (``role_dispute``, so IPT-34 has nothing to record), both sign the
contract with the therapist, and the course is in its middle phase with a PHQ-9 after each
session, in the demo clinic's house style (``services.demo.script``).
"""

from __future__ import annotations

from datetime import timedelta
from random import Random

from domain.pathway import commands as c
from domain.values import Signature, Signer
from services.demo.clinical import CONTINGENCIES, Course, inventory
from services.demo.script import Script
from services.demo.story import Story

COUPLE = "couple"
COUPLE_THERAPIST = "t-amara"
FOCUS = "role_dispute"


def couple_story(seed: int) -> Story:
    rng = Random(f"carepath-demo:{seed}:{COUPLE}")  # noqa: S311 - synthetic data
    client, partner = f"demo-{seed}-couple-a", f"demo-{seed}-couple-b"
    script = Script.new("ipt", sessions=12, course=Course.towards(rng.randint(12, 18), "response"),
                        hour=rng.choice((9, 17, 18)), channel="video")
    referral = (script.at - timedelta(days=rng.randint(5, 15))).date()
    script.do(c.OpenPathway, client_ref=client, partner_ref=partner, format=COUPLE,
              client_age=rng.randint(28, 60), therapist_id=COUPLE_THERAPIST, protocol="ipt",
              channel="video", referral_date=referral)
    script.later(7).consented()  # the client's treatment and telehealth consents
    script.do(c.RecordConsent, kinds=("treatment", "telehealth"), given_by="partner")
    script.scored(script.course.baseline)
    script.intake(minutes=60)
    script.formulated(FOCUS, relationships=inventory(FOCUS),
                      formulation_ref="doc/formulation-couple",
                      rationale_ref="doc/focus-rationale-couple")
    signers: tuple[tuple[Signer, str], ...] = (
        ("client", client), ("partner", partner), ("therapist", COUPLE_THERAPIST))
    by_signer = {str(signer): name for signer, name in signers}
    script.signed(by_signer, start_date=(script.at + timedelta(days=7)).date(),
                  contingencies=CONTINGENCIES, minutes=55,  # both partners sign (4b)
                  signatures=tuple(Signature(signer=signer, signed_by=name)
                                   for signer, name in signers))
    script.held_until(rng.randint(5, 7))
    story = Story(COUPLE, seed, idle_days=rng.randint(1, 5))
    opening, *rest = script.commands
    if not isinstance(opening, c.OpenPathway):  # pragma: no cover - written just above
        raise TypeError(opening)
    story.opened(COUPLE, opening)
    return story.to(COUPLE, *rest)
