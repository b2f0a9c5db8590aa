"""Rate limits (the `limits` library): in memory for one process, in Redis across replicas."""

import math
import time

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from services.errors import RateLimited


class RateLimiter:
    def __init__(self, redis_url: str | None) -> None:
        uri = "async+memory://" if redis_url is None else f"async+{redis_url}"
        self._storage = storage_from_string(uri)
        self._strategy = MovingWindowRateLimiter(self._storage)
        self._parsed: dict[str, list[RateLimitItem]] = {}

    def _rules(self, spec: str) -> list[RateLimitItem]:
        if spec not in self._parsed:
            self._parsed[spec] = parse_many(spec)
        return self._parsed[spec]

    async def hit(self, spec: str, scope: str, key: str) -> None:
        """Count one attempt against every rule in `spec`; raise 429 if any is used up."""
        for rule in self._rules(spec):
            if not await self._strategy.hit(rule, scope, key):
                stats = await self._strategy.get_window_stats(rule, scope, key)
                retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                raise RateLimited(
                    f"Too many attempts. Try again in {retry_after} seconds.", retry_after
                )
