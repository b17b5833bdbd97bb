from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
from fastapi.testclient import TestClient

from tests.conftest import JWT_SECRET, UserHandle, auth, token_for


def test_no_token_is_401(client: TestClient) -> None:
    response = client.put(f"/api/v1/users/{uuid.uuid4()}", json={"archetype": "peak_performer"})
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


def test_garbage_and_wrongly_signed_tokens_are_401(client: TestClient) -> None:
    user = uuid.uuid4()
    forged = jwt.encode(
        {"sub": str(user), "role": "authenticated", "exp": 4_000_000_000}, "x" * 40, "HS256"
    )
    for token in ("not-a-jwt", forged):
        response = client.get(f"/api/v1/users/{user}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, response.text


def test_expired_token_is_401(client: TestClient) -> None:
    user = uuid.uuid4()
    now = datetime.now(UTC)
    token = jwt.encode(
        {
            "sub": str(user),
            "role": "authenticated",
            "aud": "authenticated",
            "exp": int((now - timedelta(minutes=5)).timestamp()),
        },
        JWT_SECRET,
        "HS256",
    )
    response = client.get(f"/api/v1/users/{user}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_another_users_id_is_refused_and_reveals_nothing(
    client: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    owner = new_user()
    assert owner.plan("2026-11-23").status_code == 201
    intruder = new_user()
    for response in (
        client.get(f"/api/v1/users/{owner.id}", headers=intruder.headers),
        client.get(f"/api/v1/users/{owner.id}/plans/2026-11-23", headers=intruder.headers),
        client.post(
            f"/api/v1/users/{owner.id}/plans", json={"date": "2026-11-24"}, headers=intruder.headers
        ),
        client.put(
            f"/api/v1/users/{owner.id}",
            json={"archetype": "foundation_builder"},
            headers=intruder.headers,
        ),
    ):
        assert response.status_code == 403
        assert str(owner.id) not in response.text
    # The owner's data is untouched by the refused writes.
    assert (
        owner.client.get(f"/api/v1/users/{owner.id}", headers=owner.headers).json()["archetype"]
        == "peak_performer"
    )


def test_service_role_acts_on_any_user(
    client: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    user = new_user()
    response = client.post(
        f"/api/v1/users/{user.id}/plans",
        json={"date": "2026-11-23"},
        headers=auth(None, service=True),
    )
    assert response.status_code == 201


def test_supabase_style_token_is_accepted(client: TestClient) -> None:
    user = uuid.uuid4()
    now = int(datetime.now(UTC).timestamp())
    token = jwt.encode(
        {
            "sub": str(user),
            "role": "authenticated",
            "aud": "authenticated",
            "iat": now,
            "exp": now + 3600,
        },
        JWT_SECRET,
        "HS256",
    )
    response = client.put(
        f"/api/v1/users/{user}",
        json={"archetype": "connected_explorer"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201


def test_wrong_audience_or_role_is_401(client: TestClient) -> None:
    user = uuid.uuid4()
    for claims in (
        {"sub": str(user), "role": "authenticated", "aud": "someone-else"},
        {"sub": str(user), "role": "admin"},
        {"role": "authenticated"},
    ):
        token = jwt.encode({**claims, "exp": 4_000_000_000}, JWT_SECRET, "HS256")
        response = client.get(f"/api/v1/users/{user}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, claims


def test_user_token_cannot_use_admin_routes(client: TestClient) -> None:
    user = uuid.uuid4()
    response = client.post(
        "/api/v1/tasks", json={}, headers={"Authorization": f"Bearer {token_for(user)}"}
    )
    assert response.status_code == 403
