"""API keys and per-key rate limits (the policy; `api/deps.py` applies it to routes).

Keys come from configuration as `id:secret` pairs (`GATEWAY_API_KEYS`); a bare secret
gets the id `key-<first 8 hex of its SHA-256>`. Only the id is ever logged. Secrets are
looked up by their SHA-256, so the lookup time says nothing about a wrong guess.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass

ADMIN_KEY_ID = "admin"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    key_id: str | None  # None: no key (the API is open)
    is_admin: bool = False


class KeyRing:
    def __init__(self, api_keys: str = "", admin_key: str = "") -> None:
        self._ids: dict[str, str] = {}
        for entry in (e.strip() for e in api_keys.split(",")):
            if not entry:
                continue
            key_id, sep, secret = entry.partition(":")
            if not sep:
                key_id, secret = f"key-{_digest(entry)[:8]}", entry
            if not secret:
                raise ValueError(f"GATEWAY_API_KEYS entry {key_id!r} has an empty secret")
            self._ids[_digest(secret)] = key_id
        self._admin = _digest(admin_key) if admin_key else None

    @property
    def required(self) -> bool:
        """Whether API routes need a key (some API key is configured)."""
        return bool(self._ids)

    @property
    def has_admin(self) -> bool:
        return self._admin is not None

    def identify(self, secret: str) -> Caller | None:
        digest = _digest(secret)
        if self._admin is not None and digest == self._admin:
            return Caller(ADMIN_KEY_ID, is_admin=True)
        key_id = self._ids.get(digest)
        return None if key_id is None else Caller(key_id)


# Past this many callers, buckets that have refilled completely are forgotten (they
# would start full anyway), so anonymous callers cannot grow the table without bound.
_MAX_BUCKETS = 10_000


class RateLimiter:
    """A token bucket per caller: `per_minute` sustained, `burst` at once. 0 = no limit."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate_per_s = per_minute / 60.0
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate_per_s > 0

    def acquire(self, key: str) -> float:
        """Take one token; 0.0 if allowed, else the seconds until one is available."""
        if not self.enabled:
            return 0.0
        now = time.monotonic()
        with self._lock:
            if len(self._buckets) > _MAX_BUCKETS:
                self._forget_full(now)
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate_per_s)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return math.ceil((1.0 - tokens) / self.rate_per_s * 1000) / 1000

    def _forget_full(self, now: float) -> None:
        refill_s = self.burst / self.rate_per_s
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill_s}
