"""The IPT rules (domain.md section 4), one module per part of the course.

Hard-rule checks raise ``RuleViolation``; soft-rule checks return the deviations they find as
(rule id, sentence) pairs, so the aggregate can ask for one reason covering them all.
"""

from __future__ import annotations

Deviation = tuple[str, str]
