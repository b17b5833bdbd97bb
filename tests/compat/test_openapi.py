"""The OpenAPI document describes both compatibility routes with their real models and both
ways to authenticate on them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from habitloop.api import create_app
from tests.conftest import make_settings

ROUTINE = "/api/user/{user_id}/routine/generate"
FEEDBACK = "/api/v1/feedback/task"


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'unused.db'}"
    # The document is served without the lifespan: no database is opened.
    response = TestClient(create_app(make_settings(url))).get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def schema(spec: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    name = ref["$ref"].rsplit("/", 1)[-1]
    found: dict[str, Any] = spec["components"]["schemas"][name]
    return found


def item_ref(prop: dict[str, Any]) -> dict[str, Any]:
    items: dict[str, Any] = prop["items"]
    return items


def json_schema(response: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = response["content"]["application/json"]["schema"]
    return found


def test_routine_generation_answers_200_with_the_routine_plan_response(
    spec: dict[str, Any],
) -> None:
    operation = spec["paths"][ROUTINE]["post"]
    assert "201" not in operation["responses"]
    ok = json_schema(operation["responses"]["200"])
    assert ok == {"$ref": "#/components/schemas/RoutinePlanResponse"}
    answer = schema(spec, ok)
    assert set(answer["properties"]) == {
        "status",
        "user_id",
        "routine_plan",
        "generation_metadata",
        "cached",
    }
    plan = schema(spec, answer["properties"]["routine_plan"])
    block = schema(spec, item_ref(plan["properties"]["time_blocks"]))
    assert set(block["properties"]) == {"block_name", "start_time", "end_time", "purpose", "tasks"}
    task = schema(spec, item_ref(block["properties"]["tasks"]))
    assert {"title", "start_time", "end_time", "task_library_id", "item_id"} <= set(
        task["properties"]
    )
    for status in ("401", "403", "404", "422"):
        assert json_schema(operation["responses"][status])["$ref"].endswith("/ErrorOut")


def test_routine_generation_takes_an_optional_body(spec: dict[str, Any]) -> None:
    body = spec["paths"][ROUTINE]["post"]["requestBody"]
    assert body.get("required", False) is False
    request = json_schema(body)
    ref = next(option for option in request["anyOf"] if "$ref" in option)
    fields = schema(spec, ref)["properties"]
    assert {"archetype", "preferences", "timezone", "date"} <= set(fields)


def test_the_feedback_call_describes_task_name_and_both_answers(spec: dict[str, Any]) -> None:
    operation = spec["paths"][FEEDBACK]["post"]
    for status in ("200", "201"):
        ok = json_schema(operation["responses"][status])
        assert ok == {"$ref": "#/components/schemas/FeedbackOut"}
    fields = schema(spec, json_schema(operation["requestBody"]))["properties"]
    assert {"task_name", "category", "completed"} <= set(fields)


@pytest.mark.parametrize(
    ("path", "method", "schemes"),
    [
        (ROUTINE, "post", [{"HTTPBearer": []}, {"APIKeyHeader": []}]),
        (FEEDBACK, "post", [{"HTTPBearer": []}, {"APIKeyHeader": []}]),
        ("/api/v1/feedback/batch", "post", [{"HTTPBearer": []}]),
        ("/api/v1/users/{user_id}/plans", "post", [{"HTTPBearer": []}]),
    ],
)
def test_a_client_key_is_documented_on_the_compatibility_routes_only(
    spec: dict[str, Any], path: str, method: str, schemes: list[dict[str, list[str]]]
) -> None:
    assert spec["paths"][path][method]["security"] == schemes
    key = spec["components"]["securitySchemes"]["APIKeyHeader"]
    assert (key["in"], key["name"]) == ("header", "X-API-Key")
