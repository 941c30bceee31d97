"""Job creations per client per minute: a sliding window kept in the server's memory."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

WINDOW_S = 60.0


class RateLimit:
    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self.hits: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def check(self, client: str) -> float | None:
        """Count one creation for `client`; None when allowed, else the seconds until the next is."""
        if self.per_minute <= 0:
            return None
        now = time.monotonic()
        with self.lock:
            hits = self.hits[client]
            while hits and now - hits[0] >= WINDOW_S:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return WINDOW_S - (now - hits[0])
            hits.append(now)
            return None
