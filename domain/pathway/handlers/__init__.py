"""The pathway's command handlers, one module a stage of the course, as the rules are split:
each a mixin of :class:`domain.pathway.aggregate.Pathway` with its part of the dispatch table.

A handler runs every check it needs (noting their rule ids) before it records its first event,
so a refused command records nothing.
"""
