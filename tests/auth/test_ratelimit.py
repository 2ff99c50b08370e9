"""The rate limiter: moving windows in memory, and in a real Redis shared by processes."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis

from propdesk.auth.ratelimit import Bucket, RateLimiter
from propdesk.errors import RateLimitedError

REDIS_URL = "redis://127.0.0.1:6379/0"


def a_limiter(limit: str = "3/minute", **options: object) -> RateLimiter:
    return RateLimiter(
        {Bucket.ip: limit, Bucket.user: limit, Bucket.auth: limit, Bucket.orders: limit},
        **options,  # type: ignore[arg-type]
    )


async def test_hit_when_burst_exceeds_limit_then_rate_limited_with_retry_after() -> None:
    limiter = a_limiter("3/minute")
    for _ in range(3):
        await limiter.hit(Bucket.auth, "ip", "10.0.0.1")

    with pytest.raises(RateLimitedError) as raised:
        await limiter.hit(Bucket.auth, "ip", "10.0.0.1")

    assert 1 <= raised.value.retry_after <= 60
    assert "3/minute" in raised.value.message


async def test_hit_when_identities_differ_then_counted_apart() -> None:
    limiter = a_limiter("1/minute")
    await limiter.hit(Bucket.user, "1")

    await limiter.hit(Bucket.user, "2")
    await limiter.hit(Bucket.orders, "1")  # another bucket, same identity

    with pytest.raises(RateLimitedError):
        await limiter.hit(Bucket.user, "1")


async def test_hit_when_several_limits_then_the_tightest_applies() -> None:
    limiter = a_limiter("100/minute;2/second")
    await limiter.hit(Bucket.ip, "a")
    await limiter.hit(Bucket.ip, "a")

    with pytest.raises(RateLimitedError) as raised:
        await limiter.hit(Bucket.ip, "a")

    assert raised.value.retry_after == 1


async def test_hit_when_disabled_then_never_limits() -> None:
    limiter = a_limiter("1/minute", enabled=False)

    for _ in range(5):
        await limiter.hit(Bucket.auth, "ip", "10.0.0.1")

    assert limiter.backend == "memory"


async def _redis_available() -> bool:
    client = Redis.from_url(REDIS_URL)
    try:
        return bool(await client.ping())
    except OSError:
        return False
    finally:
        await client.aclose()


async def test_hit_when_redis_shared_by_two_limiters_then_they_count_together() -> None:
    if not await _redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"propdesk-test:{uuid.uuid4().hex}"
    first = a_limiter("3/minute", redis_url=REDIS_URL, key_prefix=prefix)
    second = a_limiter("3/minute", redis_url=REDIS_URL, key_prefix=prefix)
    client = Redis.from_url(REDIS_URL)
    try:
        await first.hit(Bucket.auth, "ip", "10.0.0.9")
        await second.hit(Bucket.auth, "ip", "10.0.0.9")
        await first.hit(Bucket.auth, "ip", "10.0.0.9")

        with pytest.raises(RateLimitedError) as raised:
            await second.hit(Bucket.auth, "ip", "10.0.0.9")

        assert first.backend == "redis"
        assert 1 <= raised.value.retry_after <= 60
        assert await client.keys(f"{prefix}:*")
    finally:
        for key in await client.keys(f"{prefix}:*"):
            await client.delete(key)
        await client.aclose()
        await first.close()
        await second.close()
