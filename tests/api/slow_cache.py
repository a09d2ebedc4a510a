"""A local-memory cache whose every call takes a moment and lets other threads run, as a round trip to Redis does.

It widens the gap between reading a counter and writing it back, so a throttle that counts by read-then-write lets
parallel requests through, while one that counts atomically (add, then incr) does not.
"""

import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache

PAUSE = 0.002


class SlowLocMemCache(LocMemCache):
    def get(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(PAUSE)
        return super().get(*args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(PAUSE)
        return super().set(*args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(PAUSE)
        return super().add(*args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(PAUSE)
        return super().incr(*args, **kwargs)
