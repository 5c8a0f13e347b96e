"""One cache interface: Redis when ``REDIS_URL`` is set, in-process otherwise.

Used for repeated-analysis results (keyed by image sha256), rate-limit counters and
sessions: nothing in it is a source of truth. If Redis goes away Aura keeps serving from
an in-process cache (slower across processes, never failing), logs that once, sets
``aura_cache_redis_up`` to 0, retries every ``retry_seconds`` and logs its return.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Protocol

from prometheus_client import Counter, Gauge

log = logging.getLogger("aura.cache")

REDIS_UP = Gauge("aura_cache_redis_up", "1 when Redis answers, 0 while Aura falls back")
FALLBACKS = Counter("aura_cache_fallback_total", "Cache calls served in-process for lack of Redis")


class Cache(Protocol):
    backend: str

    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl: float | None = None) -> None: ...
    def delete(self, key: str) -> None: ...
    def incr(self, key: str, ttl: float) -> int: ...


class MemoryCache:
    """A bounded in-process cache with expiry (least recently set entries go first)."""

    backend = "memory"

    def __init__(self, max_entries: int = 10_000) -> None:
        self._data: OrderedDict[str, tuple[bytes | int, float | None]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def _live(self, key: str) -> bytes | int | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[1] is not None and entry[1] <= time.monotonic():
            del self._data[key]
            return None
        return entry[0]

    def _put(self, key: str, value: bytes | int, ttl: float | None) -> None:
        self._data[key] = (value, None if ttl is None else time.monotonic() + ttl)
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._live(key)
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        with self._lock:
            self._put(key, value, ttl)

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def incr(self, key: str, ttl: float) -> int:
        with self._lock:
            value = self._live(key)
            if isinstance(value, int):
                expires = self._data[key][1]
                self._data[key] = (value + 1, expires)
                return value + 1
            self._put(key, 1, ttl)
            return 1


class RedisCache:
    """Redis with an in-process stand-in for the times it does not answer."""

    backend = "redis"

    def __init__(
        self, url: str, *, prefix: str = "aura:", retry_seconds: float = 5.0, timeout: float = 0.5
    ) -> None:
        import redis  # only with a Redis URL: the embedded platform never loads the client

        self._errors = redis.RedisError
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.prefix, self.retry_seconds = prefix, retry_seconds
        self.fallback = MemoryCache()
        self.up = True
        self._retry_at = 0.0
        self._lock = threading.Lock()
        REDIS_UP.set(1)

    def _call(self, action: str, fn: Any, fallback: Any) -> Any:
        if not self.up and time.monotonic() < self._retry_at:
            FALLBACKS.inc()
            return fallback()
        try:
            result = fn()
        except self._errors as exc:
            with self._lock:
                if self.up:
                    log.warning(
                        "Redis unavailable; serving from the in-process cache",
                        extra={"action": action, "reason": str(exc)},
                    )
                    self.up = False
                    REDIS_UP.set(0)
                self._retry_at = time.monotonic() + self.retry_seconds
            FALLBACKS.inc()
            return fallback()
        if not self.up:
            with self._lock:
                if not self.up:
                    log.info("Redis is back; cache served by Redis again")
                    self.up = True
                    REDIS_UP.set(1)
        return result

    def get(self, key: str) -> bytes | None:
        k = self.prefix + key
        return self._call("get", lambda: self.client.get(k), lambda: self.fallback.get(key))

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        k = self.prefix + key
        px = None if ttl is None else max(1, int(ttl * 1000))
        self._call(
            "set",
            lambda: self.client.set(k, value, px=px),
            lambda: self.fallback.set(key, value, ttl),
        )

    def delete(self, key: str) -> None:
        k = self.prefix + key
        self._call("delete", lambda: self.client.delete(k), lambda: self.fallback.delete(key))

    def incr(self, key: str, ttl: float) -> int:
        k = self.prefix + key

        def via_redis() -> int:
            with self.client.pipeline() as pipe:
                pipe.incr(k)
                pipe.pexpire(k, max(1, int(ttl * 1000)), nx=True)
                return int(pipe.execute()[0])

        return int(self._call("incr", via_redis, lambda: self.fallback.incr(key, ttl)))


def make_cache(redis_url: str | None) -> Cache:
    return RedisCache(redis_url) if redis_url else MemoryCache()


# ---- what Aura keeps in it ---------------------------------------------------------------


def get_json(cache: Cache, key: str) -> Any | None:
    raw = cache.get(key)
    return None if raw is None else json.loads(raw)


def set_json(cache: Cache, key: str, value: Any, ttl: float | None = None) -> None:
    cache.set(key, json.dumps(value, separators=(",", ":")).encode(), ttl)


def analysis_key(image_sha256: str, model: str) -> str:
    """Repeated analyses of the same image by the same model are served from the cache."""
    return f"analysis:{model}:{image_sha256}"


def session_key(session_id: str) -> str:
    return f"session:{session_id}"


def allow_request(cache: Cache, subject: str, per_minute: int) -> bool:
    """Fixed one-minute window rate limit; True while ``subject`` is under ``per_minute``."""
    if per_minute <= 0:
        return True
    window = int(time.time() // 60)
    return cache.incr(f"rate:{subject}:{window}", 61) <= per_minute
