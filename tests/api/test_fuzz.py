"""Whatever a client sends, generated from our own OpenAPI document, the answer is never a 5xx."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.openapi import from_asgi

from tests.conftest import auth

SERVICE_HEADERS = auth(None, service=True)


def test_no_generated_request_makes_a_server_error(client: TestClient) -> None:
    schema = from_asgi("/openapi.json", client.app)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def no_server_error(case: Any) -> None:
            response = case.call(headers=SERVICE_HEADERS)
            assert response.status_code < 500, (case.method, case.path, case.body, response.text)

        no_server_error()
        checked.append(operation.label)
    assert len(checked) >= 8, checked
