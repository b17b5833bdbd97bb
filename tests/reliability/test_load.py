"""Fifty clients for a minute against two real workers: no 5xx, and every acknowledged write
stored exactly once (plans by user and date, answers by feedback_id), every plan whole, every
profile equal to a recomputation from the stored answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.conftest import ServerFactory, database_for, verify
from tests.reliability.load import Outcome, Pool, run_load

CLIENTS = 50
SECONDS = 60
USERS = 40
DAYS = 10


def raced(outcome: Outcome) -> bool:
    """A same-key repeat after another client changed the answer: the key now names another
    answer, and the service says so (409) rather than undo the change."""
    return outcome.op == "repeat" and outcome.status == 409


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_fifty_clients_for_a_minute(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, serve: ServerFactory
) -> None:
    url = database_for(backend, request, tmp_path, "reliability_load")
    server = serve(url)
    pool = Pool.create(server.base_url, USERS, DAYS)
    ledger = run_load(server.base_url, pool, CLIENTS, SECONDS)
    server.stop()
    verify(f"{backend}, {CLIENTS} clients x {SECONDS} s", ledger, url, settled=True)
    assert not [o for o in ledger.outcomes if not 200 <= o.status < 300 and not raced(o)], (
        ledger.statuses()
    )
    assert ledger.plans and ledger.answers and ledger.checkins
