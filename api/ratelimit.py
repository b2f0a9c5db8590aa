"""Rate limits (the `limits` library): in memory for one process, in Redis across replicas."""

import asyncio
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from services.errors import RateLimited


@dataclass(frozen=True)
class Quota:
    """One rule's state just after a request was counted against it."""

    limit: int
    window_s: int
    remaining: int
    reset_s: int  # seconds until more of the quota is free again
    allowed: bool


class RateLimiter:
    def __init__(self, redis_url: str | None) -> None:
        uri = "async+memory://" if redis_url is None else f"async+{redis_url}"
        self._storage = storage_from_string(uri)
        # Exact, for the few small limits that guard secrets (sign-in, check-in codes): a moving
        # window keeps a timestamp per attempt, which is cheap at 5 or 20 per window.
        self._strategy = MovingWindowRateLimiter(self._storage)
        # For the general per-request limits (hundreds to thousands per minute), a sliding
        # window counter: two counters per key and one round trip (a Lua script in Redis),
        # whatever the limit, where a moving window would keep and scan thousands of
        # timestamps; and unlike a fixed window it does not let twice the quota through
        # across a window boundary. Its count is an estimate, which is fine for fairness.
        self._counter = SlidingWindowCounterRateLimiter(self._storage)
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

    async def count(self, spec: str, scope: str, key: str) -> list[Quota]:
        """Count one request against every rule in `spec` (a sliding window counter) and say
        where each stands, for the RateLimit headers. A rule that refuses it is not charged."""
        return list(await asyncio.gather(*(self._count(r, scope, key) for r in self._rules(spec))))

    async def _count(self, rule: RateLimitItem, scope: str, key: str) -> Quota:
        allowed = await self._counter.hit(rule, scope, key)
        stats = await self._counter.get_window_stats(rule, scope, key)
        remaining = stats.remaining if allowed else 0
        reset_s = max(0, math.ceil(stats.reset_time - time.time()))
        return Quota(
            limit=rule.amount,
            window_s=rule.get_expiry(),
            remaining=remaining,
            reset_s=reset_s if remaining else max(1, reset_s),  # a wait is never "0 seconds"
            allowed=allowed,
        )
