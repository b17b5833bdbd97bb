"""Rate limits: writes per user and per client address, and failed authentication per address.

A person using an app never comes near them; a script hammering the API does, and gets 429 with
``Retry-After`` and the usual ``{"error", "detail"}`` body. Counts live in each worker process's
memory (the ``limits`` library's moving windows), so with N workers a client that spreads its
connections over them can get up to N times a limit; ``HABITLOOP_RATE_LIMIT=off`` turns them off.

Each limit is a ``limits`` string such as ``"20/second;120/minute"``: a request passes when
every window has room, so the short window bounds a burst and the long one the sustained rate.
A refused request takes no room in any window, and a request that one window refuses takes none
in the others, so a client that waits ``Retry-After`` seconds gets through.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from ipaddress import IPv6Address, ip_address, ip_network

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from prometheus_client import CollectorRegistry, Counter

from habitloop.api.errors import error_body
from habitloop.auth import Principal, Role
from habitloop.errors import HabitloopError, Unauthorized
from habitloop.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# One IPv6 host is usually handed a whole /64: counting its addresses apart would let it
# multiply every per-address limit by changing the low bits.
IPV6_PREFIX = 64

Limit = tuple[RateLimitItem, ...]


class RateLimited(HabitloopError):
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def client_address(request: Request) -> str:
    """The key a client's address is counted under: IPv4 as it is, IPv6 by its /64."""
    host = request.client.host if request.client is not None else "unknown"
    try:
        address = ip_address(host)
    except ValueError:
        return host
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ip_network((address, IPV6_PREFIX), strict=False))
    return str(address)


class RateLimits:
    """The limits of one worker process, checked on the event loop (no IO, no awaiting), so
    testing every window and then taking room in each cannot interleave with another request."""

    def __init__(
        self,
        *,
        user_writes: Limit,
        address_writes: Limit,
        failed_auth: Limit,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.user_writes = user_writes
        self.address_writes = address_writes
        self.failed_auth = failed_auth
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._refused = Counter(
            "habitloop_rate_limited_total",
            "Requests refused with 429, by the limit that refused them.",
            ["limit"],
            registry=registry,
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, registry: CollectorRegistry | None = None
    ) -> RateLimits | None:
        """The configured limits, or None when ``HABITLOOP_RATE_LIMIT`` is off."""
        if not settings.rate_limit:
            return None
        return cls(
            user_writes=tuple(parse_many(settings.rate_limit_user_writes)),
            address_writes=tuple(parse_many(settings.rate_limit_address_writes)),
            failed_auth=tuple(parse_many(settings.rate_limit_failed_auth)),
            registry=registry,
        )

    def admit_write(self, principal: Principal, address: str) -> None:
        """Take room for one write, or raise ``RateLimited``. A user token counts against its
        user and its address; the service role and a client key act for many users, so only
        their address counts."""
        checks: list[tuple[str, Limit, str]] = [("address_writes", self.address_writes, address)]
        if principal.role is Role.AUTHENTICATED and principal.user_id is not None:
            checks.append(("user_writes", self.user_writes, str(principal.user_id)))
        self._take(checks, "too many writes")

    def authenticated(self, address: str, attempt: Callable[[], Principal]) -> Principal:
        """``attempt()``'s principal. A failure counts against the address, and once the
        address is over its limit the answer is 429 instead of 401. Valid credentials are
        never refused for their address's failures: many people can share one address."""
        try:
            return attempt()
        except Unauthorized:
            self._take(
                [("failed_auth", self.failed_auth, address)],
                "too many failed authentication attempts",
            )
            raise

    def _take(self, checks: Sequence[tuple[str, Limit, str]], what: str) -> None:
        refused = [
            (name, item, key)
            for name, items, key in checks
            for item in items
            if not self._limiter.test(item, name, key)
        ]
        if refused:
            wait = max(self._wait(item, name, key) for name, item, key in refused)
            self._refused.labels(refused[0][0]).inc()
            raise RateLimited(
                f"{what} ({refused[0][1]} from one {_subject(refused[0][0])}); retry in {wait} s",
                retry_after=wait,
            )
        for name, items, key in checks:
            for item in items:
                self._limiter.hit(item, name, key)

    def _wait(self, item: RateLimitItem, name: str, key: str) -> int:
        """Whole seconds until the window's oldest request leaves it and makes room."""
        reset = self._limiter.get_window_stats(item, name, key).reset_time
        return max(1, math.ceil(reset - time.time()))


def _subject(limit_name: str) -> str:
    return "user" if limit_name == "user_writes" else "address"


def rate_limits(request: Request) -> RateLimits | None:
    limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    return limits


def install_rate_limits(app: FastAPI, limits: RateLimits | None) -> None:
    """Keep the limits on the app and answer ``RateLimited`` with 429 and ``Retry-After``."""
    app.state.rate_limits = limits

    @app.exception_handler(RateLimited)
    async def _limited(_: Request, exc: RateLimited) -> JSONResponse:
        return JSONResponse(
            error_body(exc.kind, exc.message),
            status_code=exc.status,
            headers={"Retry-After": str(exc.retry_after)},
        )
