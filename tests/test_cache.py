"""The cache: in-process, real Redis, and a Redis that dies and comes back."""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis
from prometheus_client import REGISTRY

from aura.storage.cache import MemoryCache, RedisCache, allow_request, get_json, set_json
from tests.server import free_port


def _redis_up() -> float | None:
    return REGISTRY.get_sample_value("aura_cache_redis_up")


def _exercise(cache) -> None:
    assert cache.get("missing") is None
    cache.set("k", b"v")
    assert cache.get("k") == b"v"
    cache.delete("k")
    assert cache.get("k") is None
    cache.set("short", b"x", ttl=0.05)
    time.sleep(0.15)
    assert cache.get("short") is None
    assert [cache.incr("n", 60) for _ in range(3)] == [1, 2, 3]
    set_json(cache, "j", {"a": [1, 2]})
    assert get_json(cache, "j") == {"a": [1, 2]}
    assert [allow_request(cache, "key", 2) for _ in range(3)] == [True, True, False]


def test_memory_cache() -> None:
    _exercise(MemoryCache())
    small = MemoryCache(max_entries=2)
    for k in "abc":
        small.set(k, k.encode())
    assert small.get("a") is None and small.get("c") == b"c"


@pytest.mark.redis
def test_redis_cache(redis_url: str) -> None:
    prefix = f"aura-test-{uuid.uuid4().hex}:"
    cache = RedisCache(redis_url, prefix=prefix)
    try:
        _exercise(cache)
        assert cache.up
    finally:
        for key in cache.client.scan_iter(f"{prefix}*"):
            cache.client.delete(key)
        cache.client.close()


class PrivateRedis:
    """A redis-server of our own on a free port, to stop and start at will."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.workdir, self.proc = free_port(), workdir, None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("private redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")
def test_redis_outage_is_survived_logged_once_and_recovered(tmp_path, caplog) -> None:
    server = PrivateRedis(tmp_path)
    server.start()
    cache = RedisCache(f"redis://127.0.0.1:{server.port}/0", retry_seconds=0.2, timeout=0.3)
    caplog.set_level(logging.INFO, "aura.cache")
    try:
        cache.set("a", b"1")
        assert cache.get("a") == b"1" and cache.up and _redis_up() == 1
        server.stop()
        for _ in range(20):  # keeps serving, from the in-process stand-in
            cache.set("b", b"2")
            assert cache.get("b") == b"2"
            assert cache.incr("n", 60) >= 1
        assert not cache.up and _redis_up() == 0
        warnings = [r for r in caplog.records if "Redis unavailable" in r.message]
        assert len(warnings) == 1
        server.start()  # an empty Redis comes back: nothing in the cache is a source of truth
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not cache.up:
            cache.set("c", b"3")
            time.sleep(0.05)
        assert cache.up and _redis_up() == 1
        assert cache.get("c") == b"3"
        assert redis.Redis(port=server.port).get("aura:c") == b"3"  # really in Redis again
        assert any("Redis is back" in r.message for r in caplog.records)
    finally:
        server.stop()
        cache.client.close()
