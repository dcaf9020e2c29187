"""One course of care for one client: the ``Pathway`` aggregate, its commands, its event
catalogue, its state and the IPT rules decided from its own history (domain.md sections 3-4).

Values, protocols, measures and the vocabulary it shares with the ``Group`` aggregate live at
``domain``'s root.
"""
