"""Who may do what: bearer tokens, the roles, and the one policy table (issue 8, section 5).

``tokens`` verifies a signed JWT into a :class:`~services.access.principal.Principal`;
``policy`` holds the table of actions and the roles allowed each (with their scope), and
decides; ``caseloads`` answers whose caseload a pathway belongs to. The HTTP edge and the
broker both authenticate with :func:`services.access.gate.Gate.authenticate` and hand the
principal to the application layer, which decides commands against the same table.
"""
