"""Requests creating the same user at the same moment: one creates it, the others update it,
and none fails, on both databases (PostgreSQL once answered the second with a 500)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx
from fastapi.testclient import TestClient

from habitloop.db import Database
from habitloop.users.repository import get_user
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user
from tests.conftest import auth

CLIENTS = 4
USERS = 6


def at_once(requests: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Send every request from its own thread, released together."""
    barrier = threading.Barrier(len(requests))

    def send(request: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return request()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


def test_simultaneous_puts_creating_one_user_answer_201_then_200(client: TestClient) -> None:
    archetypes = ["peak_performer", "foundation_builder"] * (CLIENTS // 2)
    for _ in range(USERS):
        user_id = uuid.uuid4()
        put = partial(client.put, f"/api/v1/users/{user_id}", headers=auth(user_id))
        responses = at_once([partial(put, json={"archetype": a}) for a in archetypes])
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * (CLIENTS - 1) + [201], [r.text for r in responses]
        stored = client.get(f"/api/v1/users/{user_id}", headers=auth(user_id)).json()
        assert stored["archetype"] in archetypes


def test_simultaneous_routine_calls_creating_one_user_all_answer_200(client: TestClient) -> None:
    body = {"archetype": "Peak Performer", "timezone": "Europe/Lisbon", "date": "2026-11-23"}
    for _ in range(USERS):
        user_id = uuid.uuid4()
        generate = partial(
            client.post, f"/api/user/{user_id}/routine/generate", json=body, headers=auth(user_id)
        )
        responses = at_once([generate] * CLIENTS)
        assert [r.status_code for r in responses] == [200] * CLIENTS, [r.text for r in responses]
        # One plan was made; every other caller got it as it was stored.
        assert sorted(r.json()["cached"] for r in responses) == [False] + [True] * (CLIENTS - 1)
        items = [
            sorted(
                t["item_id"] for b in r.json()["routine_plan"]["time_blocks"] for t in b["tasks"]
            )
            for r in responses
        ]
        assert all(i == items[0] for i in items)


def test_a_creation_waiting_on_another_uncommitted_one_updates_it(db: Database) -> None:
    """The race made deterministic: the first creation holds its transaction open while the
    second runs; the second must wait and then update, not fail on the primary key."""
    user_id = uuid.uuid4()
    second: list[bool] = []
    errors: list[BaseException] = []

    def create_again() -> None:
        try:
            with db.transaction() as session:
                data = UserIn.model_validate({"archetype": "foundation_builder"})
                second.append(put_user(session, user_id=user_id, data=data)[1])
        except BaseException as exc:
            errors.append(exc)

    with db.transaction() as session:
        data = UserIn.model_validate({"archetype": "peak_performer"})
        assert put_user(session, user_id=user_id, data=data)[1] is True
        other = threading.Thread(target=create_again)
        other.start()
        time.sleep(0.5)  # the second creation reaches the database while this one is open
    other.join(timeout=30)
    assert errors == [] and second == [False]
    with db.transaction(write=False) as session:
        stored = get_user(session, user_id)
    assert stored is not None and stored.archetype == "foundation_builder"
