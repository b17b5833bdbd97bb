"""Client keys act for any user on the compatibility routes only; anywhere else, or wrong, or
where none are configured, they are a 401. A bearer token keeps working beside them."""

from __future__ import annotations

import uuid

import jwt
import pytest
from fastapi.testclient import TestClient

from habitloop.auth import Role, decode_token
from habitloop.errors import Unauthorized
from tests.compat.conftest import CLIENT_KEY, DIGEST_ONLY_KEY
from tests.conftest import JWT_SECRET, auth

KEY = {"X-API-Key": CLIENT_KEY}


def generate(client: TestClient, user_id: uuid.UUID, headers: dict[str, str]) -> int:
    response = client.post(
        f"/api/user/{user_id}/routine/generate",
        json={"archetype": "peak_performer"},
        headers=headers,
    )
    assert set(response.json()) >= ({"error", "detail"} if response.is_error else {"status"})
    return response.status_code


def test_a_key_acts_for_any_user_and_a_digest_configured_key_too(
    compat_client: TestClient,
) -> None:
    for key in (CLIENT_KEY, DIGEST_ONLY_KEY):
        assert generate(compat_client, uuid.uuid4(), {"X-API-Key": key}) == 200


def test_a_token_acts_only_for_its_own_user(compat_client: TestClient) -> None:
    own, other = uuid.uuid4(), uuid.uuid4()
    assert generate(compat_client, own, auth(own)) == 200
    assert generate(compat_client, other, auth(own)) == 403
    # A token, when sent, is the caller: a key beside it adds no reach.
    assert generate(compat_client, other, {**auth(own), **KEY}) == 403


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ({}, "missing credentials"),
        ({"X-API-Key": CLIENT_KEY[:-1] + "!"}, "invalid client key"),
        ({"X-API-Key": ""}, "missing credentials"),
        ({"Authorization": "Bearer not-a-jwt"}, "the token is malformed"),
    ],
)
def test_missing_or_wrong_credentials_are_401(
    compat_client: TestClient, headers: dict[str, str], says: str
) -> None:
    response = compat_client.post(
        f"/api/user/{uuid.uuid4()}/routine/generate", json={}, headers=headers
    )
    assert response.status_code == 401, response.text
    assert says in response.json()["detail"]


def test_a_key_on_any_other_route_is_401(compat_client: TestClient) -> None:
    user_id = uuid.uuid4()
    assert generate(compat_client, user_id, KEY) == 200
    event = {"user_id": str(user_id), "task_name": "Morning Lemon Water", "completed": True}
    for method, path, body in [
        ("GET", f"/api/v1/users/{user_id}", None),
        ("PUT", f"/api/v1/users/{user_id}", {"archetype": "peak_performer"}),
        ("POST", f"/api/v1/users/{user_id}/plans", {"date": "2026-11-23"}),
        ("GET", f"/api/v1/feedback/profile/{user_id}", None),
        ("POST", "/api/v1/feedback/batch", {"events": [event]}),
        ("GET", "/api/v1/tasks", None),
    ]:
        response = compat_client.request(method, path, json=body, headers=KEY)
        assert response.status_code == 401, (path, response.text)
        assert "only on the compatibility routes" in response.json()["detail"]


def test_the_feedback_call_takes_a_key_for_the_user_in_its_body(
    compat_client: TestClient,
) -> None:
    user_id = uuid.uuid4()
    assert generate(compat_client, user_id, KEY) == 200
    body = {"user_id": str(user_id), "task_name": "morning-lemon-water", "completed": False}
    assert compat_client.post("/api/v1/feedback/task", json=body, headers=KEY).status_code == 201
    stranger = compat_client.post("/api/v1/feedback/task", json=body, headers=auth(uuid.uuid4()))
    assert stranger.status_code == 403


def test_a_key_is_refused_where_no_keys_are_configured(client: TestClient) -> None:
    response = client.post(f"/api/user/{uuid.uuid4()}/routine/generate", json={}, headers=KEY)
    assert response.status_code == 401
    assert "client keys are not enabled" in response.json()["detail"]


def test_no_token_can_claim_the_client_key_role() -> None:
    forged = jwt.encode(
        {"role": Role.CLIENT_KEY.value, "aud": "authenticated", "exp": 4_000_000_000}, JWT_SECRET
    )
    with pytest.raises(Unauthorized, match="neither 'authenticated' nor 'service_role'"):
        decode_token(JWT_SECRET, forged)
