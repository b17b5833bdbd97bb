"""Library files shipped in the package, picked by version."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from habitloop.core.library import Library, load_library_file
from habitloop.errors import NotFound
from habitloop.settings import Settings


def shipped_versions() -> list[str]:
    data = resources.files("habitloop") / "data"
    names = [p.name for p in data.iterdir() if p.name.startswith("library-")]
    return sorted(n.removeprefix("library-").rsplit(".", 1)[0] for n in names)


def shipped_library_path(version: str) -> Path:
    path = Path(str(resources.files("habitloop") / "data" / f"library-{version}.yaml"))
    if not path.is_file():
        available = ", ".join(shipped_versions()) or "none"
        raise NotFound(f"no shipped task library version {version!r}; available: {available}")
    return path


def library_is_pinned(settings: Settings) -> bool:
    """Whether the environment names a library, which then replaces another stored version."""
    return bool({"task_library_version", "task_library_path"} & settings.model_fields_set)


def configured_library(settings: Settings) -> Library:
    """The library the settings ask for: an explicit file, else the shipped version."""
    path = settings.task_library_path or shipped_library_path(settings.task_library_version)
    return load_library_file(path)
