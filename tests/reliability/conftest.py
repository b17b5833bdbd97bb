"""Real servers for the reliability suite, and the figures each run reports at the end of the
session (requests, statuses, acknowledged against stored, recovery times)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from habitloop.db import Database, create_db_engine
from habitloop.learning.catch_up import catch_up_everyone
from habitloop.settings import load_settings
from habitloop.tasks.files import configured_library
from habitloop.tasks.service import LibraryCache
from tests.conftest import JWT_SECRET
from tests.reliability.load import Ledger
from tests.reliability.stored import (
    Stored,
    answer_problems,
    plan_problems,
    profile_problems,
    read_store,
)
from tests.support.postgres import PostgresCluster
from tests.support.server import ServerProcess

FIGURES: list[str] = []
WORKERS = 2


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.write_sep("-", "reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


def server_env(database_url: str) -> dict[str, str]:
    # The clients post far faster than a person: the rate limits would refuse them.
    return {
        "HABITLOOP_DATABASE_URL": database_url,
        "HABITLOOP_JWT_SECRET": JWT_SECRET,
        "HABITLOOP_RATE_LIMIT": "off",
    }


def database_for(backend: str, request: pytest.FixtureRequest, folder: Path, name: str) -> str:
    """An empty database: ``habitloop serve`` migrates it and loads the library, as it would
    in a new deployment."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'habitloop.db'}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(name)


ServerFactory = Callable[[str], ServerProcess]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start ``habitloop serve --workers 2`` on a database; stopped after the test."""
    started: list[ServerProcess] = []

    def start(database_url: str) -> ServerProcess:
        server = ServerProcess(tmp_path, server_env(database_url), workers=WORKERS).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def verify(name: str, ledger: Ledger, database_url: str, *, settled: bool) -> Stored:
    """Check the store against the ledger, record the run's figures, and fail on any problem.
    Answers still waiting to be learned from are learned first, as the workers' learner would
    have."""
    settings = load_settings(database_url=database_url)
    db = Database(create_db_engine(settings))
    try:
        catch_up_everyone(db, settings=settings, library_cache=LibraryCache())
    finally:
        db.dispose()
    stored = read_store(database_url)
    library = configured_library(settings)
    problems = (
        plan_problems(ledger, stored, settled=settled)
        + answer_problems(ledger, stored, settled=settled)
        + profile_problems(stored, library)
    )
    FIGURES.append(f"{name}: {figures(ledger, stored)}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:30])
    return stored


def figures(ledger: Ledger, stored: Stored) -> str:
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(ledger.statuses().items()))
    answered = len(ledger.answers)
    return (
        f"{len(ledger.outcomes)} requests ({statuses}); plans acknowledged {len(ledger.plans)}, "
        f"stored {len(stored.plans)}; answers acknowledged {answered}, stored explicit "
        f"{len(stored.explicit)} (+{len(stored.answers) - len(stored.explicit)} no-response); "
        f"same-key repeats {dict(ledger.repeats)}; batch events {dict(ledger.batch_results)}; "
        f"check-ins acknowledged {len(ledger.checkins)}, stored {len(stored.checkins)}; "
        f"profiles recomputed {len(stored.profiles)}"
    )
