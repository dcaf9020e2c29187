"""How long a command waits before it is re-decided after another writer won the race.

Writers that lost a race and retry at once meet again at once: 16 clients on one pathway lost
54% of their commands to 409 that way. Full-jitter exponential backoff (each pause uniform in
``[0, min(cap, base * 2**n)]``) spreads the retries out; a total budget keeps the slowest
command well inside the request's time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

BASE_SECONDS = 0.01
"""A few saves on PostgreSQL, where the writers of one events table take turns."""
CAP_SECONDS = 0.5


@dataclass(frozen=True)
class ConflictBackoff:
    """``retries`` re-decisions at most, pausing ``budget`` seconds in all at most."""

    retries: int = 12
    budget: float = 2.0
    base: float = BASE_SECONDS
    cap: float = CAP_SECONDS
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    uniform: Callable[[], float] = field(default=random.random, repr=False)

    def pauses(self) -> Iterator[float]:
        """The pause before each retry, in order; their sum never exceeds the budget."""
        left = self.budget
        for n in range(self.retries):
            pause = min(left, self.uniform() * min(self.cap, self.base * 2**n))
            left -= pause
            yield pause
