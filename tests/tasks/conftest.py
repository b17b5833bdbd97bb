"""The tasks tests change the library, so each module writes to a database of its own: every
other test keeps the shipped library."""

from __future__ import annotations

import pytest

from tests.conftest import migrated_database_url


@pytest.fixture(scope="module")
def library_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A database of this module's own, migrated and holding the shipped library."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    name = f"habitloop_tasks_{module}_{backend}"
    return migrated_database_url(backend, request, tmp_path_factory, name)
