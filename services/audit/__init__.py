"""Audit: a pathway's history, its state as of a version or a time, a step-through, a
compliance replay and exports, read from the event store (the record of truth).

Every auditor's read goes through :class:`services.audit.trail.AuditTrail`, shared by the
CLI and the HTTP edge, so access checks and the access log wrap one place.
"""
