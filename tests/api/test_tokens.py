"""What a bearer token must be: HS256 with this server's secret, ``aud`` = ``authenticated``,
and an ``exp`` within the maximum lifetime (HABITLOOP_TOKEN_MAX_TTL_SECONDS). A refused token
is told what is wrong in our own words, never the JWT library's."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from habitloop import auth as auth_module
from habitloop.api import create_app
from habitloop.auth import authenticate, issue_token
from habitloop.errors import Unauthorized
from habitloop.settings import Settings
from tests.conftest import JWT_SECRET, make_settings

DAY = 86_400


def signed(secret: str = JWT_SECRET, algorithm: str = "HS256", **claims: Any) -> str:
    return jwt.encode(claims, secret, algorithm)


def claims_for(user: uuid.UUID, lifetime: int = 3600, **extra: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    base = {"sub": str(user), "role": "authenticated", "aud": "authenticated"}
    return {**base, "iat": now, "exp": now + lifetime, **extra}


def answer(client: TestClient, user: uuid.UUID, token: str) -> tuple[int, str]:
    response = client.put(
        f"/api/v1/users/{user}",
        json={"archetype": "peak_performer"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code, response.json().get("detail", "")


def without(claims: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in claims.items() if k != name}


def refusals() -> list[Any]:
    user = uuid.uuid4()
    now = int(datetime.now(UTC).timestamp())
    other_secret = "another-secret-that-is-long-enough-0123456789"
    cases = {
        "garbage": ("not-a-jwt", "the token is malformed"),
        "three-segments": ("a.b.c", "the token is malformed"),
        "other-secret": (signed(other_secret, **claims_for(user)), "signature does not match"),
        "expired": (signed(**claims_for(user, iat=now - 7200, exp=now - 60)), "has expired"),
        "other-audience": (signed(**claims_for(user, aud="someone")), "audience (aud) must be"),
        "no-audience": (signed(**without(claims_for(user), "aud")), "no 'aud' claim"),
        "no-expiry": (signed(**without(claims_for(user), "exp")), "no 'exp' claim"),
        "hundred-years": (signed(**claims_for(user, lifetime=36_500 * DAY)), "lives too long"),
        "two-days": (signed(**claims_for(user, lifetime=2 * DAY)), "lives too long"),
        "two-days-no-iat": (
            signed(**without(claims_for(user, lifetime=2 * DAY), "iat")),
            "lives too long",
        ),
        "not-yet": (signed(**claims_for(user, nbf=now + 600)), "not valid yet"),
        "hs512": (signed("x" * 64, "HS512", **claims_for(user)), "signed with HS256"),
        "text-expiry": (signed(**claims_for(user, exp="tomorrow")), "the token is malformed"),
    }
    return [pytest.param(user, token, says, id=name) for name, (token, says) in cases.items()]


@pytest.mark.parametrize(("user", "token", "says"), refusals())
def test_a_bad_token_is_401_with_a_plain_reason(
    client: TestClient, user: uuid.UUID, token: str, says: str
) -> None:
    status, detail = answer(client, user, token)
    assert status == 401
    assert says in detail
    # The JWT library's own wording never reaches the client.
    for library_words in ("Not enough segments", "Signature verification failed", "Invalid"):
        assert library_words not in detail


def test_a_missing_token_says_so(client: TestClient) -> None:
    response = client.get(f"/api/v1/users/{uuid.uuid4()}")
    assert response.status_code == 401
    assert "missing bearer token" in response.json()["detail"]


def test_tokens_up_to_the_maximum_lifetime_are_accepted(client: TestClient) -> None:
    user = uuid.uuid4()
    assert answer(client, user, signed(**claims_for(user, lifetime=DAY)))[0] == 201
    supabase_style = claims_for(user, lifetime=3600, aud=["authenticated", "other"])
    assert answer(client, user, signed(**supabase_style))[0] == 200


@pytest.fixture
def hour_at_most(settings: Settings) -> Iterator[TestClient]:
    app = create_app(make_settings(settings.database_url, token_max_ttl_seconds=3600))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_the_maximum_lifetime_is_a_setting(hour_at_most: TestClient) -> None:
    user = uuid.uuid4()
    status, detail = answer(hour_at_most, user, signed(**claims_for(user, lifetime=7200)))
    assert status == 401 and "within 3600 seconds" in detail
    assert answer(hour_at_most, user, signed(**claims_for(user, lifetime=3600)))[0] == 201


def test_a_token_is_verified_once_and_its_expiry_checked_on_every_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = datetime.now(UTC)
    token = issue_token(JWT_SECRET, uuid.uuid4(), service=False, ttl=timedelta(hours=1), now=now)
    decoded: list[str] = []
    real = jwt.decode

    def counting(*args: Any, **kwargs: Any) -> Any:
        decoded.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(auth_module.jwt, "decode", counting)
    auth_module._checked.cache_clear()
    for seconds in (0, 60, 3000):
        authenticate(JWT_SECRET, token, now + timedelta(seconds=seconds), max_ttl=timedelta(days=1))
    assert decoded == [token]
    with pytest.raises(Unauthorized, match="expired"):
        authenticate(JWT_SECRET, token, now + timedelta(hours=2), max_ttl=timedelta(days=1))
