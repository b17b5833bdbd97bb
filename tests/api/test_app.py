"""The app as a whole: the routes it serves and the OpenAPI document that describes them."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_openapi_document_is_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/users/{user_id}/plans" in spec["paths"]
