"""Workers starting together on a new database: each migrates and loads the library if it is
missing, and they take turns, so every one starts and the library is loaded once."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from habitloop.application import Application
from habitloop.tasks import repository
from habitloop.tasks.service import stored_library
from tests.conftest import database_url_for, make_settings

WORKERS = 4


def test_workers_starting_together_load_the_library_once(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    name = f"habitloop_first_start_{uuid.uuid4().hex[:8]}"
    settings = make_settings(database_url_for(backend, request, tmp_path_factory, name))
    ready = threading.Barrier(WORKERS)

    def start_worker(_: int) -> Application:
        ready.wait(timeout=30)
        return Application.start(settings, migrate=True)

    with ThreadPoolExecutor(WORKERS) as pool:
        started = list(pool.map(start_worker, range(WORKERS)))
    try:
        with started[0].db.transaction(write=False) as session:
            library = stored_library(session)
            state = repository.library_state(session)
        assert len(library) > 0
        # One load: the library's revision counts each load, and the rest found it there.
        assert state == (library.version, 1)
    finally:
        for application in started:
            application.close()
