"""Bearer tokens: HS256 JWTs with ``sub`` (the user's UUID), ``role`` and ``exp``; and client
keys, which the compatibility routes accept in ``X-API-Key``.

Tokens must carry ``aud`` = ``authenticated`` (as Supabase issues them) and an ``exp`` no further
ahead than the server's maximum lifetime; a refused token is told why in plain words.

When no secret is configured, one is created on first start next to the SQLite database (mode
0600) and reused, so ``habitloop token`` and the server agree without any setup.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any
from uuid import UUID

import jwt

from habitloop.errors import Forbidden, HabitloopError, Unauthorized
from habitloop.settings import Settings

ALGORITHM = "HS256"
AUDIENCE = "authenticated"
SECRET_FILE_NAME = ".habitloop_jwt_secret"
# Clocks of the issuer and this server may differ a little; an expiry exactly at the maximum
# lifetime must still pass.
CLOCK_SKEW_SECONDS = 60


class Role(StrEnum):
    AUTHENTICATED = "authenticated"
    SERVICE = "service_role"
    # Never carried by a token: only a configured client key makes this principal.
    CLIENT_KEY = "client_key"


TOKEN_ROLES = frozenset({Role.AUTHENTICATED, Role.SERVICE})


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    user_id: UUID | None

    @property
    def is_service(self) -> bool:
        return self.role is Role.SERVICE

    def require_user(self, user_id: UUID) -> None:
        """A user token may act only on its own id; the service role and a client key (which
        only the compatibility routes accept) on anyone."""
        if self.is_service or self.role is Role.CLIENT_KEY or self.user_id == user_id:
            return
        raise Forbidden("this token may not act on another user")

    def require_service(self) -> None:
        if not self.is_service:
            raise Forbidden("this action needs a service_role token")


class ConfigurationError(HabitloopError):
    status = 500


def secret_file(settings: Settings) -> Path | None:
    if settings.jwt_secret_file is not None:
        return settings.jwt_secret_file
    db_path = settings.sqlite_path
    return db_path.resolve().parent / SECRET_FILE_NAME if db_path is not None else None


def resolve_secret(settings: Settings, *, create: bool = True) -> str:
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    path = secret_file(settings)
    if path is None:
        raise ConfigurationError(
            "HABITLOOP_JWT_SECRET is not set; set it (Supabase: the project's JWT secret)"
        )
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    if not create:
        raise ConfigurationError(f"no JWT secret yet: start the service once or set {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting together keep whichever secret was written first.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


def issue_token(
    secret: str, user_id: UUID | None, *, service: bool, ttl: timedelta, now: datetime
) -> str:
    claims: dict[str, Any] = {
        "role": (Role.SERVICE if service else Role.AUTHENTICATED).value,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    if user_id is not None:
        claims["sub"] = str(user_id)
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def max_token_lifetime(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.token_max_ttl_seconds)


def decode_token(secret: str, token: str) -> Principal:
    return _principal(_claims(secret, token))


def authenticate(secret: str, token: str, now: datetime, *, max_ttl: timedelta) -> Principal:
    """The token's principal, its signature and claims checked once per token: a token that
    was valid stays so until its ``exp``, which is checked on every call. A token may live at
    most ``max_ttl``, counted from its ``iat`` when it has one and from ``now`` in any case, so
    a leaked token is not a key for years."""
    principal, expires, lifetime = _checked(secret, token)
    moment = now.timestamp()
    if moment >= expires:
        raise Unauthorized("the token has expired")
    longest = max_ttl.total_seconds()
    if lifetime > longest or expires - moment > longest + CLOCK_SKEW_SECONDS:
        raise Unauthorized(
            f"the token lives too long: this server accepts tokens that expire within "
            f"{int(longest)} seconds of being issued"
        )
    return principal


@lru_cache(maxsize=4096)
def _checked(secret: str, token: str) -> tuple[Principal, float, float]:
    claims = _claims(secret, token)
    expires = float(claims["exp"])
    issued = claims.get("iat")
    lifetime = expires - float(issued) if isinstance(issued, int | float) else 0.0
    return _principal(claims), expires, lifetime


# Checked in order: a bad signature is a kind of DecodeError, and must be named as such.
_REFUSALS: tuple[tuple[type[jwt.InvalidTokenError], str], ...] = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.InvalidSignatureError, "the token's signature does not match this server's secret"),
    (jwt.InvalidAlgorithmError, f"the token must be signed with {ALGORITHM}"),
    (jwt.InvalidAudienceError, f"the token's audience (aud) must be '{AUDIENCE}'"),
    (jwt.ImmatureSignatureError, "the token is not valid yet: its nbf or iat lies ahead"),
    (jwt.InvalidIssuedAtError, "the token's issue time (iat) must be a number of seconds"),
    (
        jwt.DecodeError,
        "the token is malformed: expected a JWT (header.payload.signature) whose dates are numbers",
    ),
)


def _refusal(exc: jwt.InvalidTokenError) -> str:
    """What is wrong with a token, in words of our own: the JWT library's messages are
    neither stable nor written for the API's clients."""
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"the token has no '{exc.claim}' claim; tokens need 'exp' and 'aud' ({AUDIENCE})"
    for kind, message in _REFUSALS:
        if isinstance(exc, kind):
            return message
    return "the token is invalid"


def _claims(secret: str, token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "aud"]},
        )
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(_refusal(exc)) from None
    return claims


def _principal(claims: dict[str, Any]) -> Principal:
    claimed = claims.get("role", Role.AUTHENTICATED.value)
    if not isinstance(claimed, str) or claimed not in TOKEN_ROLES:
        raise Unauthorized("the token's role is neither 'authenticated' nor 'service_role'")
    role = Role(claimed)
    sub = claims.get("sub")
    user_id: UUID | None = None
    if sub is not None:
        try:
            user_id = UUID(str(sub))
        except ValueError as exc:
            if role is not Role.SERVICE:
                raise Unauthorized("the token's subject is not a user id") from exc
    if role is Role.AUTHENTICATED and user_id is None:
        raise Unauthorized("a user token needs a 'sub' claim with the user's id")
    return Principal(role=role, user_id=user_id)


def client_key_principal(digests: tuple[bytes, ...], key: str) -> Principal:
    """The principal of a configured client key. Every digest is compared, in constant time,
    so neither the answer's timing nor the error tells which key came close."""
    if not digests:
        raise Unauthorized(
            "client keys are not enabled on this server (HABITLOOP_CLIENT_API_KEYS); "
            "send a bearer token"
        )
    sent = hashlib.sha256(key.encode()).digest()
    matched = False
    for digest in digests:
        matched |= hmac.compare_digest(sent, digest)
    if not matched:
        raise Unauthorized("invalid client key")
    return Principal(role=Role.CLIENT_KEY, user_id=None)
