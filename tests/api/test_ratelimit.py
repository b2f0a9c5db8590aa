"""The limiter in memory (one process) and in Redis (shared between replicas)."""

import os
import uuid
from collections.abc import Callable

import pytest
import redis.asyncio

from api.ratelimit import RateLimiter
from services.errors import RateLimited

REDIS_URL = os.environ.get("KITH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LimiterFactory = Callable[[], RateLimiter]


async def _redis_reachable() -> bool:
    client = redis.asyncio.from_url(REDIS_URL)
    try:
        return bool(await client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        await client.aclose()


@pytest.fixture
async def redis_url() -> str:
    if not await _redis_reachable():
        if os.environ.get("KITH_REQUIRE_REDIS") == "1":
            pytest.fail(
                f"Redis is required (KITH_REQUIRE_REDIS=1) but did not answer at {REDIS_URL}"
            )
        pytest.skip(f"no Redis at {REDIS_URL}; set KITH_TEST_REDIS_URL to run these")
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> LimiterFactory:
    url = None if request.param == "memory" else request.getfixturevalue("redis_url")
    return lambda: RateLimiter(url)


async def test_limit_then_retry_after(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter()
    key = uuid.uuid4().hex
    for _ in range(3):
        await limiter.hit("3/minute", "test", key)

    with pytest.raises(RateLimited) as refused:
        await limiter.hit("3/minute", "test", key)
    assert 1 <= refused.value.retry_after_s <= 60
    await limiter.hit("3/minute", "test", uuid.uuid4().hex)  # other keys are unaffected


async def test_every_rule_of_a_spec_counts(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter()
    key = uuid.uuid4().hex
    await limiter.hit("5/minute;1/hour", "test", key)
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("5/minute;1/hour", "test", key)
    assert refused.value.retry_after_s > 60


async def test_replicas_share_counts_through_redis(redis_url: str) -> None:
    first, second = RateLimiter(redis_url), RateLimiter(redis_url)
    key = uuid.uuid4().hex
    await first.hit("2/minute", "test", key)
    await second.hit("2/minute", "test", key)
    with pytest.raises(RateLimited):
        await first.hit("2/minute", "test", key)
