"""The caseload: 25 archetypes of a pathway, cycled (with variation) to fill any count.

The first 25 pathways already cover every phase, available protocol, outcome and next step of
a non-responder, open urgent and routine safety flags, outreach due, deviations (IPT-05, 06,
14, 16, 21), a suspected recurrence, a withdrawn telehealth consent (IPT-32) and every demo
closure reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.demo.blocks import Client
from services.demo.ended import (
    adolescent_completed,
    discharged,
    dit_response,
    dropped_out,
    maintenance_ended,
    maintenance_recurrence,
    maintenance_stable,
    no_response,
    partial_medication,
)
from services.demo.ongoing import (
    adolescent_middle,
    adolescent_termination,
    assessing_adolescent,
    dit_focus_agreed,
    dit_middle,
    dit_termination,
    grief_severe,
    ipt_termination,
    long_initial,
    on_track,
    outreach_due,
    referred,
    routine_flag_missed,
    telehealth_withdrawn,
    urgent_flag,
    with_deviations,
)
from services.demo.script import Script


@dataclass(frozen=True)
class Archetype:
    name: str
    protocol: str
    write: Callable[[Client, int], Script]
    """(client, round) -> the plan; ``round`` counts how often the archetype came up before."""


_LIST: tuple[tuple[str, Callable[[Client, int], Script]], ...] = (
    ("ipt", referred), ("ipt-a", assessing_adolescent), ("ipt", long_initial),
    ("dit", dit_focus_agreed), ("ipt", on_track), ("ipt", outreach_due), ("ipt", urgent_flag),
    ("ipt", routine_flag_missed), ("ipt", with_deviations), ("dit", dit_middle),
    ("ipt-a", adolescent_middle), ("ipt", grief_severe), ("ipt", ipt_termination),
    ("dit", dit_termination), ("ipt-a", adolescent_termination), ("ipt", partial_medication),
    ("ipt", no_response), ("dit", dit_response), ("ipt-a", adolescent_completed),
    ("ipt", maintenance_stable), ("ipt", maintenance_recurrence), ("ipt", dropped_out),
    ("ipt", discharged), ("ipt", maintenance_ended), ("ipt", telehealth_withdrawn),
)
ARCHETYPES: tuple[Archetype, ...] = tuple(Archetype(fn.__name__, protocol, fn)
                                          for protocol, fn in _LIST)
