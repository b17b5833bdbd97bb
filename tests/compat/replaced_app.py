"""The replaced system's app, as far as it talks to the server: it asks for the day's routine,
reads ``routine_plan.time_blocks[].block_name`` and each task's ``title``, ``start_time`` and
``end_time``, and answers about a task by its name."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.compat.conftest import CLIENT_KEY
from tests.conftest import auth


@dataclass(frozen=True)
class ShownTask:
    title: str
    start_time: str
    end_time: str
    category: str


@dataclass(frozen=True)
class ShownBlock:
    block_name: str
    start_time: str
    end_time: str
    tasks: list[ShownTask]


def headers_for(credentials: str, user_id: uuid.UUID) -> dict[str, str]:
    if credentials == "client key":
        return {"X-API-Key": CLIENT_KEY}
    return auth(user_id)


class ReplacedApp:
    def __init__(self, client: TestClient, credentials: str, user_id: uuid.UUID) -> None:
        self.client = client
        self.user_id = user_id
        self.headers = headers_for(credentials, user_id)

    def generate(self, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.post(
            f"/api/user/{self.user_id}/routine/generate", json=body, headers=self.headers
        )

    def today(self, body: dict[str, Any] | None = None) -> list[ShownBlock]:
        """What the app shows; it accepts only a 200."""
        response = self.generate(body)
        assert response.status_code == 200, response.text
        return [
            ShownBlock(
                block_name=block["block_name"],
                start_time=block["start_time"],
                end_time=block["end_time"],
                tasks=[
                    ShownTask(t["title"], t["start_time"], t["end_time"], t["category"])
                    for t in block["tasks"]
                ],
            )
            for block in response.json()["routine_plan"]["time_blocks"]
        ]

    def done(self, task: ShownTask, **extra: Any) -> httpx.Response:
        body = {
            "user_id": str(self.user_id),
            "task_name": task.title,
            "category": task.category,
            "completed": True,
            **extra,
        }
        return self.client.post("/api/v1/feedback/task", json=body, headers=self.headers)
