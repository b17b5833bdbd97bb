"""Every error the app answers with is JSON shaped ``{"error": ..., "detail": ...}``."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import UserHandle


def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


def test_malformed_json_is_422(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    response = user.client.post(
        f"/api/v1/users/{user.id}/plans",
        content=b'{"date": ',
        headers={**user.headers, "content-type": "application/json"},
    )
    assert response.status_code == 422
