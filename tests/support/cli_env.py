"""The environment a command run in a test reads its settings from: nothing of the caller's."""

from __future__ import annotations

import os

import pytest

from habitloop.settings import Settings
from tests.conftest import JWT_SECRET


def clear_environment(monkeypatch: pytest.MonkeyPatch, *also: str) -> None:
    """Unset every ``HABITLOOP_`` variable, and the names in ``also``."""
    for name in list(os.environ):
        if name.startswith("HABITLOOP_") or name in also:
            monkeypatch.delenv(name)


def point_commands_at(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, *also_cleared: str
) -> None:
    """Commands run from now on use ``settings``' database (and its owner for migrations)."""
    clear_environment(monkeypatch, *also_cleared)
    monkeypatch.setenv("HABITLOOP_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HABITLOOP_JWT_SECRET", JWT_SECRET)
    if settings.migration_database_url:
        monkeypatch.setenv("HABITLOOP_MIGRATION_DATABASE_URL", settings.migration_database_url)
