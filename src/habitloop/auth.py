"""Bearer tokens: HS256 JWTs with ``sub`` (the user's UUID), ``role`` and ``exp``; and client
keys, which the compatibility routes accept in ``X-API-Key``.

Tokens Supabase issues (``aud`` = ``authenticated``) are accepted as they are. When no secret is
configured, one is created on first start next to the SQLite database (mode 0600) and reused, so
``habitloop token`` and the server agree without any setup.
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


def decode_token(secret: str, token: str) -> Principal:
    return _principal(_claims(secret, token))


def authenticate(secret: str, token: str, now: datetime) -> Principal:
    """The token's principal, its signature and claims checked once per token: a token that
    was valid stays so until its ``exp``, which is checked on every call."""
    principal, expires = _checked(secret, token)
    if now.timestamp() >= expires:
        raise Unauthorized("the token has expired")
    return principal


@lru_cache(maxsize=4096)
def _checked(secret: str, token: str) -> tuple[Principal, float]:
    claims = _claims(secret, token)
    return _principal(claims), float(claims["exp"])


def _claims(secret: str, token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("the token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc
    return claims


def _principal(claims: dict[str, Any]) -> Principal:
    aud = claims.get("aud")
    if aud is not None and AUDIENCE not in (aud if isinstance(aud, list) else [aud]):
        raise Unauthorized("the token's audience is not 'authenticated'")
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
