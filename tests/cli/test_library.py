"""``habitloop library``: validate, import and export against a real SQLite file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from habitloop.cli import app
from habitloop.db import Database, create_db_engine
from habitloop.settings import load_settings
from habitloop.tasks import repository
from habitloop.tasks.files import shipped_library_path
from habitloop.tasks.service import stored_library

LEGACY = {"ENABLE_DYNAMIC_PLANS", "TASK_LIBRARY_VERSION", "ROTATION_THRESHOLD_HOURS"}

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("HABITLOOP_") or name in LEGACY:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HABITLOOP_DATABASE_URL", f"sqlite:///{tmp_path}/h.db")
    monkeypatch.setenv("HABITLOOP_JWT_SECRET", "test-secret-for-the-cli-suite-0123456789")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def stored() -> tuple[dict[str, Any], tuple[str, int] | None]:
    """The stored library's document and its (version, revision)."""
    db = Database(create_db_engine(load_settings()))
    try:
        with db.transaction(write=False) as session:
            return stored_library(session).to_document(), repository.library_state(session)
    finally:
        db.dispose()


def shipped_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(shipped_library_path("v1").read_text("utf-8"))
    return document


def bad_library(path: Path) -> Path:
    """The shipped library with two broken tasks: a fit map as a string, an unknown category."""
    document = shipped_document()
    first, second = document["tasks"][0], document["tasks"][1]
    first["archetype_fit"] = json.dumps(first["archetype_fit"])
    second["category"] = "astrology"
    document["version"] = "v1-broken"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_validate_accepts_the_shipped_library() -> None:
    result = runner.invoke(app, ["library", "validate", str(shipped_library_path("v1"))])
    assert result.exit_code == 0, result.output
    assert "is valid" in result.stdout
    assert "7 categories" in result.stdout


def test_validate_lists_every_problem(env: Path) -> None:
    path = bad_library(env / "bad.json")
    result = runner.invoke(app, ["library", "validate", str(path)])
    assert result.exit_code == 1
    slugs = [t["slug"] for t in shipped_document()["tasks"][:2]]
    assert slugs[0] in result.stderr
    assert "archetype_fit" in result.stderr
    assert "not a string" in result.stderr
    assert slugs[1] in result.stderr
    assert "unknown category 'astrology'" in result.stderr
    assert "Traceback" not in result.output


def test_a_refused_import_writes_nothing(env: Path) -> None:
    first = runner.invoke(app, ["library", "import", str(shipped_library_path("v1"))])
    assert first.exit_code == 0, first.output
    before = stored()

    result = runner.invoke(app, ["library", "import", str(bad_library(env / "bad.json"))])

    assert result.exit_code == 1
    assert "astrology" in result.stderr
    assert "not a string" in result.stderr
    assert stored() == before


def test_import_into_an_empty_database_migrates_first() -> None:
    result = runner.invoke(app, ["library", "import", str(shipped_library_path("v1"))])
    assert result.exit_code == 0, result.output
    shipped = shipped_document()
    assert f"{len(shipped['tasks'])} inserted" in result.stdout
    document, state = stored()
    assert {t["slug"] for t in document["tasks"]} == {t["slug"] for t in shipped["tasks"]}
    assert state == ("v1", 1)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_export_then_import_round_trips(env: Path, suffix: str) -> None:
    assert runner.invoke(app, ["library", "import", str(shipped_library_path("v1"))]).exit_code == 0
    before, _ = stored()
    exported = env / f"library{suffix}"

    out = runner.invoke(app, ["library", "export", str(exported)])
    assert out.exit_code == 0, out.output
    back = runner.invoke(app, ["library", "import", str(exported)])
    assert back.exit_code == 0, back.output

    after, state = stored()
    assert after == before
    assert state == ("v1", 2)
    assert "0 inserted" in back.stdout
    assert "0 deactivated" in back.stdout


def test_export_of_the_shipped_file_needs_no_database(env: Path) -> None:
    path = env / "shipped.yaml"
    result = runner.invoke(app, ["library", "export", str(path), "--shipped", "v1"])
    assert result.exit_code == 0, result.output
    written = yaml.safe_load(path.read_text("utf-8"))
    assert written["version"] == "v1"
    assert [t["slug"] for t in written["tasks"]] == [t["slug"] for t in shipped_document()["tasks"]]
    assert not (env / "h.db").exists()


def test_export_refuses_an_unknown_suffix(env: Path) -> None:
    result = runner.invoke(app, ["library", "export", str(env / "library.txt")])
    assert result.exit_code == 2
    assert ".json" in result.output


def test_export_from_an_empty_database_says_what_to_run(env: Path) -> None:
    result = runner.invoke(app, ["library", "export", str(env / "library.json")])
    assert result.exit_code == 1
    assert "habitloop db upgrade" in result.stderr
    assert "Traceback" not in result.output
