"""Group IPT (domain.md 4b): the ``Group`` aggregate, one course run for several members
together, beside each member's own ``Pathway`` under ipt-g.

The group decides its own rules (size IPT-33, closed membership IPT-31, its sessions' numbering
and ending); a group session is decided across the group and every member's pathway at once
(``session.py``), and the application saves them in one transaction.
"""
