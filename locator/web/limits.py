"""Rate limits through `limits`: per worker in memory, or shared by every worker and machine in
Redis when `LOCATOR_REDIS_URL` is set.

Keys are the client's address as uvicorn gives it: behind a proxy listed in
`LOCATOR_TRUSTED_PROXIES`, the address that proxy reports; otherwise the peer's own address,
whatever `X-Forwarded-For` says. If Redis cannot be reached the request is let through (a
warning is logged, throttled): a limiter outage must not become a service outage.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from locator.domain.errors import TooMany
from locator.settings import Settings
from locator.web.logs import Throttled

log = Throttled(logging.getLogger("locator"))


class Budgets:
    """Every rate limit of one app, in one storage."""

    def __init__(self, settings: Settings) -> None:
        storage: Storage = MemoryStorage()
        if settings.redis_url:
            shared = storage_from_string(f"async+{settings.redis_url}", wrap_exceptions=True)
            assert isinstance(shared, Storage)  # the async+ scheme gives an asyncio storage
            storage = shared
        self.limiter = SlidingWindowCounterRateLimiter(storage)
        self.requests = RateLimitItemPerMinute(max(1, settings.rate_limit_per_minute))
        self.reports = RateLimitItemPerHour(settings.reports_per_hour)
        self.sign_ins = parse(f"{settings.sign_ins_per_15_min}/15 minutes")

    async def wait_s(self, item: RateLimitItem, key: str) -> int:
        """Spend one of `item` for `key`: 0 when allowed, else the seconds until it may retry."""
        try:
            if await self.limiter.hit(item, key):
                return 0
            stats = await self.limiter.get_window_stats(item, key)
        except StorageError as exc:
            log.warning("rate-limit-storage", f"rate limits not enforced: {exc.storage_error!r}")
            return 0
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def spend(self, item: RateLimitItem, *keys: str, what: str) -> None:
        """Spend one try for each key, or raise TooMany saying when to retry."""
        for key in keys:
            wait = await self.wait_s(item, key)
            if wait:
                raise TooMany(
                    f"Too many {what} from here; please try again later",
                    retry_after_s=wait,
                    allowed=f"{item.amount} {what} per {_window(item)}",
                )


def _window(item: RateLimitItem) -> str:
    """`60 minutes`, `15 minutes`, `minute`."""
    minutes = item.get_expiry() // 60
    return "minute" if minutes == 1 else f"{minutes} minutes"
