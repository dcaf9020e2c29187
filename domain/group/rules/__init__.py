"""The group's rules (domain.md 4b): its formation and size (IPT-03, IPT-33), who may enrol
(IPT-19, IPT-29, IPT-31, IPT-33), and its sessions (IPT-04, IPT-17, IPT-23, IPT-29, IPT-30,
IPT-33).

Checks declare the rule ids they decide with the pathway's ``checks``, so the group's events
record the rules its commands were checked against, as the pathway's do.
"""

from domain.pathway.rules import Deviation, checks, noting_checks, rules_noted

__all__ = ["Deviation", "checks", "noting_checks", "rules_noted"]
