"""Rate limits (the `limits` library, moving window): in memory for one process, in Redis
when PROPDESK_REDIS_URL is set so that every process counts against the same buckets."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import StrEnum

import structlog
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool

from propdesk.config import Settings
from propdesk.errors import RateLimitedError

log = structlog.get_logger(__name__)

KEY_PREFIX = "propdesk:limits"


class Bucket(StrEnum):
    ip = "ip"
    user = "user"
    auth = "auth"
    orders = "orders"
    signals = "signals"


@dataclass(frozen=True, slots=True)
class _Limit:
    text: str
    items: tuple[RateLimitItem, ...]


class RateLimiter:
    """`hit` counts one request against a bucket for an identity and raises
    RateLimitedError (with the seconds to wait) once any of the bucket's limits is spent."""

    def __init__(
        self,
        limits: dict[Bucket, str],
        *,
        redis_url: str | None = None,
        key_prefix: str = KEY_PREFIX,
        enabled: bool = True,
    ) -> None:
        self._limits = {
            bucket: _Limit(text, tuple(parse_many(text))) for bucket, text in limits.items()
        }
        self._pool: ConnectionPool | None = None
        storage: Storage
        if redis_url:
            # Our own pool, so that stop() can close it (the storage has no close of its own).
            self._pool = ConnectionPool.from_url(redis_url)
            storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                key_prefix=key_prefix,
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
        else:
            storage = MemoryStorage()
        self._storage = storage
        self._strategy = MovingWindowRateLimiter(storage)
        self.enabled = enabled

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        return cls(
            {
                Bucket.ip: settings.rate_limit_ip,
                Bucket.user: settings.rate_limit_user,
                Bucket.auth: settings.rate_limit_auth,
                Bucket.orders: settings.rate_limit_orders,
                Bucket.signals: settings.rate_limit_signals,
            },
            redis_url=settings.redis_url,
            enabled=settings.rate_limits_enabled,
        )

    @property
    def backend(self) -> str:
        return "redis" if self._pool is not None else "memory"

    async def hit(self, bucket: Bucket, *identity: str) -> None:
        if not self.enabled:
            return
        limit = self._limits[bucket]
        for item in limit.items:
            if await self._strategy.hit(item, bucket.value, *identity):
                continue
            stats = await self._strategy.get_window_stats(item, bucket.value, *identity)
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            log.info("rate limited", bucket=bucket.value, limit=limit.text)
            raise RateLimitedError(
                f"too many requests ({limit.text}); retry in {retry_after} s",
                retry_after=retry_after,
            )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
