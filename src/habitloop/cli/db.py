"""``habitloop db``: move the schema between Alembic revisions, show where it is, and print it
as one SQL script."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy import Engine

from habitloop.cli.common import engine_for, reports_errors, start, stdout
from habitloop.db import migrate

app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)


def _report(engine: Engine) -> None:
    current = migrate.current_revision(engine) or "none (empty database)"
    head = migrate.head_revision(engine) or "none"
    state = "up to date" if current == head else "not at head"
    url = engine.url.render_as_string(hide_password=True)
    stdout().print(f"database {url}", soft_wrap=True)
    stdout().print(f"current revision: {current}\nhead revision:    {head}  ({state})")


@app.command()
@reports_errors
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the schema forward to REVISION (default: head)."""
    with engine_for(start()) as engine:
        migrate.upgrade(engine, revision)
        _report(engine)


@app.command()
@reports_errors
def downgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision; -1 is one step back, base is empty.")
    ] = "-1",
) -> None:
    """Migrate the schema back to REVISION (default: one step)."""
    with engine_for(start()) as engine:
        migrate.downgrade(engine, revision)
        _report(engine)


@app.command()
@reports_errors
def current() -> None:
    """Show the database's revision and the newest one this version of habitloop knows."""
    with engine_for(start()) as engine:
        _report(engine)


@app.command()
@reports_errors
def sql(
    supabase: Annotated[
        bool,
        typer.Option(
            "--supabase",
            help="For Supabase, whose roles and auth.uid() are there already: leave them out.",
        ),
    ] = False,
) -> None:
    """Print the whole PostgreSQL schema, row level security policies included, as plain SQL
    for an empty database (Supabase: paste it into the SQL editor). Connects to nothing.

    Without --supabase the script creates the roles anon, authenticated and service_role and
    a compatible auth.uid() where they are missing."""
    sys.stdout.write(migrate.schema_sql(supabase=supabase))
