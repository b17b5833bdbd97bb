"""``habitloop library``: check a library file, load it into the database, or write one out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from habitloop.cli.common import open_database, reports_errors, start, stderr, stdout
from habitloop.core.library import Library, dump_library, load_library_file
from habitloop.settings import Settings
from habitloop.tasks.files import library_is_pinned, shipped_library_path
from habitloop.tasks.service import import_library, stored_library

app = typer.Typer(help="Validate, import and export the task library.", no_args_is_help=True)

SUFFIXES = (".yaml", ".yml", ".json")
ExistingFile = Annotated[
    Path,
    typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="FILE", help="A YAML or JSON library."
    ),
]


def _summary(library: Library) -> Table:
    table = Table(title=f"library {escape(library.version)}", header_style="bold")
    for name in ("category", "tasks", "active", "variation groups"):
        table.add_column(name, justify="left" if name == "category" else "right")
    for category in sorted({t.category for t in library.tasks}):
        tasks = [t for t in library.tasks if t.category is category]
        groups = {t.variation_group for t in tasks}
        active = sum(t.active for t in tasks)
        table.add_row(category.value, str(len(tasks)), str(active), str(len(groups)))
    return table


@app.command()
@reports_errors
def validate(file: ExistingFile) -> None:
    """Check FILE and list every problem (task, field, why); exit 1 if there are any."""
    library = load_library_file(file)
    categories = {t.category for t in library.tasks}
    groups = {t.variation_group for t in library.tasks}
    out = stdout()
    out.print(
        f"[green]✓[/green] {escape(str(file))}: library {escape(library.version)} is valid: "
        f"{len(library)} tasks "
        f"({library.active_count} active), {len(categories)} categories, "
        f"{len(groups)} variation groups",
        soft_wrap=True,
    )
    out.print(_summary(library))


@app.command("export")
@reports_errors
def export(
    file: Annotated[
        Path,
        typer.Argument(
            dir_okay=False,
            metavar="FILE",
            help="Where to write: .json for JSON, .yaml/.yml for YAML.",
        ),
    ],
    shipped: Annotated[
        str | None,
        typer.Option(
            "--shipped",
            metavar="VERSION",
            help="Export the library file shipped with habitloop instead of the stored one.",
        ),
    ] = None,
) -> None:
    """Write the library stored in the database (or a shipped one) to FILE."""
    if file.suffix not in SUFFIXES:
        raise typer.BadParameter(f"use one of {', '.join(SUFFIXES)}", param_hint="FILE")
    settings = start()
    if shipped is not None:
        library = load_library_file(shipped_library_path(shipped))
    else:
        with open_database(settings, migrate=False) as db, db.transaction(write=False) as session:
            library = stored_library(session)
    dump_library(library, file)
    stdout().print(
        f"wrote library {library.version} ({len(library)} tasks) to {file}", markup=False
    )


@app.command("import")
@reports_errors
def import_(file: ExistingFile) -> None:
    """Validate FILE, then make the stored library equal to it in one transaction.

    Tasks missing from FILE are deactivated, never deleted. A refused file writes nothing.
    """
    settings = start()
    library = load_library_file(file)
    with open_database(settings, migrate=True) as db, db.transaction(write=True) as session:
        result = import_library(session, library)
    stdout().print(
        f"[green]✓[/green] imported library {escape(result.version)}: {result.inserted} inserted, "
        f"{result.updated} updated, {result.deactivated} deactivated (revision {result.revision})"
    )
    _warn_if_overridden(settings, library, file)


def _warn_if_overridden(settings: Settings, library: Library, file: Path) -> None:
    # A library named in the environment replaces another stored version at the next start,
    # which would silently undo what was just imported.
    if library_is_pinned(settings) and library.version != settings.task_library_version:
        stderr().print(
            f"note: the environment pins library {settings.task_library_version!r}; `habitloop "
            f"serve` and `habitloop plan` will load it over {library.version!r}. To keep this "
            f"one, unset TASK_LIBRARY_VERSION or set HABITLOOP_TASK_LIBRARY_PATH={file.resolve()}",
            style="yellow",
            markup=False,
            soft_wrap=True,
        )
