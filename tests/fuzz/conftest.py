"""A real server for the fuzzing suite, and the figures each run reports at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import JWT_SECRET
from tests.support.server import ServerProcess

FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.write_sep("-", "fuzzing figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """``habitloop serve`` on a new database of each backend (PostgreSQL refuses what SQLite
    stores: NUL characters, integers past a column's range)."""
    folder = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'habitloop.db'}"
    else:
        url = request.getfixturevalue("pg_cluster").create_database("fuzz")
    env = {
        "HABITLOOP_DATABASE_URL": url,
        "HABITLOOP_JWT_SECRET": JWT_SECRET,
        # Thousands of generated requests from one address, far faster than a person.
        "HABITLOOP_RATE_LIMIT": "off",
    }
    process = ServerProcess(folder, env).start()
    yield process
    process.stop()
