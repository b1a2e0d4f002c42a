"""How the client retries requests that failed in transit or with a 5xx/429."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter. Retries are safe: proposals carry their idempotency key,
    reads change nothing, and a repeated outcome report is recognised. ``consume`` is never retried.

    The defaults try 6 times over about 10 seconds (as the Swift client does)."""

    #: Attempts in all, the first included (at least 1).
    max_attempts: int = 6
    #: The backoff before the first retry, in seconds.
    initial_backoff: float = 0.2
    #: The longest backoff between two attempts, in seconds.
    max_backoff: float = 5.0

    def backoff(self, failures: int) -> float:
        """The pause after the ``failures``-th failure in a row (1-based): a random share (¼ to all)
        of ``initial_backoff × 2^(failures-1)``, capped at ``max_backoff``."""
        exponent = min(max(failures - 1, 0), 20)
        ceiling = min(self.initial_backoff * (2**exponent), self.max_backoff)
        return ceiling * random.uniform(0.25, 1.0)

    @property
    def attempts(self) -> int:
        return max(1, self.max_attempts)


#: No retries: each call is one request.
RetryPolicy.NONE = RetryPolicy(max_attempts=1)  # type: ignore[attr-defined]
