"""A task sent to the API holds only text PostgreSQL can store, in every field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from habitloop.api import create_app
from tests.conftest import make_settings
from tests.support.http import escaped
from tests.tasks.test_endpoints import SERVICE, new_task


@pytest.fixture(scope="module")
def library_client(library_database_url: str) -> Iterator[TestClient]:
    settings = make_settings(library_database_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("text", ["a\ud800b", "a\x00b"], ids=["surrogate", "nul"])
@pytest.mark.parametrize("field", ["name", "description", "subcategory", "tags"])
def test_unstorable_text_in_a_task_is_422(
    library_client: TestClient, field: str, text: str
) -> None:
    task = new_task(**{field: ["quick", text] if field == "tags" else text})
    response = library_client.post("/api/v1/tasks", **escaped(task, SERVICE))
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]
    listed = library_client.get("/api/v1/tasks", headers=SERVICE).json()
    assert task["id"] not in {t["id"] for t in listed}
